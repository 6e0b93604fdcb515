// Signed JSON webhooks, and PagerDuty's Events API v2 (a webhook with a fixed shape).
import crypto from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { z } from "zod";
import type { PagerDutyChannelSchema, WebhookChannelSchema } from "../config";
import type { Message } from "../messages.server";
import type { NotificationEvent } from "../outbox.server";
import { DeliveryError, retryAfterMs } from "./delivery-error";

export const SIGNATURE_HEADER = "X-Opsdeck-Signature";

/** `sha256=<hex HMAC-SHA256 of the raw body>` with the channel's secret. */
export function signBody(body: string, secret: string): string {
  return `sha256=${crypto.createHmac("sha256", secret).update(body).digest("hex")}`;
}

interface Answer {
  ok: boolean;
  status: number;
  text: string;
  retryAfter: string | null;
}

// node:http with kept-alive sockets: a sender posting thousands of deliveries reuses connections
// (fetch costs several times more CPU per request here).
const agents = { "http:": new http.Agent({ keepAlive: true, maxSockets: 64 }), "https:": new https.Agent({ keepAlive: true, maxSockets: 64 }) };

function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<Answer> {
  const target = new URL(url);
  const lib = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      target,
      { method: "POST", agent: agents[target.protocol as "http:" | "https:"], headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), "user-agent": "opsdeck-notifications", ...headers }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          if (size < 4096) chunks.push(c);
          size += c.length;
        });
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const retryAfter = res.headers["retry-after"];
          resolve({ ok: status >= 200 && status < 300, status, text: Buffer.concat(chunks).toString("utf8"), retryAfter: typeof retryAfter === "string" ? retryAfter : null });
        });
        res.on("error", (err) => reject(new DeliveryError(`the answer from ${target.host} broke off: ${err.message}`)));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (err) => reject(new DeliveryError(`could not reach ${target.host}: ${err.message}`)));
    req.end(body);
  });
}

function refuseUnlessOk(res: Answer, what: string): void {
  if (res.ok) return;
  const text = res.text.slice(0, 500);
  const words = `${what} answered ${res.status}${text ? `: ${text}` : ""}`;
  // 408/429 and 5xx are worth another try; any other answer (a 3xx, a 4xx) means the request itself is wrong.
  const retriable = res.status === 408 || res.status === 429 || res.status >= 500;
  throw new DeliveryError(words, retryAfterMs(res.retryAfter), !retriable);
}

export async function sendWebhook(cfg: z.output<typeof WebhookChannelSchema>, event: NotificationEvent, message: Message, deliveryKey: string, timeoutMs = 10_000): Promise<void> {
  const body = JSON.stringify({
    id: event.id,
    delivery: deliveryKey,
    kind: event.kind,
    at: new Date(event.at).toISOString(),
    subject: event.subject,
    severity: event.severity,
    title: message.title,
    summary: message.text,
    url: message.url,
    fields: Object.fromEntries(message.fields),
    oncall: message.oncall,
    plugins: event.plugins,
    runbooks: event.runbooks,
  });
  const res = await post(cfg.url, body, { [SIGNATURE_HEADER]: signBody(body, cfg.secret), "X-Opsdeck-Delivery": deliveryKey, "X-Opsdeck-Event": event.kind }, timeoutMs);
  refuseUnlessOk(res, "the webhook");
}

const PD_SEVERITY: Record<string, "critical" | "error" | "warning" | "info"> = { P1: "critical", P2: "error", P3: "warning", P4: "info", critical: "critical", high: "error", warning: "warning" };

/** trigger for news, acknowledge when someone took it, resolve when it is over; one dedup_key per subject. */
export function pagerDutyEvent(routingKey: string, event: NotificationEvent, message: Message): Record<string, unknown> {
  const action = event.kind === "incident.resolved" ? "resolve" : event.payload.acknowledged === true ? "acknowledge" : "trigger";
  const dedupKey = `opsdeck:${event.subject}`.slice(0, 255);
  if (action !== "trigger") return { routing_key: routingKey, event_action: action, dedup_key: dedupKey };
  return {
    routing_key: routingKey,
    event_action: "trigger",
    dedup_key: dedupKey,
    payload: {
      summary: `${message.title}${message.text ? ` — ${message.text}` : ""}`.slice(0, 1024),
      source: "opsdeck",
      severity: PD_SEVERITY[event.severity ?? ""] ?? (message.tone === "danger" ? "critical" : "warning"),
      timestamp: new Date(event.at).toISOString(),
      component: event.plugins[0],
      class: event.kind,
      custom_details: { ...Object.fromEntries(message.fields), ...(message.oncall ? { oncall: message.oncall } : {}) },
    },
    client: "Opsdeck",
    ...(message.url ? { client_url: message.url, links: [{ href: message.url, text: "Open in Opsdeck" }] } : {}),
  };
}

export async function sendPagerDuty(cfg: z.output<typeof PagerDutyChannelSchema>, event: NotificationEvent, message: Message, timeoutMs = 10_000): Promise<void> {
  const res = await post(cfg.url, JSON.stringify(pagerDutyEvent(cfg.routingKey, event, message)), {}, timeoutMs);
  refuseUnlessOk(res, "PagerDuty");
}
