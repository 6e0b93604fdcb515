import { afterAll, beforeAll, expect, it } from "vitest";
import { StripeGateway } from "../client.server";
import { probeContext, stripeFixture } from "../test-helpers";
import { webhookEndpoints } from "./webhook-endpoints";

let fx: Awaited<ReturnType<typeof stripeFixture>>;
beforeAll(async () => (fx = await stripeFixture()));
afterAll(() => fx.stop());

it("counts disabled endpoints and lists every endpoint", async () => {
  const reading = await webhookEndpoints(fx.gateway).read(probeContext());
  expect(reading.value).toBe(1);
  expect(reading.status).toBeUndefined();
  expect(reading.summary).toMatch(/^1 of 2 webhook endpoints disabled \(we_/);
  expect(reading.rows).toHaveLength(2);
  const legacy = reading.rows!.find((r) => r.status === "disabled")!;
  expect(legacy.url).toMatch(/\/_receiver\/legacy$/);
  expect(legacy.events).toBe("all events");
  expect(reading.links).toEqual([{ label: "Webhooks in the Stripe Dashboard (default)", href: "https://dashboard.stripe.com/test/webhooks" }]);
  const shop = reading.rows!.find((r) => r.status === "enabled")!;
  expect(shop.events).toContain("payment_intent.succeeded");
});

it("throws 'authentication failed' for a wrong key", async () => {
  const gw = new StripeGateway({ ...fx.config, secretKey: "sk_test_wrongKeyForProbe0001" });
  await expect(webhookEndpoints(gw).read(probeContext())).rejects.toThrow(/^authentication failed$/);
});
