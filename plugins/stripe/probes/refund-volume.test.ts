import { afterAll, beforeAll, expect, it } from "vitest";
import { probeContext, stripeFixture } from "../test-helpers";
import { refundVolume } from "./refund-volume";

let fx: Awaited<ReturnType<typeof stripeFixture>>;
beforeAll(async () => (fx = await stripeFixture()));
afterAll(() => fx.stop());

it("compares refunds of the last 24 h with the previous week's daily average", async () => {
  const reading = await refundVolume(fx.gateway).read(probeContext());
  // Seed: one refund a day for 7 days, then 4 in the last 24 hours.
  expect(reading.value).toBe(4);
  expect(reading.summary).toMatch(/^4 refunds \([\d.]+ USD\) in the last 24 h vs 1\.0\/day baseline: 4×$/);
  expect(reading.rows).toHaveLength(4);
  expect(reading.rows!.map((r) => r.paymentIntent).sort()).toEqual(["pi_demo_dup08", "pi_demo_dup09", "pi_demo_dup10", "pi_demo_dup11"]);
  expect(reading.rows!.every((r) => r.reason === "duplicate")).toBe(true);
});

it("counts a refund made now", async () => {
  const before = (await refundVolume(fx.gateway).read(probeContext())).value!;
  await fx.gateway.createRefund({ paymentIntent: "pi_demo_wx1040", amount: 1000 }, "refund-volume-test");
  const after = await refundVolume(fx.gateway).read(probeContext());
  expect(after.value).toBe(before + 1);
});
