import { z } from "zod";
import { action, ActionInputError } from "../../plugin-api";
import { StripeFailure, type StripeGateway } from "../client.server";
import { isoFromSeconds } from "../format";

export const ResendEventInputSchema = z
  .object({
    eventId: z.string().trim().regex(/^evt_[A-Za-z0-9_]+$/, 'must be an event id ("evt_…")'),
    endpointId: z.string().trim().regex(/^we_[A-Za-z0-9_]+$/, 'must be a webhook endpoint id ("we_…")'),
  })
  .strict();

const RESEND_WINDOW_S = 30 * 86400;

/**
 * stripe.resend-event. Stripe's public API has no call that re-sends one event to one endpoint
 * (only the Dashboard and `stripe events resend` in the CLI, which calls an endpoint the API
 * reference does not document). So this re-delivers the event itself: the event JSON fetched
 * from Stripe, POSTed to the endpoint's URL and signed with that endpoint's secret the way
 * Stripe signs (`Stripe-Signature: t=…,v1=…`, via stripe.webhooks.generateTestHeaderString).
 * The app's handler verifies it with constructEvent like any delivery; it must be idempotent
 * on event id, which the seed runbooks already require ("Event Already Processed" is normal).
 */
export function resendEventAction(stripe: StripeGateway) {
  async function load(input: z.infer<typeof ResendEventInputSchema>, signal: AbortSignal) {
    const [event, endpoint] = await Promise.all([stripe.retrieveEvent(input.eventId, signal), stripe.retrieveWebhookEndpoint(input.endpointId, signal)]);
    if (!stripe.hasEndpointSecret(endpoint.id))
      throw new ActionInputError(`no signing secret configured for ${endpoint.id}: add it to plugins.stripe.endpointSecrets`, { endpointId: ["no signing secret configured for this endpoint"] });
    if (Date.now() / 1000 - event.created > RESEND_WINDOW_S)
      throw new ActionInputError(`${event.id} is older than 30 days; Stripe keeps events for 30 days only`, { eventId: ["older than 30 days"] });
    const subscribed = endpoint.enabled_events.includes("*") || endpoint.enabled_events.includes(event.type);
    if (!subscribed)
      throw new ActionInputError(`${endpoint.id} does not listen for ${event.type}`, { endpointId: [`endpoint does not listen for ${event.type}`] });
    return { event, endpoint };
  }

  return action({
    id: "resend-event",
    title: "Resend a webhook event",
    description: "Re-delivers one Stripe event to one webhook endpoint, signed with the endpoint's secret.",
    input: ResendEventInputSchema,
    risk: "high",
    timeout: "30s",
    target: (input) => `${input.endpointId}:${input.eventId}`,
    async preview(input, { signal }) {
      const { event, endpoint } = await load(input, signal);
      const obj = event.data.object as { id?: string; metadata?: Record<string, string> };
      return {
        summary:
          `POST ${event.type} (${event.id}, ${isoFromSeconds(event.created)}) to ${endpoint.url}` +
          (endpoint.status !== "enabled" ? ` — note: ${endpoint.id} is ${endpoint.status} in Stripe` : "") +
          `. The handler sees a normal signed delivery; it must skip events it already processed.`,
        count: 1,
        before: { event: event.id, type: event.type, object: obj.id ?? null, order: obj.metadata?.order_id ?? null, pendingWebhooks: event.pending_webhooks, endpoint: endpoint.id, endpointStatus: endpoint.status },
      };
    },
    async run(input, ctx) {
      const { event, endpoint } = await load(input, ctx.signal);
      ctx.log(`delivering ${event.type} ${event.id} to ${endpoint.url}`);
      const answer = await stripe.deliverEvent(event, endpoint, ctx.signal);
      ctx.log(`endpoint answered ${answer.status} in ${answer.ms} ms`);
      if (!answer.ok) throw new StripeFailure(`${endpoint.url} answered ${answer.status}${answer.body ? `: ${answer.body.slice(0, 200)}` : ""}`, { status: 502 });
      return {
        summary: `Delivered ${event.type} ${event.id} to ${endpoint.id}: HTTP ${answer.status} in ${answer.ms} ms`,
        links: [{ label: `Event ${event.id} in Stripe`, href: stripe.dashboardLink(`events/${event.id}`) }],
        data: { eventId: event.id, endpointId: endpoint.id, status: answer.status, ms: answer.ms },
      };
    },
  });
}
