import type { Kysely } from "kysely";

export interface Tables {
  /** One row per alert episode: a fingerprint that fires, is re-sent (last_seen_at), and resolves. */
  alerts: {
    id: string;
    /** Receiver name from config (`am`, `sentry`…), or `probe` for the overview's own rows. */
    receiver: string;
    /** alertmanager | grafana | sentry | webhook | probe */
    source: string;
    fingerprint: string;
    /** `<receiver>:<fingerprint>` while firing, null once resolved: at most one firing episode per fingerprint. */
    open_key: string | null;
    name: string;
    /** firing | resolved */
    status: string;
    severity: string | null;
    /** JSON object of label → value. */
    labels: string;
    annotations: string;
    summary: string;
    generator_url: string | null;
    starts_at: number;
    /** The source's endsAt (Alertmanager sends one in the future while firing). */
    ends_at: number | null;
    last_seen_at: number;
    resolved_at: number | null;
    received_count: number;
    /** Runbook path (without .md) and page address with the anchor. */
    runbook: string | null;
    runbook_href: string | null;
    /** JSON list of plugin ids of the linked runbook. */
    plugins: string;
    /** JSON list of the linked runbook's widget readings at arrival. */
    evidence: string | null;
    incident_id: string | null;
    acknowledged_by: string | null;
    acknowledged_at: number | null;
    created_at: number;
  };
  /** What happened to each alert (fired, re-fired, acknowledged, resolved, silenced), kept. */
  alert_events: {
    id: string;
    alert_id: string;
    at: number;
    kind: string;
    actor: string;
    data: string;
  };
  /** Silences (one-off) and maintenance windows (recurring: cron + duration + time zone). */
  silences: {
    id: string;
    /** JSON list of `{ name, value, isRegex, isEqual }`. */
    matchers: string;
    starts_at: number;
    /** One-off: when it ends; recurring: null. */
    ends_at: number | null;
    schedule_cron: string | null;
    schedule_duration_ms: number | null;
    timezone: string | null;
    comment: string;
    created_by: string;
    created_at: number;
    expired_at: number | null;
    expired_by: string | null;
    /** The Alertmanager silence id when mirrored there. */
    am_silence_id: string | null;
    /** api | config | overview */
    origin: string;
  };
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("alerts")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("receiver", "varchar(64)", (c) => c.notNull())
    .addColumn("source", "varchar(20)", (c) => c.notNull())
    .addColumn("fingerprint", "varchar(200)", (c) => c.notNull())
    .addColumn("open_key", "varchar(270)", (c) => c.unique())
    .addColumn("name", "varchar(300)", (c) => c.notNull())
    .addColumn("status", "varchar(16)", (c) => c.notNull())
    .addColumn("severity", "varchar(40)")
    .addColumn("labels", "text", (c) => c.notNull())
    .addColumn("annotations", "text", (c) => c.notNull())
    .addColumn("summary", "text", (c) => c.notNull())
    .addColumn("generator_url", "text")
    .addColumn("starts_at", "bigint", (c) => c.notNull())
    .addColumn("ends_at", "bigint")
    .addColumn("last_seen_at", "bigint", (c) => c.notNull())
    .addColumn("resolved_at", "bigint")
    .addColumn("received_count", "integer", (c) => c.notNull())
    .addColumn("runbook", "varchar(300)")
    .addColumn("runbook_href", "text")
    .addColumn("plugins", "text", (c) => c.notNull())
    .addColumn("evidence", "text")
    .addColumn("incident_id", "varchar(64)")
    .addColumn("acknowledged_by", "varchar(64)")
    .addColumn("acknowledged_at", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("alerts_status_seen").on("alerts").columns(["status", "last_seen_at"]).execute();
  await db.schema.createIndex("alerts_fingerprint").on("alerts").columns(["receiver", "fingerprint", "starts_at"]).execute();
  await db.schema.createIndex("alerts_incident").on("alerts").column("incident_id").execute();

  await db.schema
    .createTable("alert_events")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("alert_id", "varchar(64)", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("kind", "varchar(20)", (c) => c.notNull())
    .addColumn("actor", "varchar(100)", (c) => c.notNull())
    .addColumn("data", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("alert_events_alert").on("alert_events").columns(["alert_id", "at"]).execute();

  await db.schema
    .createTable("silences")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("matchers", "text", (c) => c.notNull())
    .addColumn("starts_at", "bigint", (c) => c.notNull())
    .addColumn("ends_at", "bigint")
    .addColumn("schedule_cron", "varchar(100)")
    .addColumn("schedule_duration_ms", "bigint")
    .addColumn("timezone", "varchar(64)")
    .addColumn("comment", "text", (c) => c.notNull())
    .addColumn("created_by", "varchar(100)", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expired_at", "bigint")
    .addColumn("expired_by", "varchar(100)")
    .addColumn("am_silence_id", "varchar(100)")
    .addColumn("origin", "varchar(20)", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("silences").execute();
  await db.schema.dropTable("alert_events").execute();
  await db.schema.dropTable("alerts").execute();
}
