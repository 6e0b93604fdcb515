import { afterAll, beforeAll, expect, it } from "vitest";
import { probeContext, stripeFixture } from "../test-helpers";
import { webhookBacklog } from "./webhook-backlog";

let fx: Awaited<ReturnType<typeof stripeFixture>>;
beforeAll(async () => (fx = await stripeFixture()));
afterAll(() => fx.stop());

it("counts events of the last 6 hours still pending delivery, each with a resend fix", async () => {
  const reading = await webhookBacklog(fx.gateway).read(probeContext());
  // The seed's webhook secret was rotated 3 h 10 min ago: nothing since then was delivered.
  expect(reading.value).toBe(10);
  expect(reading.summary).toMatch(/^10 events still pending delivery in the last 6h; oldest 180 min old$/);
  const rows = reading.rows!;
  expect(rows.map((r) => r.object)).toEqual(expect.arrayContaining(["pi_demo_wx1031", "pi_demo_wx1035", "pi_demo_fail1"]));
  expect(rows.find((r) => r.object === "pi_demo_wx1035")).toMatchObject({ order: "wx-1035", type: "payment_intent.succeeded", event: "evt_demo_paid_wx1035" });
  for (const r of rows) {
    expect(r.pendingWebhooks).toBe(1);
    expect(r.fixes).toEqual([{ actionId: "stripe.resend-event", label: `Resend to ${fx.sandbox.url}/_receiver/shop`, input: { eventId: r.event, endpointId: fx.sandbox.primaryEndpoint.id } }]);
  }
});

it("ignores pending events older than the window", async () => {
  const later = new Date(Date.now() + 7 * 3600_000);
  const reading = await webhookBacklog(fx.gateway).read(probeContext(later));
  expect(reading.value).toBe(0);
  expect(reading.summary).toBe("All events of the last 6h delivered");
});
