import { afterAll, beforeAll, expect, it } from "vitest";
import { probeContext, stripeFixture } from "../test-helpers";
import { paymentFailureRate } from "./payment-failure-rate";

let fx: Awaited<ReturnType<typeof stripeFixture>>;
beforeAll(async () => (fx = await stripeFixture()));
afterAll(() => fx.stop());

it("gives failed charges of the last hour as a percentage, with decline reasons", async () => {
  const reading = await paymentFailureRate(fx.gateway).read(probeContext());
  expect(reading.value).toBe(50);
  expect(reading.summary).toBe("3 of 6 payments failed in the last hour (50%): expired_card ×1, generic_decline ×1, insufficient_funds ×1");
  expect(reading.rows!.map((r) => r.paymentIntent).sort()).toEqual(["pi_demo_fail1", "pi_demo_fail2", "pi_demo_fail3"]);
  expect(reading.rows!.find((r) => r.paymentIntent === "pi_demo_fail1")).toMatchObject({ amount: "640.00 USD", failure: "card_declined", declineReason: "insufficient_funds" });
});

it("reads 0 when there were no attempts in the hour", async () => {
  const reading = await paymentFailureRate(fx.gateway).read(probeContext(new Date(Date.now() + 2 * 3600_000)));
  expect(reading).toMatchObject({ value: 0, summary: "No payment attempts in the last hour", rows: [] });
});
