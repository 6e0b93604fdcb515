// Signed JSON webhooks, and PagerDuty's Events API v2 (a webhook with a fixed shape).
import crypto from "node:crypto";
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

async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", "user-agent": "opsdeck-notifications", ...headers }, signal: AbortSignal.timeout(timeoutMs), redirect: "error" });
  } catch (err) {
    throw new DeliveryError(`could not reach ${new URL(url).host}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
  }
}

async function refuseUnlessOk(res: Response, what: string): Promise<void> {
  if (res.ok) return;
  const text = (await res.text().catch(() => "")).slice(0, 500);
  const words = `${what} answered ${res.status}${text ? `: ${text}` : ""}`;
  // 408/429 and 5xx are worth another try; any other 4xx means the request itself is wrong.
  const retriable = res.status === 408 || res.status === 429 || res.status >= 500;
  throw new DeliveryError(words, retryAfterMs(res.headers.get("retry-after")), !retriable);
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
  await refuseUnlessOk(res, "the webhook");
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
  await refuseUnlessOk(res, "PagerDuty");
}
