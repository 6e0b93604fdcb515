// The cron plugin's tables in the portal's store (SQLite or PostgreSQL): runs and pauses.
import crypto from "node:crypto";
import { CompiledQuery, type Kysely } from "kysely";
import type { PluginMigration } from "../plugin-api";
import type { PauseRecord, RunOutcome, RunRecord, RunSource } from "./state";

export const migrations: Record<string, PluginMigration> = {
  "001-runs-pauses": {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable("cron_runs")
        .ifNotExists()
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("job", "text", (c) => c.notNull())
        .addColumn("rid", "text")
        // Start, or end for a run reported without a start: the run's place in history.
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("started_at", "bigint")
        .addColumn("ended_at", "bigint")
        .addColumn("duration_ms", "bigint")
        .addColumn("outcome", "text", (c) => c.notNull())
        .addColumn("exit_status", "integer")
        .addColumn("excerpt", "text")
        .addColumn("source", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("cron_runs_job_at").ifNotExists().on("cron_runs").columns(["job", "at"]).execute();
      await db.schema.createIndex("cron_runs_open").ifNotExists().on("cron_runs").columns(["job", "outcome", "rid"]).execute();
      await db.schema
        .createTable("cron_pauses")
        .ifNotExists()
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("job", "text", (c) => c.notNull())
        .addColumn("paused_by", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("paused_at", "bigint", (c) => c.notNull())
        .addColumn("until", "bigint")
        .addColumn("resumed_at", "bigint")
        .addColumn("resumed_by", "text")
        .execute();
      await db.schema.createIndex("cron_pauses_job").ifNotExists().on("cron_pauses").columns(["job", "resumed_at"]).execute();
    },
  },
  // Pairing an end with its start looks for the newest open run of a job and rid: with `at` in the
  // index that is one index seek; without it SQLite walked the job's whole history per ping.
  "002-open-runs-by-time": {
    async up(db: Kysely<any>) {
      await db.schema.createIndex("cron_runs_open_at").ifNotExists().on("cron_runs").columns(["job", "outcome", "rid", "at"]).execute();
      await db.schema.dropIndex("cron_runs_open").ifExists().execute();
    },
  },
};

export interface Tables {
  cron_runs: {
    id: string;
    job: string;
    rid: string | null;
    at: number;
    started_at: number | null;
    ended_at: number | null;
    duration_ms: number | null;
    outcome: RunOutcome;
    exit_status: number | null;
    excerpt: string | null;
    source: RunSource;
  };
  cron_pauses: {
    id: string;
    job: string;
    paused_by: string;
    reason: string;
    paused_at: number;
    until: number | null;
    resumed_at: number | null;
    resumed_by: string | null;
  };
}

type Row = Tables["cron_runs"];
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toRecord(r: Row): RunRecord {
  return {
    id: r.id,
    job: r.job,
    rid: r.rid,
    startedAt: num(r.started_at),
    endedAt: num(r.ended_at),
    durationMs: num(r.duration_ms),
    outcome: r.outcome,
    exitStatus: num(r.exit_status),
    excerpt: r.excerpt,
    source: r.source,
  };
}

export interface EndReport {
  outcome: "success" | "fail";
  exitStatus: number | null;
  excerpt: string | null;
  source: RunSource;
  rid: string | null;
}

// The ping path's two statements, written once as SQL: a busy job pings many times a second, and
// building and compiling them through the query builder cost more than SQLite's own work.
const COLUMNS = "id, job, rid, at, started_at, ended_at, duration_ms, outcome, exit_status, excerpt, source";
const INSERT_RUN = `insert into cron_runs (${COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
/** Closes the newest open run of a job and rid (`rid is null` without one), measuring from its start. */
const closeRun = (withRid: boolean) =>
  "update cron_runs set ended_at = ?, duration_ms = case when started_at is null or started_at > ? then 0 else ? - started_at end," +
  " outcome = ?, exit_status = ?, excerpt = coalesce(?, excerpt)" +
  ` where id = (select id from cron_runs where job = ? and outcome = 'running' and rid ${withRid ? "= ?" : "is null"} order by at desc limit 1)` +
  ` and outcome = 'running' returning ${COLUMNS}`;
const CLOSE_RUN = closeRun(true);
const CLOSE_RUN_NO_RID = closeRun(false);

/** The statements above with PostgreSQL's numbered parameters (`$1, $2, …`) for their `?`s (none stands in a literal). */
export function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

const rowValues = (r: Row): unknown[] => [r.id, r.job, r.rid, r.at, r.started_at, r.ended_at, r.duration_ms, r.outcome, r.exit_status, r.excerpt, r.source];

/** Runs and pauses of cron jobs. Every write is one statement or a guarded update: safe under concurrent pings. */
export class CronStore {
  private readonly texts = new Map<string, string>();

  /**
   * `scrub`: the portal's scrubber, applied to every excerpt before it is stored (pings, run-now
   * answers, health documents' errors and other plugins' reports alike).
   */
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly dialect: "sqlite" | "postgres",
    private readonly scrub: (text: string) => string,
  ) {}

  private clean(excerpt: string | null | undefined): string | null {
    return excerpt ? this.scrub(excerpt) : (excerpt ?? null);
  }

  private query<R>(text: string, params: unknown[]) {
    let dialectText = this.texts.get(text);
    if (dialectText === undefined) this.texts.set(text, (dialectText = this.dialect === "postgres" ? numbered(text) : text));
    return this.db.executeQuery<R>(CompiledQuery.raw(dialectText, params));
  }

  async start(job: string, at: number, rid: string | null, excerpt: string | null, source: RunSource = "ping"): Promise<RunRecord> {
    const row: Row = { id: crypto.randomUUID(), job, rid, at, started_at: at, ended_at: null, duration_ms: null, outcome: "running", exit_status: null, excerpt: this.clean(excerpt), source };
    await this.query(INSERT_RUN, rowValues(row));
    return toRecord(row);
  }

  /**
   * Ends the run a start opened: the one with the same rid, or without a rid the newest open run
   * that has none. Without a matching start the end is stored as a run of unknown duration.
   */
  async end(job: string, at: number, report: EndReport): Promise<{ run: RunRecord; paired: boolean }> {
    const excerpt = this.clean(report.excerpt);
    const set = [at, at, at, report.outcome, report.exitStatus, excerpt, job];
    const { rows } = report.rid ? await this.query<Row>(CLOSE_RUN, [...set, report.rid]) : await this.query<Row>(CLOSE_RUN_NO_RID, set);
    if (rows[0]) return { run: toRecord(rows[0]), paired: true };
    const row: Row = {
      id: crypto.randomUUID(),
      job,
      rid: report.rid,
      at,
      started_at: null,
      ended_at: at,
      duration_ms: null,
      outcome: report.outcome,
      exit_status: report.exitStatus,
      excerpt,
      source: report.source,
    };
    await this.query(INSERT_RUN, rowValues(row));
    return { run: toRecord(row), paired: false };
  }

  /**
   * A finished run under an id that names it (a health document's job and lastRunAt): inserted
   * once however many instances see it; answers whether this call inserted it.
   */
  async recordOnce(run: Omit<RunRecord, "id"> & { id: string }): Promise<boolean> {
    const row: Row = {
      id: run.id,
      job: run.job,
      rid: run.rid,
      at: run.startedAt ?? run.endedAt ?? Date.now(),
      started_at: run.startedAt,
      ended_at: run.endedAt,
      duration_ms: run.durationMs,
      outcome: run.outcome,
      exit_status: run.exitStatus,
      excerpt: this.clean(run.excerpt),
      source: run.source,
    };
    const res = await this.db.insertInto("cron_runs").values(row).onConflict((oc) => oc.column("id").doNothing()).executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** A finished run known as a whole (health document, run-now, seeded history). */
  async record(run: Omit<RunRecord, "id"> & { id?: string }): Promise<RunRecord> {
    const row: Row = {
      id: run.id ?? crypto.randomUUID(),
      job: run.job,
      rid: run.rid,
      at: run.startedAt ?? run.endedAt ?? Date.now(),
      started_at: run.startedAt,
      ended_at: run.endedAt,
      duration_ms: run.durationMs,
      outcome: run.outcome,
      exit_status: run.exitStatus,
      excerpt: this.clean(run.excerpt),
      source: run.source,
    };
    await this.db.insertInto("cron_runs").values(row).execute();
    return toRecord(row);
  }

  async recordMany(runs: Omit<RunRecord, "id">[]): Promise<void> {
    for (let i = 0; i < runs.length; i += 200) {
      const chunk = runs.slice(i, i + 200).map((run) => ({
        id: crypto.randomUUID(),
        job: run.job,
        rid: run.rid,
        at: run.startedAt ?? run.endedAt ?? 0,
        started_at: run.startedAt,
        ended_at: run.endedAt,
        duration_ms: run.durationMs,
        outcome: run.outcome,
        exit_status: run.exitStatus,
        excerpt: this.clean(run.excerpt),
        source: run.source,
      }));
      await this.db.insertInto("cron_runs").values(chunk).execute();
    }
  }

  /** Newest first. */
  async recent(job: string, limit = 200): Promise<RunRecord[]> {
    const rows = await this.db.selectFrom("cron_runs").selectAll().where("job", "=", job).orderBy("at", "desc").orderBy("id", "desc").limit(limit).execute();
    return rows.map(toRecord);
  }

  async count(job: string): Promise<number> {
    const r = await this.db.selectFrom("cron_runs").select((eb) => eb.fn.countAll<number>().as("n")).where("job", "=", job).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** The newest run reported by a source (e.g. the last health-document run, to see whether a document is new). */
  async latestFrom(job: string, source: RunSource): Promise<RunRecord | null> {
    const r = await this.db.selectFrom("cron_runs").selectAll().where("job", "=", job).where("source", "=", source).orderBy("at", "desc").limit(1).executeTakeFirst();
    return r ? toRecord(r) : null;
  }

  async activePause(job: string, now: number): Promise<PauseRecord | null> {
    const r = await this.db
      .selectFrom("cron_pauses")
      .selectAll()
      .where("job", "=", job)
      .where("resumed_at", "is", null)
      .where((eb) => eb.or([eb("until", "is", null), eb("until", ">", now)]))
      .orderBy("paused_at", "desc")
      .limit(1)
      .executeTakeFirst();
    return r ? { job: r.job, pausedBy: r.paused_by, reason: r.reason, pausedAt: Number(r.paused_at), until: num(r.until) } : null;
  }

  async pause(p: PauseRecord): Promise<void> {
    await this.db.insertInto("cron_pauses").values({ id: crypto.randomUUID(), job: p.job, paused_by: p.pausedBy, reason: p.reason, paused_at: p.pausedAt, until: p.until, resumed_at: null, resumed_by: null }).execute();
  }

  /** Ends every open pause of the job; answers how many it ended. */
  async resume(job: string, by: string, at: number): Promise<number> {
    const res = await this.db.updateTable("cron_pauses").set({ resumed_at: at, resumed_by: by }).where("job", "=", job).where("resumed_at", "is", null).executeTakeFirst();
    return Number(res.numUpdatedRows);
  }
}
