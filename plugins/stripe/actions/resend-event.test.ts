import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StripeGateway } from "../client.server";
import { actionContext, stripeFixture } from "../test-helpers";
import { resendEventAction } from "./resend-event";

let fx: Awaited<ReturnType<typeof stripeFixture>>;
beforeAll(async () => (fx = await stripeFixture()));
afterAll(() => fx.stop());
const previewCtx = { signal: new AbortController().signal, actor: { username: "admin", roles: ["admin"] } };
const stuckEvent = () => fx.gateway.retrieveEvent("evt_demo_paid_wx1035");
const endpoint = (status: string) => fx.sandbox.all("webhook_endpoint").find((e) => e.status === status)!;

describe("stripe.resend-event", () => {
  it("is high risk and previews what it will post", async () => {
    const def = resendEventAction(fx.gateway);
    expect(def.risk).toBe("high");
    const ev = await stuckEvent();
    const preview = await def.preview!({ eventId: ev.id, endpointId: endpoint("enabled").id }, previewCtx);
    expect(preview.summary).toMatch(new RegExp(`^POST payment_intent.succeeded \\(${ev.id}, .+\\) to http://127.0.0.1:\\d+/_receiver/shop\\.`));
    expect(preview.before).toMatchObject({ object: "pi_demo_wx1035", order: "wx-1035", pendingWebhooks: 1, endpointStatus: "enabled" });
    expect(fx.sandbox.deliveries).toHaveLength(0);
  });

  it("re-delivers the event signed with the endpoint's secret; the receiver verifies it with constructEvent", async () => {
    const def = resendEventAction(fx.gateway);
    const ev = await stuckEvent();
    const ctx = actionContext();
    const result = await def.run({ eventId: ev.id, endpointId: endpoint("enabled").id }, ctx);
    expect(result.summary).toMatch(new RegExp(`^Delivered payment_intent.succeeded ${ev.id} to we_\\w+: HTTP 200 in \\d+ ms$`));
    expect(fx.sandbox.deliveries.at(-1)).toMatchObject({ eventId: ev.id, type: "payment_intent.succeeded", status: 200 });
    expect(ctx.lines[1]).toMatch(/^endpoint answered 200/);
  });

  it("fails readably when the endpoint refuses the delivery", async () => {
    const def = resendEventAction(fx.gateway);
    const ev = await stuckEvent();
    const legacy = endpoint("disabled");
    const preview = await def.preview!({ eventId: ev.id, endpointId: legacy.id }, previewCtx);
    expect(preview.summary).toMatch(/note: we_\w+ is disabled in Stripe/);
    await expect(def.run({ eventId: ev.id, endpointId: legacy.id }, actionContext())).rejects.toThrow(/\/_receiver\/legacy answered 410: .*removed/);
  });

  it("a wrong signing secret is refused by the receiver", async () => {
    const wrong = new StripeGateway({ ...fx.config, endpointSecrets: { [endpoint("enabled").id]: "whsec_notTheRightSecret" } });
    const ev = await stuckEvent();
    await expect(resendEventAction(wrong).run({ eventId: ev.id, endpointId: endpoint("enabled").id }, actionContext())).rejects.toThrow(/answered 400: .*signature/i);
    expect(fx.sandbox.deliveries.at(-1)!.status).toBe(400);
  });

  it("rejects unknown events, endpoints without a configured secret, and bad ids", async () => {
    const def = resendEventAction(fx.gateway);
    await expect(def.preview!({ eventId: "evt_missing", endpointId: endpoint("enabled").id }, previewCtx)).rejects.toThrow("Stripe rejected the request: No such event: 'evt_missing'");
    const noSecrets = resendEventAction(new StripeGateway({ ...fx.config, endpointSecrets: undefined }));
    const ev = await stuckEvent();
    await expect(noSecrets.preview!({ eventId: ev.id, endpointId: endpoint("enabled").id }, previewCtx)).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/no signing secret configured/) });
    expect(def.input.safeParse({ eventId: "pi_1", endpointId: "we_1" }).success).toBe(false);
  });
});
