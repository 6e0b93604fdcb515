import { probe } from "../../plugin-api";
import type { StripeGateway } from "../client.server";
import { isoFromSeconds } from "../format";

/** Webhook endpoints and their status: a disabled endpoint means Stripe stopped delivering to it. */
export function webhookEndpoints(stripe: StripeGateway) {
  return probe({
    id: "webhook-endpoints",
    title: "Webhook endpoints",
    description: "Endpoints registered in Stripe; the figure is how many are disabled.",
    unit: "disabled",
    every: "5m",
    thresholds: { warn: "> 0" },
    async read({ signal }) {
      const endpoints = await stripe.listWebhookEndpoints(signal);
      const disabled = endpoints.filter((e) => e.status !== "enabled");
      const rows = endpoints.map((e) => ({
        endpoint: e.id,
        status: e.status,
        url: e.url,
        events: e.enabled_events.includes("*") ? "all events" : e.enabled_events.join(", "),
        description: e.description ?? "",
        created: isoFromSeconds(e.created),
      }));
      if (endpoints.length === 0)
        return { value: 0, status: "critical", summary: "No webhook endpoint is registered: Stripe delivers no events to the app", rows };
      if (disabled.length === endpoints.length)
        return { value: disabled.length, status: "critical", summary: `All ${endpoints.length} webhook endpoints are disabled: no events reach the app`, rows };
      const summary = disabled.length
        ? `${disabled.length} of ${endpoints.length} webhook endpoints disabled (${disabled.map((e) => e.id).join(", ")})`
        : `${endpoints.length} webhook endpoint${endpoints.length === 1 ? "" : "s"} enabled`;
      return { value: disabled.length, summary, rows, links: [{ label: `Webhooks in the Stripe Dashboard (${stripe.account})`, href: stripe.dashboardLink("webhooks") }] };
    },
  });
}
