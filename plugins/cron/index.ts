import { parseDuration, definePlugin, provide, type DemoWorld } from "../plugin-api";
import { cronDoctor } from "./doctor";
import { documentReaderRef } from "../firestore/api";
import { cronPingsRef } from "./api";
import { pauseActions, runNowAction } from "./actions";
import { CronConfigSchema, type CronConfig } from "./config";
import { HealthDocumentWatcher } from "./health-document";
import { describeJob, jobProbe, jobsProbe, JobReader } from "./jobs";
import { createPingService } from "./pings";
import { registerJob } from "./registered";
import type { RunRecord } from "./state";
import { CronStore, migrations } from "./store";

/** What the demo shop's cron module offers (demo/shop/cron.ts): the jobs' config and their past runs. */
export interface CronDemoHandle {
  config: Record<string, unknown>;
  history(now: number): Omit<RunRecord, "id">[];
}

/** Health documents are read through the firestore plugin's reader, when configured. */
const deps = { documents: documentReaderRef.optional() };

export default definePlugin<CronConfig, typeof deps>({
  id: "cron",
  title: "Cron jobs",
  description: "Scheduled jobs watched through pings and health documents: late, down, failing, too fast, too often, running too long; guarded run-now and pause.",
  config: CronConfigSchema,
  doctor: cronDoctor,
  provides: [cronPingsRef],
  deps,
  migrations,
  async demo({ world }) {
    const handle = world ? await world.waitFor<CronDemoHandle>("cron.demo", 10_000) : undefined;
    return { config: handle?.config ?? { jobs: {} }, async stop() {} };
  },
  async setup({ config, log, deps: { documents }, database, demo, world, scrubber }) {
    if (!database) throw new Error("plugins.cron: needs the portal's store for its runs (setup without a database)");
    if (!scrubber) throw new Error("plugins.cron: needs the portal's scrubber for the excerpts it stores (setup without one)");
    const store = new CronStore(database.db, database.dialect, scrubber.text);
    const now = () => Date.now();
    const reader = new JobReader(config, store, now);
    const health = new HealthDocumentWatcher(config.jobs, { get: (service) => (service === documentReaderRef.id ? documents : undefined) }, store, log, (job, problem) => reader.setProblem(job, problem));

    if (demo && world) await seedDemoHistory(world, store, config, log);

    health.start((job) => parseDuration(config.jobs[job]!.healthDocument!.every));
    const registered = new Set<string>();
    const pings = createPingService({ config, store, scrubber, now, describe: async (job) => {
        const view = await describeJob(config, reader, job);
        return view && registered.has(job) ? { ...view, reports: ["runs reported by a plugin of the portal"] } : view;
      },
      registered, register: (job) => registerJob({ config, store, reader, registered, now }, job) });
    return {
      probes: [...Object.entries(config.jobs).map(([name, job]) => jobProbe(name, job, reader)), jobsProbe(config, reader)],
      actions: [
        runNowAction({ config, reader, store, health, scrubber, now, risk: config.runNowRisk, onRun: () => {} }),
        ...pauseActions({ config, store, now, onChange: () => {} }),
      ],
      provides: provide(cronPingsRef, pings),
      async stop() {
        health.stop();
      },
    };
  },
});

/** First start of demo mode: the shop's past runs, so states and learned bands show something real. */
async function seedDemoHistory(world: DemoWorld, store: CronStore, config: CronConfig, log: { info(o: unknown, m?: string): void }) {
  const handle = world.get<CronDemoHandle>("cron.demo");
  if (!handle) return;
  const runs = handle.history(Date.now());
  let seeded = 0;
  for (const job of Object.keys(config.jobs)) {
    if ((await store.count(job)) > 0) continue;
    const mine = runs.filter((r) => r.job === job);
    await store.recordMany(mine);
    seeded += mine.length;
  }
  if (seeded) log.info({ runs: seeded }, "cron demo: seeded the shop's run history");
}
