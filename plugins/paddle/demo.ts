// Demo mode: the Paddle sandbox delivering to the demo shop's receivers (demo/shop/paddle-webhooks.ts),
// seeded with the trouble the runbook is about.
import type { DemoSetup, DemoWorld, Logger } from "../plugin-api";
import type { PaddleConfig } from "./config";
import { startPaddleSandbox } from "./sandbox";

/** What the shop's Paddle module offers on the world as `paddle.shop`; structural, no import of demo/. */
interface ShopPaddleReceivers {
  /** The app's environment file (names checked by config-safety). */
  envFile: string;
  /** Main receiver, verifying with the app's PADDLE_WEBHOOK_SECRET_KEY. */
  main: { url: string; secret: string };
  /** Commissions worker, still verifying with the secret from before the rotation. */
  commissions: { url: string; secret: string };
}

export async function startDemoPaddle({ log, world }: { log: Logger; world?: DemoWorld }): Promise<DemoSetup<PaddleConfig>> {
  if (!world) throw new Error("paddle demo: needs the demo world (the shop's webhook receivers)");
  const shop = await world.waitFor<ShopPaddleReceivers>("paddle.shop", 30_000);
  const sandbox = await startPaddleSandbox({
    destinations: [
      {
        id: "ntfset_01shopmain0000000000000001",
        description: "Shop: subscriptions and payments",
        destination: shop.main.url,
        active: true,
        endpointSecretKey: shop.main.secret,
        subscribedEvents: ["subscription.created", "subscription.updated", "subscription.past_due", "transaction.completed", "transaction.payment_failed"],
        trafficSource: "platform",
      },
      {
        id: "ntfset_01shopcommissions00000002",
        description: "Shop: affiliate commissions",
        destination: shop.commissions.url,
        active: true,
        // Rotated in Paddle last week; the commissions worker still holds the old one.
        endpointSecretKey: `pdl_ntfset_rotated_${shop.commissions.secret.slice(-12).split("").reverse().join("")}`,
        subscribedEvents: ["transaction.completed"],
        trafficSource: "platform",
      },
    ],
  });
  const customer = "ctm_01shopcustomer0000000007";
  // Out of order: the update reaches the shop before the subscription exists there, and fails every attempt.
  await sandbox.emit("subscription.updated", { id: "sub_01shoppastdue000000000042", status: "past_due", customer_id: customer }, { only: "ntfset_01shopmain0000000000000001" });
  await sandbox.emit("subscription.created", { id: "sub_01shoppastdue000000000042", status: "active", customer_id: customer });
  // The commissions worker refuses every signature since the rotation: one given up, one still retrying.
  await sandbox.emit("transaction.completed", { id: "txn_01shoprenewal00000000000a", status: "completed", customer_id: customer, subscription_id: "sub_01shoppastdue000000000042" });
  await sandbox.emit("transaction.completed", { id: "txn_01shoprenewal00000000000b", status: "completed", customer_id: "ctm_01shopcustomer0000000011" }, { attempts: 1 });
  sandbox.addSubscription({ id: "sub_01shoppastdue000000000042", status: "past_due", customer_id: customer });
  sandbox.addSubscription({ id: "sub_01shophealthy000000000043", status: "active", customer_id: "ctm_01shopcustomer0000000011", next_billed_at: new Date(Date.now() + 20 * 86_400_000).toISOString() });
  log.info({ url: sandbox.url }, "paddle sandbox started, delivering to the demo shop");
  return {
    config: {
      apiKey: sandbox.apiKey,
      environment: sandbox.url,
      webhookSecret: shop.main.secret,
      notificationSettingIds: sandbox.destinations.map((d) => d.id),
      appEnv: { envFile: shop.envFile },
      appTables: {},
    },
    stop: () => sandbox.stop(),
  };
}
