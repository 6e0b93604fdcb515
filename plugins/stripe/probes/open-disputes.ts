import { probe } from "../../plugin-api";
import type { StripeGateway } from "../client.server";
import { formatAmount, isoFromSeconds, nowSeconds } from "../format";

const OPEN = new Set(["warning_needs_response", "warning_under_review", "needs_response", "under_review"]);

/** Disputes (chargebacks) still open; the ones that need a response show their evidence deadline. */
export function openDisputes(stripe: StripeGateway) {
  return probe({
    id: "open-disputes",
    title: "Open disputes",
    description: "Disputes of the last 120 days that are not yet won, lost or closed.",
    unit: "disputes",
    every: "5m",
    thresholds: { warn: "> 0" },
    async read({ signal, now }) {
      const nowS = nowSeconds(now());
      const disputes = await stripe.listDisputes({ since: nowS - 120 * 86400 }, signal);
      const open = disputes.filter((d) => OPEN.has(d.status)).sort((a, b) => (a.evidence_details?.due_by ?? 0) - (b.evidence_details?.due_by ?? 0));
      const rows = open.map((d) => ({
        dispute: d.id,
        status: d.status,
        reason: d.reason,
        amount: formatAmount(d.amount, d.currency),
        charge: typeof d.charge === "string" ? d.charge : d.charge.id,
        paymentIntent: typeof d.payment_intent === "string" ? d.payment_intent : (d.payment_intent?.id ?? ""),
        evidenceDueBy: d.evidence_details?.due_by ? isoFromSeconds(d.evidence_details.due_by) : "",
        hasEvidence: d.evidence_details?.has_evidence ?? false,
      }));
      const needs = open.filter((d) => d.status.endsWith("needs_response"));
      const due = needs[0]?.evidence_details?.due_by;
      const total = open.reduce((s, d) => s + d.amount, 0);
      const summary = open.length
        ? `${open.length} open dispute${open.length === 1 ? "" : "s"} (${formatAmount(total, open[0].currency)})` +
          (due ? `; evidence for ${needs[0].id} due in ${Math.max(0, Math.round((due - nowS) / 3600))} h` : "")
        : "No open disputes";
      const overdue = needs.some((d) => (d.evidence_details?.due_by ?? Infinity) - nowS < 24 * 3600);
      const links = [{ label: `Disputes in the Stripe Dashboard (${stripe.account})`, href: stripe.dashboardLink("disputes") }];
      return { value: open.length, summary, rows, links, ...(overdue ? { status: "critical" as const } : {}) };
    },
  });
}
