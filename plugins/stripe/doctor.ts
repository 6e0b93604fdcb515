import { doctorCheck, type DoctorCheck, type DoctorContext } from "../plugin-api";
import { StripeGateway } from "./client.server";
import type { StripeConfig } from "./config";

/** What a restricted key's permission is called in the Dashboard, by the name Stripe's error gives. */
const PERMISSION_NAMES: Record<string, string> = {
  rak_accounts_kyc_basic_read: "Account: Read",
  rak_webhook_read: "Webhook Endpoints: Read",
  rak_event_read: "Events: Read",
  rak_charge_read: "Charges: Read",
  rak_payment_intent_read: "PaymentIntents: Read",
  rak_dispute_read: "Disputes: Read",
  rak_refund_write: "Refunds: Write",
};

function stripeFix(needed: string) {
  return (err: unknown): string => {
    const text = err instanceof Error ? err.message : String(err);
    const permission = /Having the '([a-z_]+)' permission/.exec(text)?.[1];
    if (permission) return `grant the restricted key "${PERMISSION_NAMES[permission] ?? permission}" (${permission}) in Dashboard → Developers → API keys, or use a key that has it in plugins.stripe.secretKey`;
    if (/authentication failed/.test(text)) return "plugins.stripe.secretKey is not a valid key for this account: copy a current rk_live_… (or sk_live_…) key into it";
    if (/permission denied/.test(text)) return `grant the restricted key ${needed} in Dashboard → Developers → API keys`;
    return "make api.stripe.com reachable from the portal (outbound HTTPS), or correct plugins.stripe.apiBase";
  };
}

/** The account the key belongs to and the webhook endpoints the probes watch; signing secrets named for endpoints that exist. */
export async function stripeDoctor({ config, signal, scrubber }: DoctorContext<StripeConfig>): Promise<DoctorCheck[]> {
  const stripe = new StripeGateway(config, scrubber);
  const account = await doctorCheck("account", stripeFix('"Account: Read"'), async () => {
    const a = await stripe.retrieveAccount(signal);
    return `${a.id}${a.settings?.dashboard?.display_name ? ` (${a.settings.dashboard.display_name})` : ""}, ${stripe.livemode ? "live" : "test"} mode`;
  });
  let endpointIds: string[] = [];
  const endpoints = await doctorCheck("webhook endpoints", stripeFix('"Webhook Endpoints: Read"'), async () => {
    const list = await stripe.listWebhookEndpoints(signal);
    endpointIds = list.map((e) => e.id);
    const enabled = list.filter((e) => e.status === "enabled").length;
    return `${list.length} endpoint(s), ${enabled} enabled`;
  });
  const checks = [account, endpoints];
  if (endpoints.ok) {
    for (const id of Object.keys(config.endpointSecrets ?? {})) {
      const known = endpointIds.includes(id);
      checks.push({
        name: `signing secret ${id}`,
        ok: known,
        detail: known ? "names an endpoint of this account" : "no webhook endpoint of this account has this id",
        ...(known ? {} : { fix: `remove plugins.stripe.endpointSecrets.${id} or replace it with the id of an existing endpoint (Dashboard → Developers → Webhooks)` }),
      });
    }
  }
  return checks;
}
