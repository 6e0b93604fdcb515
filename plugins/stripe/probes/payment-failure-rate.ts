import { probe } from "../../plugin-api";
import type { StripeGateway } from "../client.server";
import { formatAmount, isoFromSeconds, nowSeconds } from "../format";

/** Share of charges in the last hour that failed, in percent. */
export function paymentFailureRate(stripe: StripeGateway) {
  return probe({
    id: "payment-failure-rate",
    title: "Payment failure rate (last hour)",
    description: "Failed charges as a share of all charge attempts in the last hour.",
    unit: "%",
    every: "1m",
    thresholds: { warn: "> 2", critical: "> 10 for 10m" },
    async read({ signal, now }) {
      const charges = await stripe.listCharges({ since: nowSeconds(now()) - 3600 }, signal);
      const settled = charges.filter((c) => c.status === "succeeded" || c.status === "failed");
      const failed = settled.filter((c) => c.status === "failed");
      if (settled.length === 0) return { value: 0, summary: "No payment attempts in the last hour", rows: [] };
      const rate = Math.round((failed.length / settled.length) * 1000) / 10;
      const byCode = new Map<string, number>();
      for (const c of failed) {
        const code = c.outcome?.reason ?? c.failure_code ?? "unknown";
        byCode.set(code, (byCode.get(code) ?? 0) + 1);
      }
      const reasons = [...byCode].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([code, n]) => `${code} ×${n}`).join(", ");
      return {
        value: rate,
        summary: `${failed.length} of ${settled.length} payments failed in the last hour (${rate}%)${reasons ? `: ${reasons}` : ""}`,
        rows: failed.map((c) => ({
          charge: c.id,
          paymentIntent: typeof c.payment_intent === "string" ? c.payment_intent : (c.payment_intent?.id ?? ""),
          amount: formatAmount(c.amount, c.currency),
          failure: c.failure_code ?? "",
          declineReason: c.outcome?.reason ?? "",
          message: c.failure_message ?? "",
          created: isoFromSeconds(c.created),
        })),
      };
    },
  });
}
