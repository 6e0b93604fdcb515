import type { Kysely } from "kysely";

export interface Tables {
  /** Where a run was started: the runbook page its button was on (runs from elsewhere have no row). */
  run_origins: {
    run_id: string;
    /** Runbook path without `.md`. */
    runbook: string;
    created_at: number;
  };
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("run_origins")
    .addColumn("run_id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("runbook", "varchar(300)", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("run_origins").execute();
}
