// Part of the plugin API (re-exported by plugins/plugin-api.ts, which plugins import): a plugin's jobs
// on a cron schedule, run once across instances. No side effects.

/** A plugin's job on a cron schedule (see `PluginSetupContext.schedule`). */
export interface ScheduledJob {
  /** Unique within the plugin; ticks are claimed as `<plugin>.<name>`. */
  name: string;
  /** Cron pattern, 5 fields or 6 with seconds (croner). */
  cron: string;
  /** IANA time zone of the pattern (default UTC). */
  timezone?: string;
  /** The tick's work; its answer (or error) is the tick's summary. */
  run(tick: ScheduledTick): Promise<string | void>;
}

export interface ScheduledTick {
  /** The tick as planned: the same instant on every instance. */
  at: Date;
  /** Aborted when the portal stops. */
  signal: AbortSignal;
  /**
   * Runs one of this plugin's low-risk actions as `system:scheduler` through the portal's action
   * pipeline (preview, per-target lock, audit entries) and waits for it to end.
   */
  runAction(action: string, input: Record<string, unknown>): Promise<ScheduledActionOutcome>;
}

export interface ScheduledActionOutcome {
  runId: string | null;
  /** `refused`: the pipeline stopped it before it ran (target locked, preview refused…). */
  status: "succeeded" | "failed" | "cancelled" | "interrupted" | "refused";
  /** The run's summary, or why it failed or was refused. */
  summary: string;
}
