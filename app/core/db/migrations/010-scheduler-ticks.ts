import type { Kysely } from "kysely";

export interface Tables {
  /**
   * One row per scheduled job and tick, inserted by the instance that claims it: the primary key
   * makes the claim, so with several instances on one store each tick runs once.
   */
  scheduler_ticks: {
    /** `<plugin>.<name>` for plugin schedules, `core.<name>` for the portal's own timers. */
    job: string;
    /** Epoch ms of the tick as planned (the same on every instance), not when a timer fired. */
    tick_at: number;
    /** The process that claimed and ran it. */
    instance: string;
    claimed_at: number;
    finished_at: number | null;
    /** succeeded | failed | skipped, null while running. */
    outcome: string | null;
    summary: string | null;
  };
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("scheduler_ticks")
    .addColumn("job", "varchar(200)", (c) => c.notNull())
    .addColumn("tick_at", "bigint", (c) => c.notNull())
    .addColumn("instance", "varchar(100)", (c) => c.notNull())
    .addColumn("claimed_at", "bigint", (c) => c.notNull())
    .addColumn("finished_at", "bigint")
    .addColumn("outcome", "varchar(20)")
    .addColumn("summary", "text")
    .addPrimaryKeyConstraint("scheduler_ticks_pk", ["job", "tick_at"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("scheduler_ticks").execute();
}
