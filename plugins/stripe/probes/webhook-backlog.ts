import { parseDuration, probe } from "../../plugin-api";
import type { StripeGateway } from "../client.server";
import { isoFromSeconds, nowSeconds } from "../format";

const WINDOW = "6h";

/** Events of the last hours that Stripe has not yet delivered to every endpoint (pending_webhooks > 0). */
export function webhookBacklog(stripe: StripeGateway) {
  return probe({
    id: "webhook-backlog",
    title: "Events pending webhook delivery",
    description: `Events created in the last ${WINDOW} with pending_webhooks > 0.`,
    unit: "events",
    every: "1m",
    thresholds: { warn: "> 0", critical: "> 5 for 10m" },
    async read({ signal, now }) {
      const since = nowSeconds(now()) - parseDuration(WINDOW) / 1000;
      const [events, endpoints] = await Promise.all([
        stripe.listEvents({ since, pendingOnly: true }, signal),
        stripe.listWebhookEndpoints(signal),
      ]);
      const pending = events.filter((e) => e.pending_webhooks > 0);
      const target = endpoints.find((e) => e.status === "enabled");
      const rows = pending.map((e) => {
        const obj = e.data.object as { id?: string; metadata?: Record<string, string> };
        return {
          event: e.id,
          type: e.type,
          object: obj.id ?? "",
          order: obj.metadata?.order_id ?? "",
          created: isoFromSeconds(e.created),
          pendingWebhooks: e.pending_webhooks,
          fixes: target ? [{ actionId: "stripe.resend-event", label: `Resend to ${target.url}`, input: { eventId: e.id, endpointId: target.id } }] : [],
        };
      });
      const oldest = pending.length ? Math.min(...pending.map((e) => e.created)) : null;
      const summary = pending.length
        ? `${pending.length} event${pending.length === 1 ? "" : "s"} still pending delivery in the last ${WINDOW}; oldest ${Math.round((nowSeconds(now()) - oldest!) / 60)} min old`
        : `All events of the last ${WINDOW} delivered`;
      return { value: pending.length, summary, rows };
    },
  });
}
