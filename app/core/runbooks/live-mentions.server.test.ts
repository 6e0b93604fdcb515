import { describe, expect, it } from "vitest";
import { firestorePathShape, mentionsIn, stripeIdShape, stripeMentionAction } from "./live-blocks.server";
import { renderRunbook } from "./render.server";

describe("live mention recognisers", () => {
  it("takes Firestore document paths as teams name them, not prose with a slash", () => {
    for (const p of ["opsHealth/autoReleaseProtected", "adminRevenueAggregates/global", "orders/wx-1035", "users/u_1/orders/wx-1"]) expect(firestorePathShape(p), p).toBe(true);
    for (const p of ["and/or", "read/write", "HTTP/2", "p95/p99", "orders", "opsHealth/a/b", "/opsHealth/x", "docs/readme.md", "client/server", "gs://b/x", "orders/{orderId}"]) expect(firestorePathShape(p), p).toBe(false);
  });

  it("takes Stripe ids with a digit in them, for the five kinds that open something", () => {
    for (const id of ["pi_3MtwBwLkdIwHu7ix28a3tqPa", "pi_demo_wx1035", "ch_demo_wx1035", "evt_1NG8Du2eZvKYlo2CUI79vXWy", "re_3N1", "dp_1Mt"].filter((i) => i.length > 9)) expect(stripeIdShape(id), id).toBe(true);
    for (const id of ["pi_…", "re_run_all", "cus_123456789", "pi_abcdefgh", "evt_"]) expect(stripeIdShape(id), id).toBe(false);
  });

  it("finds mentions in a stretch of prose, never inside a URL or a longer path", () => {
    expect(mentionsIn("Check opsHealth/autoReleaseProtected and pi_demo_wx1035, then and/or https://x.example/opsHealth/abc.").map((m) => [m.kind, m.text])).toEqual([
      ["firestore", "opsHealth/autoReleaseProtected"],
      ["stripe", "pi_demo_wx1035"],
    ]);
    expect(mentionsIn("see docs/opsHealth/x and a/opsHealth/y")).toEqual([]);
  });

  it("maps payments (and their charges, refunds, disputes) to recheck and events to their delivery", () => {
    expect(stripeMentionAction("ch_demo_wx1035")).toMatchObject({ actionId: "stripe.recheck-payment", input: { paymentIntentId: "ch_demo_wx1035" } });
    expect(stripeMentionAction("evt_demo_paid_wx1035")).toMatchObject({ actionId: "stripe.resend-event", input: { eventId: "evt_demo_paid_wx1035" } });
  });
});

describe("marking mentions while rendering", () => {
  const md = [
    "# Stuck",
    "",
    "The cron writes `opsHealth/autoReleaseProtected`; the totals live in",
    "adminRevenueAggregates/global (read-only).",
    "",
    "- Payment pi_demo_wx1035 is stuck",
    "- Event `evt_demo_paid_wx1035`",
    "",
    "## Not here: opsHealth/inHeading",
    "",
    "```sh",
    "echo opsHealth/autoReleaseProtected pi_demo_wx1035",
    "```",
    "",
    "[orders/wx-1035](https://example.com)",
    "",
  ].join("\n");

  it("marks each mention with its line and the block a widget would follow", () => {
    const r = renderRunbook(md, { file: "stuck.md" });
    const m = r.live.filter((c) => c.kind === "firestore" || c.kind === "stripe");
    expect(m.map((c) => [c.kind, c.query, c.at, c.line, c.block?.end])).toEqual([
      ["firestore", "opsHealth/autoReleaseProtected", "code", 3, 4],
      ["firestore", "adminRevenueAggregates/global", "text", 4, 4],
      ["stripe", "pi_demo_wx1035", "text", 6, 6],
      ["stripe", "evt_demo_paid_wx1035", "code", 7, 7],
    ]);
    const html = r.blocks.map((b: any) => (typeof b === "string" ? b : b.html ?? "")).join("");
    expect(html).toContain("adminRevenueAggregates/global</span>");
  });
});
