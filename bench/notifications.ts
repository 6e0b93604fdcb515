/**
 * notify_e2e_ms_p99: from an incident event written (declareIncident, outbox row in its
 * transaction) to the Slack sandbox receiving chat.postMessage through @slack/web-api, with the
 * sender running as in the portal (polling 250 ms, woken by the write); p99 of 200 incidents.
 * outbox_per_s: 5,000 events routed to a local signed-webhook receiver on SQLite, from the first
 * claim to the last delivery marked sent (deliveries per second).
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { startSlackSandbox } from "../demo/slack-sandbox";
import { migrate, openStore } from "../app/core/db/store.server";
import { declareIncident } from "../app/core/incidents/incidents.server";
import { NotificationsConfigSchema, OncallConfigSchema } from "../app/core/notifications/config";
import { recordNotification } from "../app/core/notifications/outbox.server";
import { startSender, type SenderConfig } from "../app/core/notifications/sender.server";

const TOKEN = "xoxb-bench-token-0123456789";
const SIGNING = "bench-signing-secret-0123456789";
const INCIDENTS = 200;
const EVENTS = 5_000;
const log = pino({ level: "silent" });

function config(notifications: unknown): SenderConfig {
  return { notifications: NotificationsConfigSchema.parse(notifications), oncall: OncallConfigSchema.parse({}), secretValues: [TOKEN, SIGNING], app: { baseUrl: "http://portal.bench" }, server: { port: 3000 } } as unknown as SenderConfig;
}

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.99) - 1)]!;

async function e2e(dir: string): Promise<number> {
  const slack = await startSlackSandbox({ token: TOKEN, signingSecret: SIGNING, users: [] });
  const store = await openStore(path.join(dir, "e2e.sqlite"));
  await migrate(store);
  const sender = startSender({ store, config: config({ channels: { incidents: { kind: "slack", token: TOKEN, channel: "#incidents", apiUrl: slack.apiUrl } }, routes: [{ channels: ["incidents"] }] }), log, pollMs: 250 });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < INCIDENTS; i++) {
      const received = new Promise<number>((resolve) => {
        const off = slack.onMessage((m) => {
          off();
          resolve(m.receivedAt);
        });
      });
      const t0 = Date.now();
      await declareIncident(store, { username: "bench", roles: ["admin"] }, { title: `Bench incident ${i}`, severity: "P1" });
      latencies.push((await received) - t0);
      // Spread the writes out like real incidents, so the poll's phase varies.
      await new Promise((r) => setTimeout(r, 7 + (i % 13)));
    }
  } finally {
    await sender.stop();
    await store.close();
    await slack.close();
  }
  return p99(latencies);
}

async function throughput(dir: string): Promise<number> {
  let received = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received++;
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const store = await openStore(path.join(dir, "outbox.sqlite"));
  await migrate(store);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  // Written before the sender starts: the figure is the sender's, not the writers'.
  for (let i = 0; i < EVENTS; i += 500) {
    await store.db.transaction().execute(async (trx) => {
      for (let j = i; j < i + 500; j++) await recordNotification(trx, { kind: "incident.updated", subject: `inc_${j % 1000}`, payload: { title: `update ${j}` } });
    });
  }
  const t0 = performance.now();
  const sender = startSender({ store, config: config({ channels: { hook: { kind: "webhook", url, secret: "bench-hook-secret-0123" } }, routes: [{ channels: ["hook"] }] }), log, pollMs: 5, batch: 500, concurrency: 64 });
  try {
    for (;;) {
      const row = await store.db.selectFrom("notification_deliveries").select(({ fn }) => fn.countAll<number>().as("n")).where("status", "=", "sent").executeTakeFirstOrThrow();
      if (Number(row.n) >= EVENTS) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await sender.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  await new Promise((r) => server.close(r));
  if (received < EVENTS) throw new Error(`the receiver got ${received} of ${EVENTS}`);
  return Math.round(EVENTS / seconds);
}

export async function run(): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-bench-notify-"));
  try {
    const notify = await e2e(dir);
    const perSecond = await throughput(dir);
    return { notify_e2e_ms_p99: notify, outbox_per_s: perSecond };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
