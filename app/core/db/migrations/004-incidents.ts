import type { Kysely } from "kysely";

export interface Tables {
  incidents: {
    id: string;
    title: string;
    /** P1…P4 */
    severity: string;
    /** investigating | identified | monitoring | resolved | closed */
    status: string;
    /** username of the incident commander */
    commander: string | null;
    declared_by: string;
    /** When the incident was declared ("started"). */
    declared_at: number;
    /** When the problem was first noticed (first alert); may be earlier than the declaration. */
    detected_at: number;
    /** When users started to feel it; may be earlier than detection. */
    impact_started_at: number | null;
    /** When someone took command (MTTA ends here). */
    acknowledged_at: number | null;
    resolved_at: number | null;
    closed_at: number | null;
    /** Minutes between status updates (the seed's "every 15 minutes"). */
    update_every_min: number;
    /** Postmortem fields as JSON text (summary, impact, root cause, resolution, lessons). */
    report: string;
    updated_at: number;
  };
  /** Linked runbooks (`kind = runbook`, ref = runbook path) and plugins (`kind = plugin`, ref = plugin id). */
  incident_links: {
    incident_id: string;
    kind: string;
    ref: string;
  };
  /** Timeline entries the incident owns. Never deleted: hidden entries stay, out of the report. */
  incident_events: {
    id: string;
    incident_id: string;
    /** declared | status | severity | note | checklist | edit */
    type: string;
    /** Original time, always kept. */
    at: number;
    /** Corrected time shown instead of `at`, when someone fixed it. */
    corrected_at: number | null;
    actor: string;
    text: string;
    /** JSON text with type-specific fields (from/to status, checklist task…). */
    data: string;
    pinned: number;
    hidden: number;
  };
  /** Pin / corrected time / hide for timeline entries that come from elsewhere (audit, probe transitions). */
  incident_entry_marks: {
    incident_id: string;
    /** `audit:<seq>` or `probe:<transition id>` */
    entry_key: string;
    pinned: number;
    hidden: number;
    corrected_at: number | null;
    updated_by: string;
    updated_at: number;
  };
  incident_prevention_items: {
    id: string;
    incident_id: string;
    description: string;
    owner: string;
    /** Due date as epoch ms (start of the day, UTC). */
    due_at: number | null;
    done_at: number | null;
    created_at: number;
  };
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("incidents")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("title", "varchar(300)", (c) => c.notNull())
    .addColumn("severity", "varchar(4)", (c) => c.notNull())
    .addColumn("status", "varchar(20)", (c) => c.notNull())
    .addColumn("commander", "varchar(64)")
    .addColumn("declared_by", "varchar(64)", (c) => c.notNull())
    .addColumn("declared_at", "bigint", (c) => c.notNull())
    .addColumn("detected_at", "bigint", (c) => c.notNull())
    .addColumn("impact_started_at", "bigint")
    .addColumn("acknowledged_at", "bigint")
    .addColumn("resolved_at", "bigint")
    .addColumn("closed_at", "bigint")
    .addColumn("update_every_min", "integer", (c) => c.notNull().defaultTo(15))
    .addColumn("report", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("incidents_declared_at").on("incidents").column("declared_at").execute();
  await db.schema.createIndex("incidents_status").on("incidents").column("status").execute();

  await db.schema
    .createTable("incident_links")
    .addColumn("incident_id", "varchar(64)", (c) => c.notNull().references("incidents.id").onDelete("cascade"))
    .addColumn("kind", "varchar(16)", (c) => c.notNull())
    .addColumn("ref", "varchar(300)", (c) => c.notNull())
    .addPrimaryKeyConstraint("incident_links_pk", ["incident_id", "kind", "ref"])
    .execute();
  await db.schema.createIndex("incident_links_ref").on("incident_links").columns(["kind", "ref"]).execute();

  await db.schema
    .createTable("incident_events")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("incident_id", "varchar(64)", (c) => c.notNull().references("incidents.id").onDelete("cascade"))
    .addColumn("type", "varchar(20)", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("corrected_at", "bigint")
    .addColumn("actor", "varchar(64)", (c) => c.notNull())
    .addColumn("text", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("data", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("pinned", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("hidden", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex("incident_events_incident_at").on("incident_events").columns(["incident_id", "at"]).execute();

  await db.schema
    .createTable("incident_entry_marks")
    .addColumn("incident_id", "varchar(64)", (c) => c.notNull().references("incidents.id").onDelete("cascade"))
    .addColumn("entry_key", "varchar(100)", (c) => c.notNull())
    .addColumn("pinned", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("hidden", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("corrected_at", "bigint")
    .addColumn("updated_by", "varchar(64)", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("incident_entry_marks_pk", ["incident_id", "entry_key"])
    .execute();

  await db.schema
    .createTable("incident_prevention_items")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("incident_id", "varchar(64)", (c) => c.notNull().references("incidents.id").onDelete("cascade"))
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("owner", "varchar(100)", (c) => c.notNull())
    .addColumn("due_at", "bigint")
    .addColumn("done_at", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("incident_prevention_items_incident").on("incident_prevention_items").column("incident_id").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["incident_prevention_items", "incident_entry_marks", "incident_events", "incident_links", "incidents"]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
