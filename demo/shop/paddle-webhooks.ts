// The shop's Paddle webhook receivers, the way the seed's app has them: each delivery is verified
// with the Paddle SDK (`webhooks.unmarshal`), deduplicated on the event id, processed, and recorded
// in `webhook_events` and `audit_log` of the shop's Postgres. Two receivers: the main one (its
// secret matches Paddle's) and the affiliate-commissions worker, whose secret was rotated in Paddle
// but not here, so it refuses every delivery as an invalid signature.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { NodeRuntime, Webhooks } from "@paddle/paddle-node-sdk";
import pg from "pg";
import type { DemoModule } from "../world";
import type { DemoRequest, DemoResponse, DemoWorld } from "../../plugins/plugin-api";

/** What this module offers on the world as `paddle.shop` (the paddle plugin's demo reads it by shape). */
export interface ShopPaddleReceivers {
  /** The app's environment file (names checked by config-safety). */
  envFile: string;
  /** Main receiver, verifying with the app's PADDLE_WEBHOOK_SECRET_KEY. */
  main: { url: string; secret: string };
  /** Commissions worker, still verifying with the secret from before the rotation. */
  commissions: { url: string; secret: string };
}

// The SDK finds Node's crypto only once a `Paddle` client was made; the shop verifies without one.
NodeRuntime.initialize();
const webhooks = new Webhooks();

/** Subscriptions the shop knows (created through a processed subscription.created). */
type Known = Set<string>;

async function record(db: pg.Pool, row: { eventId: string; type: string; result: "ok" | "error" | "duplicate"; error?: string; action: string; subject: string }) {
  await db.query(
    `insert into webhook_events (provider, event_id, event_type, dedupe_key, processed_at, processing_result, error) values ('paddle', $1, $2, $3, now(), $4, $5)`,
    [row.eventId, row.type, `paddle:${row.eventId}`, row.result, row.error ?? null],
  );
  await db.query(`insert into audit_log (actor, action, subject, details) values ('webhook-handler', $1, $2, $3::jsonb)`, [
    row.action,
    row.subject,
    JSON.stringify({ type: row.type, ...(row.error ? { error: row.error } : {}) }),
  ]);
}

/** What the shop does with one verified event; an error is the handler's own words. */
function apply(type: string, data: Record<string, unknown>, known: Known): string | null {
  const sub = typeof data.id === "string" ? data.id : "";
  if (type === "subscription.created") {
    known.add(sub);
    return null;
  }
  if (type.startsWith("subscription.") && !known.has(sub)) return `subscription ${sub} not found`;
  return null;
}

function receiver(world: DemoWorld, secret: string, known: Known, pool: () => Promise<pg.Pool>) {
  return async (req: DemoRequest): Promise<DemoResponse> => {
    const db = await pool();
    const raw = req.body.toString("utf8");
    let event;
    try {
      event = await webhooks.unmarshal(raw, secret, req.headers["paddle-signature"] ?? "");
    } catch {
      let subject = "unknown";
      try {
        subject = String(JSON.parse(raw).notification_id ?? "unknown");
      } catch {
        // The body is not JSON: keep "unknown".
      }
      await db.query(`insert into audit_log (actor, action, subject, details) values ('webhook-handler', 'webhook.invalid_signature', $1, '{}'::jsonb)`, [subject]);
      return { status: 401, body: { error: "invalid signature" } };
    }
    const type = String(event.eventType);
    await db.query(`insert into audit_log (actor, action, subject, details) values ('webhook-handler', 'webhook.received', $1, $2::jsonb)`, [event.eventId, JSON.stringify({ type })]);
    const seen = await db.query(`select 1 from webhook_events where dedupe_key = $1 and processing_result = 'ok' limit 1`, [`paddle:${event.eventId}`]);
    if (seen.rowCount) {
      await record(db, { eventId: event.eventId, type, result: "duplicate", action: "webhook.duplicate", subject: event.eventId });
      return { status: 200, body: { duplicate: true } };
    }
    const error = apply(type, (event.data ?? {}) as unknown as Record<string, unknown>, known);
    if (error) {
      await record(db, { eventId: event.eventId, type, result: "error", error, action: "webhook.failed", subject: event.eventId });
      return { status: 500, body: { error } };
    }
    await record(db, { eventId: event.eventId, type, result: "ok", action: "webhook.processed", subject: event.eventId });
    world.log.debug({ type, eventId: event.eventId }, "demo shop: paddle webhook processed");
    return { status: 200, body: { ok: true } };
  };
}

export const paddleWebhooksShop: DemoModule = {
  id: "paddle-webhooks",
  async start(world) {
    const mainSecret = `pdl_ntfset_${crypto.randomBytes(16).toString("hex")}`;
    const commissionsSecret = `pdl_ntfset_${crypto.randomBytes(16).toString("hex")}`;
    // The app's deployed environment (the portal checks names only).
    const envFile = path.join(world.dataDir, "shop-paddle.env");
    fs.writeFileSync(
      envFile,
      [
        `PADDLE_API_KEY=pdl_live_apikey_${crypto.randomBytes(12).toString("hex")}`,
        `PADDLE_WEBHOOK_SECRET_KEY=${mainSecret}`,
        `PADDLE_COMMISSIONS_WEBHOOK_SECRET_KEY=${commissionsSecret}`,
        "NEXT_PUBLIC_PADDLE_ENV=production",
        "PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV=false",
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    let db: pg.Pool | null = null;
    const pool = async () => {
      if (!db) {
        const url = await world.waitFor<string>("postgres.url");
        db = new pg.Pool({ connectionString: url, max: 3 });
        db.on("error", () => {});
        world.onStop(() => db!.end());
      }
      return db;
    };
    const known: Known = new Set();
    world.route("POST", "/webhooks/paddle", receiver(world, mainSecret, known, pool));
    world.route("POST", "/webhooks/paddle/commissions", receiver(world, commissionsSecret, known, pool));
    const receivers: ShopPaddleReceivers = {
      envFile,
      main: { url: `${world.shopUrl}/webhooks/paddle`, secret: mainSecret },
      commissions: { url: `${world.shopUrl}/webhooks/paddle/commissions`, secret: commissionsSecret },
    };
    world.provide("paddle.shop", receivers);
  },
};
