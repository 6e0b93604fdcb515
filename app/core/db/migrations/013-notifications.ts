import type { Kysely } from "kysely";

export interface Tables {
  /** The outbox: one row per event, written in the transaction of the change it tells about. */
  notification_events: {
    /** Sortable (time, then a counter): the order events of one subject are sent in. */
    id: string;
    /** incident.declared, approval.requested, probe.critical… */
    kind: string;
    at: number;
    /** What the event is about (incident id, run id, probe id): messages of one subject keep their order and share one Slack message. */
    subject: string;
    severity: string | null;
    /** JSON lists of plugin ids and runbook paths, for routes' filters. */
    plugins: string;
    runbooks: string;
    /** JSON object: title, summary, link and the kind's own fields. */
    payload: string;
    /** When the router turned the event into deliveries (null: not yet). */
    routed_at: number | null;
  };
  /** One row per event and channel (and person, for on-call routes): what the sender sends. */
  notification_deliveries: {
    id: string;
    event_id: string;
    channel: string;
    /** A portal user when the route addressed a rotation's on-call person, else null. */
    recipient: string | null;
    /** `<event id>:<channel>[:<recipient>]`, unique: routing twice never sends twice. */
    dedupe_key: string;
    /** `<channel>|<subject>`: deliveries sharing it go out in event order. */
    order_key: string;
    /** queued | sending | sent | retrying | failed */
    status: string;
    attempts: number;
    last_error: string | null;
    next_attempt_at: number;
    claimed_by: string | null;
    claimed_until: number | null;
    sent_at: number | null;
    created_at: number;
  };
  /** The one provider message per subject and channel (Slack ts) that later events update. */
  notification_messages: {
    channel: string;
    subject: string;
    /** JSON: the provider's reference (Slack `{ channel, ts }`). */
    ref: string;
    updated_at: number;
  };
  /** Who covers a rotation for a date range instead of its schedule (set from the portal, audited). */
  oncall_overrides: {
    id: string;
    rotation: string;
    username: string;
    starts_at: number;
    ends_at: number;
    created_by: string;
    created_at: number;
  };
  /** An approval request or P1 climbing an escalation policy until someone acknowledges it. */
  escalations: {
    id: string;
    /** approval | incident */
    kind: string;
    subject: string;
    policy: string;
    /** Index of the last level notified. */
    level: number;
    started_at: number;
    /** When the next level is due (null: no level left, or acknowledged). */
    next_at: number | null;
    acknowledged_by: string | null;
    acknowledged_at: number | null;
    claimed_until: number | null;
  };
  /** Slack interactivity payloads already taken (signature digest), so a replay is refused. */
  slack_interactions: {
    digest: string;
    at: number;
  };
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("notification_events")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("kind", "varchar(64)", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("subject", "varchar(200)", (c) => c.notNull())
    .addColumn("severity", "varchar(40)")
    .addColumn("plugins", "text", (c) => c.notNull())
    .addColumn("runbooks", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("routed_at", "bigint")
    .execute();
  await db.schema.createIndex("notification_events_unrouted").on("notification_events").columns(["routed_at", "id"]).execute();

  await db.schema
    .createTable("notification_deliveries")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("event_id", "varchar(64)", (c) => c.notNull())
    .addColumn("channel", "varchar(100)", (c) => c.notNull())
    .addColumn("recipient", "varchar(100)")
    .addColumn("dedupe_key", "varchar(300)", (c) => c.notNull().unique())
    .addColumn("order_key", "varchar(320)", (c) => c.notNull())
    .addColumn("status", "varchar(16)", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("last_error", "text")
    .addColumn("next_attempt_at", "bigint", (c) => c.notNull())
    .addColumn("claimed_by", "varchar(64)")
    .addColumn("claimed_until", "bigint")
    .addColumn("sent_at", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("notification_deliveries_due").on("notification_deliveries").columns(["status", "next_attempt_at"]).execute();
  await db.schema.createIndex("notification_deliveries_order").on("notification_deliveries").columns(["order_key", "event_id"]).execute();

  await db.schema
    .createTable("notification_messages")
    .addColumn("channel", "varchar(100)", (c) => c.notNull())
    .addColumn("subject", "varchar(200)", (c) => c.notNull())
    .addColumn("ref", "text", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("notification_messages_pk", ["channel", "subject"])
    .execute();

  await db.schema
    .createTable("oncall_overrides")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("rotation", "varchar(100)", (c) => c.notNull())
    .addColumn("username", "varchar(100)", (c) => c.notNull())
    .addColumn("starts_at", "bigint", (c) => c.notNull())
    .addColumn("ends_at", "bigint", (c) => c.notNull())
    .addColumn("created_by", "varchar(100)", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("escalations")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("kind", "varchar(20)", (c) => c.notNull())
    .addColumn("subject", "varchar(200)", (c) => c.notNull().unique())
    .addColumn("policy", "varchar(100)", (c) => c.notNull())
    .addColumn("level", "integer", (c) => c.notNull())
    .addColumn("started_at", "bigint", (c) => c.notNull())
    .addColumn("next_at", "bigint")
    .addColumn("acknowledged_by", "varchar(100)")
    .addColumn("acknowledged_at", "bigint")
    .addColumn("claimed_until", "bigint")
    .execute();

  await db.schema
    .createTable("slack_interactions")
    .addColumn("digest", "varchar(64)", (c) => c.primaryKey())
    .addColumn("at", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["slack_interactions", "escalations", "oncall_overrides", "notification_messages", "notification_deliveries", "notification_events"]) await db.schema.dropTable(t).execute();
}
