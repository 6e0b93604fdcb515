import { definePlugin, provide } from "../plugin-api";
import { __VAR__QueueRef, type __NAME__QueueService } from "./api";
import { retryJobAction } from "./actions/retry-job";
import { __NAME__Client } from "./client.server";
import { __NAME__ConfigSchema, type __NAME__Config } from "./config";
import { __VAR__Doctor } from "./doctor";
import { failedJobsProbe } from "./probes/failed-jobs";
import { start__NAME__Sandbox } from "./sandbox";

export default definePlugin<__NAME__Config>({
  id: "__ID__",
  title: "__TITLE__",
  description: "Failed jobs of the provider's queue, and a guarded retry of one.",
  config: __NAME__ConfigSchema,
  // Services other plugins may use: the refs live in ./api.ts.
  provides: [__VAR__QueueRef],
  // Services this plugin uses, from the plugin that provides them (a required one that is not
  // configured refuses the start, naming both). For example:
  //   deps: { deploys: deploysRef.optional() },   and in setup: ({ deps: { deploys } })
  doctor: __VAR__Doctor,
  // Demo mode: a local sandbox seeded with trouble; the config returned points the plugin at it.
  // `world` (the demo shop) is handed in for sandboxes that tell the shop's story.
  async demo({ log }) {
    const sandbox = await start__NAME__Sandbox();
    log.info({ url: sandbox.url }, "__ID__ sandbox started (seeded: three failed jobs)");
    return { config: { url: sandbox.url, token: sandbox.token }, stop: sandbox.stop };
  },
  setup({ config, scrubber }) {
    const client = new __NAME__Client(config, scrubber);
    const queue: __NAME__QueueService = { failedCount: async (signal) => (await client.failedJobs(signal)).jobs.length };
    return {
      probes: [failedJobsProbe(client, config)],
      actions: [retryJobAction(client)],
      provides: provide(__VAR__QueueRef, queue),
    };
  },
});
