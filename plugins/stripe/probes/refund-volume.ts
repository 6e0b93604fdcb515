import { probe } from "../../plugin-api";
import type { StripeGateway } from "../client.server";
import { formatAmount, isoFromSeconds, nowSeconds } from "../format";

const DAY = 86400;
const BASELINE_DAYS = 7;

/** Refunds of the last 24 hours against the daily average of the week before ("> 3x baseline"). */
export function refundVolume(stripe: StripeGateway) {
  return probe({
    id: "refund-volume",
    title: "Refund volume vs baseline",
    description: `Refunds in the last 24 h divided by the daily average of the ${BASELINE_DAYS} days before.`,
    unit: "× baseline",
    every: "5m",
    thresholds: { warn: "> 2", critical: "> 3 for 15m" },
    async read({ signal, now }) {
      const nowS = nowSeconds(now());
      const refunds = (await stripe.listRefunds({ since: nowS - (BASELINE_DAYS + 1) * DAY }, signal)).filter((r) => r.status !== "failed" && r.status !== "canceled");
      const recent = refunds.filter((r) => r.created >= nowS - DAY);
      const before = refunds.filter((r) => r.created < nowS - DAY);
      const baseline = before.length / BASELINE_DAYS;
      // With no refunds at all the week before, one refund a day counts as the baseline.
      const ratio = Math.round((recent.length / (baseline > 0 ? baseline : 1)) * 10) / 10;
      const amount = recent.reduce((s, r) => s + r.amount, 0);
      const currency = recent[0]?.currency ?? "usd";
      return {
        value: ratio,
        summary: `${recent.length} refund${recent.length === 1 ? "" : "s"} (${formatAmount(amount, currency)}) in the last 24 h vs ${baseline.toFixed(1)}/day baseline: ${ratio}×`,
        rows: recent.map((r) => ({
          refund: r.id,
          amount: formatAmount(r.amount, r.currency),
          reason: r.reason ?? "",
          status: r.status ?? "",
          paymentIntent: typeof r.payment_intent === "string" ? r.payment_intent : (r.payment_intent?.id ?? ""),
          created: isoFromSeconds(r.created),
        })),
      };
    },
  });
}
