// Its own file (own module state): the shop must verify signatures before any Paddle client exists, as at a real demo start.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld } from "../../demo/world";
import { paddleWebhooksShop } from "../../demo/shop/paddle-webhooks";
import { type ActionContext, type ActionDefinition, type PluginInstance, type ProbeDefinition } from "../../plugins/plugin-api";
import type { SqlService } from "../../plugins/supabase/api";
import paddle from "../../plugins/paddle";
import { startDemoPaddle } from "../../plugins/paddle/demo";
import supabase from "../../plugins/supabase";
import { shopDatabase } from "../helpers/shop-postgres";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const read = (p: ProbeDefinition) => p.read({ signal: new AbortController().signal, log: quiet, now: () => new Date() });
const ctx = (): ActionContext => ({ runId: "r1", actor: { username: "admin", roles: ["admin"] }, idempotencyKey: "k", signal: new AbortController().signal, log() {}, progress() {} });

function find<T extends { id: string }>(list: T[] | undefined, id: string): T {
  const x = list?.find((p) => p.id === id);
  if (!x) throw new Error(`missing ${id}`);
  return x;
}

async function instance(config: Record<string, unknown>, sql?: SqlService): Promise<PluginInstance> {
  const parsed = paddle.config.parse(config);
  return paddle.setup({ config: parsed, log: quiet, deps: { sql, appenv: undefined }, demo: false, dataDir: os.tmpdir() });
}

describe("demo mode: the shop's receivers record in Postgres, and a replay changes the app-side probe", () => {
  let db: Awaited<ReturnType<typeof shopDatabase>>;
  let stopAll: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    db = await shopDatabase();
  });
  afterAll(async () => {
    for (const s of stopAll.reverse()) await s().catch(() => {});
    await db?.drop();
  });

  it("seeded trouble shows in every probe; replaying the failed notification clears the processing error", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "paddle-demo-"));
    const started = await createWorld({ dataDir, log: quiet, portalUrl: "http://127.0.0.1:1" });
    stopAll.push(() => started.stop());
    started.world.provide("postgres.url", db.url);
    await paddleWebhooksShop.start(started.world);
    const demo = await startDemoPaddle({ log: quiet, world: started.world });
    stopAll.push(() => demo.stop());
    const sb = await supabase.setup({ config: supabase.config.parse({ url: "http://127.0.0.1:1", serviceRoleKey: "sb_secret_test_0123456789abcdef", ...db.supabase }), log: quiet, deps: {}, demo: false, dataDir });
    stopAll.push(() => sb.stop!());
    const p = await instance(demo.config as Record<string, unknown>, sb.provides!.sql as SqlService);

    const errors = await read(find(p.probes, "processing-errors"));
    expect(errors.value).toBe(1);
    expect(errors.summary).toContain("subscription.updated (subscription sub_01shoppastdue000000000042 not found)");
    expect((await read(find(p.probes, "invalid-signatures"))).value).toBe(4); // 3 attempts + 1 attempt, commissions worker
    expect((await read(find(p.probes, "failed-notifications"))).value).toBe(2);
    expect((await read(find(p.probes, "retrying-notifications"))).value).toBe(1);
    expect((await read(find(p.probes, "past-due-subscriptions"))).rows).toEqual([expect.objectContaining({ id: "sub_01shoppastdue000000000042" })]);
    const safety = await read(find(p.probes, "config-safety"));
    expect(safety.value).toBe(0);
    const envText = fs.readFileSync(JSON.parse(JSON.stringify(demo.config)).appEnv.envFile, "utf8");
    const values = envText.split("\n").filter(Boolean).map((l) => l.split("=")[1]!).filter((v) => v.startsWith("pdl_"));
    expect(values).toHaveLength(3);
    for (const v of values) expect(JSON.stringify(safety)).not.toContain(v);

    const failed = await p.probes!.find((x) => x.id === "failed-notifications")!.read({ signal: new AbortController().signal, log: quiet, now: () => new Date() });
    expect(failed.rows!.map((r) => r.destination).sort()).toEqual(["ntfset_01shopcommissions00000002", "ntfset_01shopmain0000000000000001"]);
    const list = await fetch(`${(demo.config as { environment: string }).environment}/notifications?status=failed&notification_setting_id=ntfset_01shopmain0000000000000001`, {
      headers: { authorization: `Bearer ${(demo.config as { apiKey: string }).apiKey}` },
    }).then((r) => r.json());
    const failedId = list.data[0].id as string;
    const replay = find(p.actions, "replay-notification") as ActionDefinition;
    const preview = await replay.preview!({ notificationId: failedId }, { signal: new AbortController().signal, actor: ctx().actor });
    expect(preview.summary).toContain("Shop: subscriptions and payments");
    const run = await replay.run({ notificationId: failedId, precondition: preview.precondition }, ctx());
    expect(run.data).toMatchObject({ origin: "replay", status: "delivered" });

    const failedAfter = await read(find(p.probes, "failed-notifications"));
    expect(failedAfter.value).toBe(1);
    expect(failedAfter.summary).toMatch(/; 1 more replayed since$/);
    const after = await read(find(p.probes, "processing-errors"));
    expect(after.value).toBe(0);
    expect(after.summary).toBe("No unresolved processing error in the last 1 hour");
    const rows = await db.query("select action from audit_log where subject = $1 order by id", [list.data[0].payload.event_id]);
    expect(rows.map((r) => r.action)).toEqual(["webhook.received", "webhook.failed", "webhook.received", "webhook.failed", "webhook.received", "webhook.failed", "webhook.received", "webhook.processed"]);
  }, 60_000);
});

