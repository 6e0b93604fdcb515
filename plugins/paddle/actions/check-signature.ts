import crypto from "node:crypto";
import { Webhooks, type Paddle } from "@paddle/paddle-node-sdk";
import { z } from "zod";
import { action, secret, type ActionDefinition } from "../../plugin-api";

/** Paddle's SDK accepts a signature for this many seconds after its `ts`. */
export const SIGNATURE_WINDOW_S = 5;

const Input = z.object({
  // A pasted webhook body carries customers' data: scrubbed from audit and run records like a secret.
  payload: secret(z.string().min(2, "paste the raw request body").max(512_000, "at most 500 KB")),
  signature: z.string().trim().min(1, "paste the Paddle-Signature header").max(2000),
});

export type SignatureVerdict = "valid" | "malformed-header" | "expired-timestamp" | "tampered-body" | "wrong-secret" | "mismatch";

export interface SignatureAnswer {
  verdict: SignatureVerdict;
  summary: string;
}

function parseHeader(header: string): { ts: number; h1: string } | string {
  const parts = new Map<string, string>();
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0) parts.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  const ts = parts.get("ts");
  const h1 = parts.get("h1");
  if (!ts && !h1) return "it has neither ts= nor h1= (Paddle sends ts=<unix seconds>;h1=<hex HMAC>)";
  if (!ts) return "it has no ts= part";
  if (!h1) return "it has no h1= part";
  if (!/^\d{9,11}$/.test(ts)) return "its ts= is not a Unix time in seconds";
  if (!/^[0-9a-f]{64}$/i.test(h1)) return "its h1= is not a 64-character hex HMAC-SHA256";
  return { ts: Number(ts), h1: h1.toLowerCase() };
}

const hmac = (key: string, ts: number, body: string) => crypto.createHmac("sha256", key).update(`${ts}:${body}`).digest("hex");
const same = (a: string, b: string) => a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * One verdict for a pasted body and Paddle-Signature header. The SDK's `webhooks.unmarshal` decides
 * "valid"; when it refuses, the reason is found: a malformed header, a timestamp older than Paddle's
 * 5 s, a body that differs from the one Paddle holds for its notification, or a signature made with
 * another secret (a destination's current secret, when it is one of the account's). The secrets
 * themselves never appear in an answer.
 */
export async function diagnoseSignature(paddle: Paddle, webhookSecret: string, payload: string, signature: string, now = Date.now()): Promise<SignatureAnswer> {
  const header = parseHeader(signature);
  if (typeof header === "string") return { verdict: "malformed-header", summary: `Malformed Paddle-Signature header: ${header}.` };
  try {
    const event = await paddle.webhooks.unmarshal(payload, webhookSecret, signature);
    return { verdict: "valid", summary: `Valid: signed with the configured webhook secret ${Math.max(0, Math.round(now / 1000 - header.ts))} s ago (${event.eventType}, ${event.eventId}).` };
  } catch {
    // The SDK says only "verification failed"; the reasons follow.
  }
  const matches = same(hmac(webhookSecret, header.ts, payload), header.h1);
  const ageS = Math.round(now / 1000 - header.ts);
  if (ageS > SIGNATURE_WINDOW_S) {
    return {
      verdict: "expired-timestamp",
      summary: `Expired timestamp: signed ${ageS} s ago and Paddle's SDK accepts ${SIGNATURE_WINDOW_S} s. ${
        matches ? "The signature itself matches this body and the configured secret, so the delivery was genuine: a copy from a log is always too old; if live deliveries fail this way, check the server's clock." : "It would not match this body with the configured secret either."
      }`,
    };
  }
  if (matches) return { verdict: "valid", summary: "The signature matches, but the SDK refused the body (it is not a Paddle event it can read)." };

  let settings: { id: string; description: string; endpointSecretKey: string }[] = [];
  try {
    settings = await paddle.notificationSettings.list();
  } catch {
    // Without the account's destinations, the body comparison below still decides.
  }
  const signer = settings.find((s) => s.endpointSecretKey !== webhookSecret && same(hmac(s.endpointSecretKey, header.ts, payload), header.h1));
  if (signer) {
    return {
      verdict: "wrong-secret",
      summary: `Wrong secret: this body was signed with the current secret of destination "${signer.description}" (${signer.id}), not with the configured webhook secret. The secret was rotated in Paddle and not in the app (or the app checks another destination's secret).`,
    };
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return { verdict: "tampered-body", summary: "Tampered body: it is not the JSON Paddle sends (changed, cut or re-encoded after signing), so the signature cannot match." };
  }
  const notificationId = typeof parsed.notification_id === "string" ? parsed.notification_id : null;
  if (notificationId) {
    try {
      const original = await paddle.notifications.get(notificationId);
      const pasted = JSON.stringify(Webhooks.fromJson(parsed as never));
      if (pasted !== JSON.stringify(original.payload)) {
        return { verdict: "tampered-body", summary: `Tampered body: it differs from the body Paddle holds for ${notificationId}, so it was changed after signing (a proxy, a body parser that re-serialised it, or an edit).` };
      }
      return {
        verdict: "wrong-secret",
        summary: `Wrong secret: the body is exactly what Paddle sent for ${notificationId}, so it was signed with a different secret than the configured one. Copy the destination's secret key again from Paddle.`,
      };
    } catch {
      // Not in this account (or Paddle unreachable): fall through to the undecided answer.
    }
  }
  return {
    verdict: "mismatch",
    summary: "The signature does not match this body with the configured secret, and Paddle holds no copy of this notification to compare with: either the body was changed after signing or it was signed with another secret.",
  };
}

export function checkSignature(paddle: Paddle, webhookSecret: string): ActionDefinition<z.infer<typeof Input>> {
  return action({
    id: "check-signature",
    title: "Check a Paddle webhook signature",
    description: "Diagnoses a body and Paddle-Signature header pasted from a log: valid, tampered body, expired timestamp, wrong secret or malformed header. Changes nothing.",
    input: Input,
    risk: "low",
    target: () => "paddle-signature",
    async run({ payload, signature }) {
      const answer = await diagnoseSignature(paddle, webhookSecret, payload, signature);
      return { summary: answer.summary, data: answer };
    },
  });
}
