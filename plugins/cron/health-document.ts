// Jobs that report through a health document (firestore `opsHealth/<job>`): each new `lastRunAt`
// becomes one run; errorsCount > 0 or a lastError makes it a failed run.
import type { Logger } from "../plugin-api";
import type { DocumentReader } from "../firestore/api";
import type { CronJob, HealthDocumentConfig } from "./config";
import type { RunRecord } from "./state";
import type { CronStore } from "./store";

function millis(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v < 1e11 ? v * 1000 : v;
  if (typeof v === "string") {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  if (v && typeof v === "object" && "seconds" in v && typeof (v as { seconds: unknown }).seconds === "number") return (v as { seconds: number }).seconds * 1000;
  return null;
}

function field(data: Record<string, unknown>, path: string): unknown {
  let cur: unknown = data;
  for (const part of path.split(".")) {
    if (!cur || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** The run a health document describes, or null when it names no run time. Pure. */
export function runFromDocument(job: string, cfg: HealthDocumentConfig, data: Record<string, unknown>): Omit<RunRecord, "id"> | null {
  const f = cfg.fields;
  const endedAt = millis(field(data, f.lastRunAt));
  if (endedAt === null) return null;
  const durationRaw = field(data, f.durationMs);
  const startedRaw = millis(field(data, f.startedAt));
  const durationMs = typeof durationRaw === "number" && durationRaw >= 0 ? durationRaw : startedRaw !== null && startedRaw <= endedAt ? endedAt - startedRaw : null;
  const startedAt = durationMs !== null ? endedAt - durationMs : null;
  const errors = field(data, f.errors);
  const lastErrorRaw = field(data, f.lastError);
  const lastError = lastErrorRaw === null || lastErrorRaw === undefined || lastErrorRaw === "" ? null : String(lastErrorRaw);
  const failed = (typeof errors === "number" && errors > 0) || lastError !== null;
  const counts = [
    [f.scanned, field(data, f.scanned)],
    [f.released, field(data, f.released)],
    [f.errors, errors],
  ]
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => `${k} ${v}`)
    .join(" · ");
  const excerpt = [counts, lastError ? `${f.lastError}: ${lastError}` : ""].filter(Boolean).join("\n") || null;
  return { job, rid: null, startedAt, endedAt, durationMs, outcome: failed ? "fail" : "success", exitStatus: null, excerpt, source: "health-document" };
}

/** The document readers a job's `healthDocument.service` names (the firestore plugin's `firestore.documents`). */
export interface DocumentReaders {
  get(service: string): DocumentReader | undefined;
}

/** Reads each job's document and records a run when its lastRunAt is newer than the last one recorded. */
export class HealthDocumentWatcher {
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly jobs: Record<string, CronJob>,
    private readonly services: DocumentReaders,
    private readonly store: CronStore,
    private readonly log: Logger,
    private readonly report: (job: string, problem: string | null) => void,
    private readonly onRun: (job: string) => void = () => {},
  ) {}

  /** Checks one job's document now; answers whether a new run was recorded. */
  async check(name: string, signal?: AbortSignal): Promise<boolean> {
    const cfg = this.jobs[name]?.healthDocument;
    if (!cfg) return false;
    const reader = this.services.get(cfg.service);
    if (!reader) {
      this.report(name, `health document service "${cfg.service}" is not available (is its plugin configured?)`);
      return false;
    }
    let data: Record<string, unknown> | null;
    try {
      data = await reader.get(cfg.path, signal);
    } catch (err) {
      this.report(name, `cannot read ${cfg.path}: ${(err as Error).message.slice(0, 200)}`);
      return false;
    }
    if (!data) {
      this.report(name, `${cfg.path} does not exist: the job has never reported`);
      return false;
    }
    const run = runFromDocument(name, cfg, data);
    if (!run) {
      this.report(name, `${cfg.path} has no ${cfg.fields.lastRunAt}`);
      return false;
    }
    this.report(name, null);
    const last = await this.store.latestFrom(name, "health-document");
    if (last && (last.endedAt ?? 0) >= run.endedAt!) return false;
    // Every instance reads the document; the run's id (job and lastRunAt) lets only one record it.
    if (!(await this.store.recordOnce({ ...run, id: `health-document:${name}:${run.endedAt}` }))) return false;
    this.onRun(name);
    return true;
  }

  start(everyMs: (job: string) => number): void {
    for (const name of Object.keys(this.jobs)) {
      if (!this.jobs[name]!.healthDocument) continue;
      const tick = () => this.check(name).catch((err) => this.log.warn({ err: String(err), job: name }, "cron: health document check failed"));
      void tick();
      const t = setInterval(tick, everyMs(name));
      t.unref();
      this.timers.push(t);
    }
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }
}
