// The cron plugin's public contract: the services it offers other plugins and the core, with
// their shapes. No side effects and no SDKs: consumers import it as a contract only.
import { createServiceRef, type ProbeDefinition } from "../plugin-api";

/** The cron plugin's ping intake, reached by the ping routes through the registry. */
export interface CronPingService {
  /** Largest body kept as a run's log excerpt; routes read at most this many bytes. */
  readonly maxBodyBytes: number;
  /** One ping: `kind` is start | success | fail | an exit status; answers the HTTP status and body to send. */
  ping(req: { job: string; kind: string; token: string | null; rid: string | null; body: string | null }): Promise<{ status: number; body: Record<string, unknown> }>;
  /** A job's state and recent runs for signed-in viewers (no secrets); null for an unknown job. */
  describe(job: string): Promise<Record<string, unknown> | null>;
  /**
   * A job another plugin runs on its own schedule (e.g. the backups plugin's scheduled backups): it
   * is watched like a configured job (late, down, failing; `cron.jobs`, `GET /api/cron/<job>`) and
   * its runs come through the returned reporter, not through HTTP pings. Throws when the name is
   * taken or the schedule is not valid cron syntax.
   */
  register(job: RegisteredCronJob): CronJobReporter;
}

export interface RegisteredCronJob {
  /** kebab-case, unique among all cron jobs. */
  name: string;
  title: string;
  description?: string;
  /** Cron syntax, evaluated by croner in `timezone` (default UTC). */
  schedule: string;
  timezone?: string;
  /** Durations like "10m" (defaults as for configured jobs). */
  grace?: string;
  maxRuntime?: string;
}

export interface CronJobReporter {
  /** The job's probe (`cron`'s per-job reading), for the registering plugin to list among its own. */
  readonly probe: ProbeDefinition;
  /** Opens a run; returns its id for `end`. */
  start(at?: number): Promise<string>;
  /** Closes the run `start` opened; `excerpt` is a short log (scrubbed by the caller). */
  end(runId: string, outcome: "success" | "fail", excerpt?: string, at?: number): Promise<void>;
  /** A run known as a whole (e.g. seeded demo history). */
  record(run: { startedAt: number; endedAt: number; outcome: "success" | "fail"; excerpt?: string }): Promise<void>;
}

export const cronPingsRef = createServiceRef<CronPingService>({ id: "cron.pings" });
