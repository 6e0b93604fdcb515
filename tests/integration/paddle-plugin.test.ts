import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActionInputError, type ActionContext, type ActionDefinition, type PluginInstance, type ProbeDefinition } from "../../plugins/plugin-api";
import type { SqlService } from "../../plugins/supabase/api";
import paddle from "../../plugins/paddle";
import { signPaddle, startPaddleSandbox, type PaddleSandbox } from "../../plugins/paddle/sandbox";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const read = (p: ProbeDefinition) => p.read({ signal: new AbortController().signal, log: quiet, now: () => new Date() });
const ctx = (): ActionContext => ({ runId: "r1", actor: { username: "admin", roles: ["admin"] }, idempotencyKey: "k", signal: new AbortController().signal, log() {}, progress() {} });
const SECRET = "pdl_ntfset_receiver_secret_0123456789";

function find<T extends { id: string }>(list: T[] | undefined, id: string): T {
  const x = list?.find((p) => p.id === id);
  if (!x) throw new Error(`missing ${id}`);
  return x;
}

async function instance(config: Record<string, unknown>, sql?: SqlService): Promise<PluginInstance> {
  const parsed = paddle.config.parse(config);
  return paddle.setup({ config: parsed, log: quiet, deps: { sql, appenv: undefined }, demo: false, dataDir: os.tmpdir() });
}

describe("paddle plugin against the sandbox (SDK with environment = sandbox URL)", () => {
  let sandbox: PaddleSandbox;
  let receiver: import("node:http").Server;
  let receiverUrl = "";
  let accept = true;
  beforeAll(async () => {
    const http = await import("node:http");
    receiver = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(accept ? 200 : 500, { "content-type": "application/json" });
        res.end(accept ? '{"ok":true}' : '{"error":"subscription not found"}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as import("node:net").AddressInfo).port}/webhooks/paddle`;
    sandbox = await startPaddleSandbox({
      destinations: [
        { id: "ntfset_01main", description: "Main", destination: receiverUrl, active: true, endpointSecretKey: SECRET, subscribedEvents: ["subscription.updated", "transaction.completed"], trafficSource: "platform" },
        { id: "ntfset_01rotated", description: "Rotated", destination: receiverUrl, active: true, endpointSecretKey: "pdl_ntfset_rotated_secret_abcdef", subscribedEvents: [], trafficSource: "simulation" },
      ],
    });
  });
  afterAll(async () => {
    await sandbox?.stop();
    await new Promise((r) => receiver?.close(r));
  });

  it("replays a failed notification: preview from its logs, run, new notification with origin replay; a replay of a replay is refused in Paddle's words", async () => {
    accept = false;
    const [failedId] = await sandbox.emit("subscription.updated", { id: "sub_01x", status: "past_due" });
    accept = true;
    const p = await instance({ apiKey: sandbox.apiKey, environment: sandbox.url, webhookSecret: SECRET, notificationSettingIds: ["ntfset_01main", "ntfset_01rotated"] });
    const failed = await read(find(p.probes, "failed-notifications"));
    expect(failed.value).toBe(1);
    expect(failed.rows).toEqual([expect.objectContaining({ destination: "ntfset_01main", notifications: 1, timesAttempted: 3 })]);
    const dest = await read(find(p.probes, "destinations"));
    expect(dest.value).toBe(1);
    expect(dest.summary).toContain("Rotated receives simulations only");

    const replay = find(p.actions, "replay-notification") as ActionDefinition;
    expect(replay.risk).toBe("high");
    const preview = await replay.preview!({ notificationId: failedId }, { signal: new AbortController().signal, actor: ctx().actor });
    expect(preview.summary).toContain("subscription.updated");
    expect(preview.summary).toContain("Main (" + receiverUrl + ")");
    expect(preview.summary).toContain("failed after 3 attempts, last response 500");
    const result = await replay.run({ notificationId: failedId, precondition: preview.precondition }, ctx());
    const data = result.data as { notificationId: string; origin: string; status: string };
    expect(data).toEqual({ notificationId: expect.stringMatching(/^ntf_/), origin: "replay", status: "delivered" });
    expect(sandbox.notification(data.notificationId)).toMatchObject({ origin: "replay", status: "delivered" });

    const refusedPreview = replay.preview!({ notificationId: data.notificationId }, { signal: new AbortController().signal, actor: ctx().actor });
    await expect(refusedPreview).rejects.toBeInstanceOf(ActionInputError);
    await expect(refusedPreview).rejects.toThrow(/Only notifications with origin 'event' can be replayed/);
    // The run asks Paddle itself, and passes on Paddle's reason.
    const refusedRun = replay.run({ notificationId: data.notificationId }, ctx());
    await expect(refusedRun).rejects.toBeInstanceOf(ActionInputError);
    await expect(refusedRun).rejects.toThrow("Notification cannot be replayed. Only notifications with origin 'event' can be replayed. (notification_replay_invalid_origin_type)");
    await expect(replay.preview!({ notificationId: "ntf_01doesnotexist" }, { signal: new AbortController().signal, actor: ctx().actor })).rejects.toBeInstanceOf(ActionInputError);
  });

  it("follows `after` pagination across pages of notifications", async () => {
    accept = false;
    for (let i = 0; i < 3; i++) await sandbox.emit("transaction.completed", { id: `txn_01page${i}` }, { attempts: 1 });
    accept = true;
    const res = await fetch(`${sandbox.url}/notifications?status=needs_retry&per_page=2`, { headers: { authorization: `Bearer ${sandbox.apiKey}` } });
    const body = await res.json();
    expect(body.meta.pagination).toMatchObject({ per_page: 2, has_more: true, estimated_total: 3 });
    const p = await instance({ apiKey: sandbox.apiKey, environment: sandbox.url, notificationSettingIds: ["ntfset_01main"] });
    const retrying = await read(find(p.probes, "retrying-notifications"));
    expect(retrying.value).toBe(3);
    expect(retrying.summary).toMatch(/^3 notifications waiting for a retry; most on ntfset_01main \(oldest \d+ min ago, 1 attempt\)$/);
  });

  it("a key the sandbox rejects: every API probe is unknown with 'authentication failed', the key never shown", async () => {
    const badKey = "pdl_sdbx_apikey_revoked_0000000000000000";
    const p = await instance({ apiKey: badKey, environment: sandbox.url });
    for (const id of ["failed-notifications", "retrying-notifications", "destinations", "past-due-subscriptions"]) {
      const r = await read(find(p.probes, id));
      expect(r.status, id).toBe("unknown");
      expect(r.summary, id).toBe("authentication failed: Invalid or revoked API key. (invalid_token)");
      expect(JSON.stringify(r)).not.toContain(badKey);
    }
    const res = await fetch(`${sandbox.url}/subscriptions`, { headers: { authorization: `Bearer ${badKey}` } });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      error: { type: "request_error", code: "invalid_token", detail: "Invalid or revoked API key.", documentation_url: "https://developer.paddle.com/errors/shared/invalid_token" },
      meta: { request_id: expect.any(String) },
    });
  });

  it("signature check: valid, tampered body, expired timestamp, wrong secret and malformed header each in their own words", async () => {
    const [ntf] = await sandbox.emit("transaction.completed", { id: "txn_01sig", status: "completed" });
    const n = sandbox.notification(ntf!)!;
    const body = JSON.stringify({ ...n.payload, notification_id: n.id });
    const p = await instance({ apiKey: sandbox.apiKey, environment: sandbox.url, webhookSecret: SECRET });
    const check = find(p.actions, "check-signature") as ActionDefinition;
    expect(check.risk).toBe("low");
    const verdict = async (payload: string, signature: string) => {
      const r = await check.run({ payload, signature }, ctx());
      expect(r.summary).not.toContain(SECRET);
      expect(r.summary).not.toContain("pdl_ntfset_rotated_secret_abcdef");
      return r.data as { verdict: string; summary: string };
    };
    const valid = await verdict(body, signPaddle(body, SECRET));
    expect(valid.verdict).toBe("valid");
    expect(valid.summary).toMatch(/^Valid: signed with the configured webhook secret \d s ago \(transaction.completed, evt_/);

    const tampered = await verdict(body.replace('"completed"', '"refunded"'), signPaddle(body, SECRET));
    expect(tampered).toEqual({ verdict: "tampered-body", summary: expect.stringContaining(`Tampered body: it differs from the body Paddle holds for ${n.id}`) });

    const old = await verdict(body, signPaddle(body, SECRET, Math.floor(Date.now() / 1000) - 90));
    expect(old.verdict).toBe("expired-timestamp");
    expect(old.summary).toMatch(/^Expired timestamp: signed 9\d s ago and Paddle's SDK accepts 5 s\. The signature itself matches/);

    const wrong = await verdict(body, signPaddle(body, "pdl_ntfset_some_other_secret_999"));
    expect(wrong.verdict).toBe("wrong-secret");
    expect(wrong.summary).toContain(`the body is exactly what Paddle sent for ${n.id}`);
    const rotated = await verdict(body, signPaddle(body, "pdl_ntfset_rotated_secret_abcdef"));
    expect(rotated.summary).toMatch(/^Wrong secret: this body was signed with the current secret of destination "Rotated" \(ntfset_01rotated\)/);

    const malformed = await verdict(body, "h1=abc");
    expect(malformed).toEqual({ verdict: "malformed-header", summary: "Malformed Paddle-Signature header: it has no ts= part." });
    expect((await verdict(body, "sha256=deadbeef")).summary).toBe("Malformed Paddle-Signature header: it has neither ts= nor h1= (Paddle sends ts=<unix seconds>;h1=<hex HMAC>).");
  });
});

describe("configuration safety (names only)", () => {
  it("bypass flag in production and missing variables are critical, named without values", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "paddle-env-")), ".env");
    fs.writeFileSync(file, "PADDLE_API_KEY=pdl_live_apikey_secretvalue123\nNEXT_PUBLIC_PADDLE_ENV=production\nPADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV=true\n");
    const p = await instance({ apiKey: "pdl_live_apikey_x000000000", environment: "http://127.0.0.1:1", appEnv: { envFile: file } });
    const r = await read(find(p.probes, "config-safety"));
    expect(r.value).toBe(2);
    expect(r.summary).toBe(
      "PADDLE_WEBHOOK_SECRET_KEY: required and missing or empty; PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV: set while NEXT_PUBLIC_PADDLE_ENV is production: webhook signatures are not checked",
    );
    expect(JSON.stringify(r)).not.toContain("secretvalue123");
    expect(find(p.probes, "config-safety").thresholds).toEqual({ critical: "> 0" });
    fs.writeFileSync(file, "PADDLE_API_KEY=a1\nPADDLE_WEBHOOK_SECRET_KEY=b2\nNEXT_PUBLIC_PADDLE_ENV=sandbox\nPADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV=true\n");
    expect((await read(find(p.probes, "config-safety"))).value).toBe(0);
  });
});
