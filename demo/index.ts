import type { DemoWorld, Logger } from "../plugins/plugin-api";
import { cronShop } from "./shop/cron";
import { paddleWebhooksShop } from "./shop/paddle-webhooks";
import { postgresModule } from "./shop/postgres";
import { SANDBOXES, sandboxDirectory } from "./sandboxes";
import { SHOP_STRIPE_WEBHOOK_PATH } from "./shop/catalog";
import { stripeWebhooks } from "./shop/stripe-webhooks";
import { redisShop } from "./shop/redis";
import { shopMetrics } from "./shop/metrics";
import { mongoShop } from "./shop/mongo";
import { shopEnvironmentModule } from "./shop/environment";
import { createWorld, type DemoModule } from "./world";
import { pastIncidents, type PastIncident } from "./history";

export type { DemoModule, PastIncident };


/** The shop's modules, in start order. Add a module here (demo/shop/<name>.ts) to extend the shop. */
const modules: DemoModule[] = [postgresModule, redisShop, stripeWebhooks, cronShop, paddleWebhooksShop, shopMetrics, mongoShop, shopEnvironmentModule];

/**
 * Demo mode only: starts the simulated shop that every plugin's sandbox talks about. Besides the
 * world it hands the core the shop's past incidents, which the core writes into a fresh store.
 */
export async function startDemoWorld(opts: { dataDir: string; log: Logger; portalUrl: string }): Promise<{ world: DemoWorld; history: PastIncident[]; stop(): Promise<void> }> {
  const started = await createWorld(opts);
  const sandboxes = sandboxDirectory();
  started.world.provide(SANDBOXES, sandboxes);
  sandboxes.add({
    id: "shop",
    title: "Wildlife Exchange shop (webhook receivers)",
    baseUrl: started.world.shopUrl,
    examples: [`curl -i -X POST ${started.world.shopUrl}${SHOP_STRIPE_WEBHOOK_PATH} -H 'stripe-signature: t=1,v1=bad' -d '{}'   # 400: signature verification failed`],
    notes: "The simulated marketplace: Stripe delivers its webhooks here; it writes orders to the Firestore emulator.",
  });
  try {
    for (const m of modules) await m.start(started.world);
  } catch (err) {
    await started.stop();
    throw err;
  }
  opts.log.info({ shopUrl: started.world.shopUrl }, "demo world: the shop is open");
  return { ...started, history: pastIncidents() };
}
