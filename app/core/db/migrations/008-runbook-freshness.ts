import type { Kysely } from "kysely";

export interface Tables {
  /** The scheduler's last verification of each runbook: did every widget and live block resolve and read? */
  runbook_verifications: {
    /** Runbook path without `.md`. */
    runbook: string;
    /** Epoch ms of the last pass over this runbook, healthy or not. */
    checked_at: number;
    /** Epoch ms of the last pass that found every widget healthy; null until one does. */
    verified_at: number | null;
    /** Widgets and live blocks checked by the last pass. */
    widgets: number;
    broken_count: number;
    /** JSON array of `{ name, kind, reason, line }` from the last pass. */
    broken: string;
  };
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("runbook_verifications")
    .addColumn("runbook", "varchar(300)", (c) => c.primaryKey())
    .addColumn("checked_at", "bigint", (c) => c.notNull())
    .addColumn("verified_at", "bigint")
    .addColumn("widgets", "integer", (c) => c.notNull())
    .addColumn("broken_count", "integer", (c) => c.notNull())
    .addColumn("broken", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("runbook_verifications").execute();
}
