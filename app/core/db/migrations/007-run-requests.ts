import type { Kysely } from "kysely";

export interface Tables {
  /**
   * "Ask an admin": a user who may not run an action asks for it. The request is an `action_runs`
   * row in status `requested` (same queue as approvals); this holds who asked, why, and what the
   * deciding admin's run became.
   */
  run_requests: {
    run_id: string;
    requested_by: string;
    reason: string;
    decided_by: string | null;
    decided_at: number | null;
    /** The admin's own run, started when the request was accepted. */
    started_run_id: string | null;
    created_at: number;
  };
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("run_requests")
    .addColumn("run_id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("requested_by", "varchar(64)", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("decided_by", "varchar(64)")
    .addColumn("decided_at", "bigint")
    .addColumn("started_run_id", "varchar(64)")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("run_requests").execute();
}
