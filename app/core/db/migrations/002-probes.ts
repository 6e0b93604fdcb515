import type { Kysely } from "kysely";

export interface Tables {
  /** One row per stored probe read (scheduler samples), kept for `probes.retention`. */
  probe_samples: {
    id: string;
    probe_id: string;
    /** Epoch ms of the read. */
    at: number;
    status: string;
    value: number | null;
    summary: string;
    error: string | null;
  };
  /** Every change of a probe's status (ok → warn → critical → ok, or unknown). */
  probe_transitions: {
    id: string;
    probe_id: string;
    plugin_id: string;
    at: number;
    /** "unknown" for the first status ever recorded. */
    from_status: string;
    to_status: string;
    value: number | null;
    summary: string;
  };
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("probe_samples")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("probe_id", "varchar(200)", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("status", "varchar(16)", (c) => c.notNull())
    .addColumn("value", "double precision")
    .addColumn("summary", "text", (c) => c.notNull())
    .addColumn("error", "text")
    .execute();
  await db.schema.createIndex("probe_samples_probe_at").on("probe_samples").columns(["probe_id", "at"]).execute();
  await db.schema.createIndex("probe_samples_at").on("probe_samples").column("at").execute();
  await db.schema
    .createTable("probe_transitions")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("probe_id", "varchar(200)", (c) => c.notNull())
    .addColumn("plugin_id", "varchar(100)", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("from_status", "varchar(16)", (c) => c.notNull())
    .addColumn("to_status", "varchar(16)", (c) => c.notNull())
    .addColumn("value", "double precision")
    .addColumn("summary", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("probe_transitions_probe_at").on("probe_transitions").columns(["probe_id", "at"]).execute();
  await db.schema.createIndex("probe_transitions_plugin_at").on("probe_transitions").columns(["plugin_id", "at"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["probe_transitions", "probe_samples"]) await db.schema.dropTable(t).ifExists().execute();
}
