import { SqliteAdapter, type Kysely } from "kysely";

export interface Tables {
  /** Append-only, hash-chained. `at` never decreases along `seq` (clamped at append). */
  audit_entries: {
    seq: number;
    at: number;
    actor: string;
    /** Comma-separated roles the actor held. */
    roles: string;
    action: string;
    target: string;
    outcome: string;
    /** Canonical JSON text, secrets redacted. */
    details: string;
    incident_id: string | null;
    run_id: string | null;
    prev_hash: string;
    hash: string;
  };
  action_runs: {
    id: string;
    action_id: string;
    target: string;
    actor: string;
    roles: string;
    risk: string;
    /** awaiting_approval · pending · started · succeeded · failed · cancelled · interrupted · refused · rejected · expired */
    status: string;
    /** Redacted JSON of the validated input. */
    input: string;
    input_hash: string;
    result: string | null;
    error: string | null;
    log: string;
    progress_done: number | null;
    progress_total: number | null;
    incident_id: string | null;
    /** `<actor>|<action>|<client key>`: UNIQUE, so one key can never start two runs. */
    idempotency_key: string;
    evidence: string | null;
    break_glass: number;
    break_glass_reason: string | null;
    reviewed_by: string | null;
    reviewed_at: number | null;
    approved_by: string | null;
    decided_at: number | null;
    expires_at: number | null;
    cancel_requested: number;
    cancelled_by: string | null;
    /** Instance that executes the run, and its last sign of life. */
    owner: string | null;
    heartbeat_at: number | null;
    created_at: number;
    started_at: number | null;
    finished_at: number | null;
  };
  /** One row per action+target being run; survives only as long as its holder's heartbeat. */
  action_locks: {
    lock_key: string;
    run_id: string;
    owner: string;
    acquired_at: number;
    heartbeat_at: number;
  };
}

export async function up(db: Kysely<any>): Promise<void> {
  // SQLite: INTEGER PRIMARY KEY makes seq the rowid itself (one b-tree less per append, ordered scans for verify).
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema
    .createTable("audit_entries")
    .addColumn("seq", sqlite ? "integer" : "bigint", (c) => c.primaryKey())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("actor", "varchar(200)", (c) => c.notNull())
    .addColumn("roles", "varchar(200)", (c) => c.notNull())
    .addColumn("action", "varchar(200)", (c) => c.notNull())
    .addColumn("target", "varchar(500)", (c) => c.notNull())
    .addColumn("outcome", "varchar(32)", (c) => c.notNull())
    .addColumn("details", "text", (c) => c.notNull())
    .addColumn("incident_id", "varchar(64)")
    .addColumn("run_id", "varchar(64)")
    .addColumn("prev_hash", "varchar(64)", (c) => c.notNull())
    .addColumn("hash", "varchar(64)", (c) => c.notNull())
    .execute();
  // Keyset pagination (seq desc) under each equality filter; time ranges resolve to seq bounds via `at`.
  await db.schema.createIndex("audit_entries_actor_seq").on("audit_entries").columns(["actor", "seq"]).execute();
  await db.schema.createIndex("audit_entries_action_seq").on("audit_entries").columns(["action", "seq"]).execute();
  await db.schema.createIndex("audit_entries_outcome_seq").on("audit_entries").columns(["outcome", "seq"]).execute();
  await db.schema.createIndex("audit_entries_incident_seq").on("audit_entries").columns(["incident_id", "seq"]).execute();
  await db.schema.createIndex("audit_entries_run_seq").on("audit_entries").columns(["run_id", "seq"]).execute();
  await db.schema.createIndex("audit_entries_at").on("audit_entries").columns(["at"]).execute();

  await db.schema
    .createTable("action_runs")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("action_id", "varchar(200)", (c) => c.notNull())
    .addColumn("target", "varchar(500)", (c) => c.notNull())
    .addColumn("actor", "varchar(200)", (c) => c.notNull())
    .addColumn("roles", "varchar(200)", (c) => c.notNull())
    .addColumn("risk", "varchar(16)", (c) => c.notNull())
    .addColumn("status", "varchar(32)", (c) => c.notNull())
    .addColumn("input", "text", (c) => c.notNull())
    .addColumn("input_hash", "varchar(64)", (c) => c.notNull())
    .addColumn("result", "text")
    .addColumn("error", "text")
    .addColumn("log", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("progress_done", "double precision")
    .addColumn("progress_total", "double precision")
    .addColumn("incident_id", "varchar(64)")
    .addColumn("idempotency_key", "varchar(700)", (c) => c.notNull().unique())
    .addColumn("evidence", "text")
    .addColumn("break_glass", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("break_glass_reason", "text")
    .addColumn("reviewed_by", "varchar(200)")
    .addColumn("reviewed_at", "bigint")
    .addColumn("approved_by", "varchar(200)")
    .addColumn("decided_at", "bigint")
    .addColumn("expires_at", "bigint")
    .addColumn("cancel_requested", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("cancelled_by", "varchar(200)")
    .addColumn("owner", "varchar(64)")
    .addColumn("heartbeat_at", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("started_at", "bigint")
    .addColumn("finished_at", "bigint")
    .execute();
  await db.schema.createIndex("action_runs_status").on("action_runs").columns(["status", "created_at"]).execute();
  await db.schema.createIndex("action_runs_target_started").on("action_runs").columns(["action_id", "target", "started_at"]).execute();
  await db.schema.createIndex("action_runs_break_glass").on("action_runs").columns(["break_glass", "reviewed_at"]).execute();

  await db.schema
    .createTable("action_locks")
    .addColumn("lock_key", "varchar(700)", (c) => c.primaryKey())
    .addColumn("run_id", "varchar(64)", (c) => c.notNull())
    .addColumn("owner", "varchar(64)", (c) => c.notNull())
    .addColumn("acquired_at", "bigint", (c) => c.notNull())
    .addColumn("heartbeat_at", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["action_locks", "action_runs", "audit_entries"]) await db.schema.dropTable(t).ifExists().execute();
}
