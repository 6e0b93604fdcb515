import type { DemoWorld, Logger } from "../plugins/plugin-api";
import { cronShop } from "./shop/cron";
import { paddleWebhooksShop } from "./shop/paddle-webhooks";
import { postgresModule } from "./shop/postgres";
import { createWorld } from "./world";

/**
 * One part of the simulated shop (its Stripe webhook receiver, its database, its cron endpoints…).
 * A module starts before the plugins' demo() sandboxes; what it offers them it `provide`s on the
 * world, and what it needs from a sandbox started later it awaits with `world.waitFor`.
 */
export interface DemoModule {
  id: string;
  start(world: DemoWorld): Promise<void>;
}

/** The shop's modules, in start order. */
const modules: DemoModule[] = [postgresModule, cronShop, paddleWebhooksShop];

/** Demo mode only: starts the simulated shop that every plugin's sandbox talks about. */
export async function startDemoWorld(opts: { dataDir: string; log: Logger; portalUrl: string }): Promise<{ world: DemoWorld; stop(): Promise<void> }> {
  const started = await createWorld(opts);
  try {
    for (const m of modules) await m.start(started.world);
  } catch (err) {
    await started.stop();
    throw err;
  }
  opts.log.info({ shopUrl: started.world.shopUrl }, "demo world: the shop is open");
  return started;
}
