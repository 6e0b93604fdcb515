import { afterAll, beforeAll, expect, it } from "vitest";
import { probeContext, stripeFixture } from "../test-helpers";
import { openDisputes } from "./open-disputes";

let fx: Awaited<ReturnType<typeof stripeFixture>>;
beforeAll(async () => (fx = await stripeFixture()));
afterAll(() => fx.stop());

it("counts open disputes and shows the evidence deadline, leaving won ones out", async () => {
  const reading = await openDisputes(fx.gateway).read(probeContext());
  expect(reading.value).toBe(1);
  expect(reading.status).toBeUndefined();
  expect(reading.summary).toMatch(/^1 open dispute \(560\.00 USD\); evidence for dp_\w+ due in 120 h$/);
  expect(reading.rows![0]).toMatchObject({ status: "needs_response", reason: "product_not_received", paymentIntent: "pi_demo_wx1043", hasEvidence: false });
});

it("turns critical when evidence is due within a day", async () => {
  const reading = await openDisputes(fx.gateway).read(probeContext(new Date(Date.now() + 4.5 * 86400_000)));
  expect(reading.status).toBe("critical");
  expect(reading.summary).toMatch(/due in 12 h$/);
});
