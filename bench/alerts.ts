/**
 * alert_ingest_per_s: Alertmanager webhook payloads of 50 alerts each, through the receiver's
 * service (credentials, parse, one transaction with the audit entry), on SQLite: every group is
 * sent once new and once again (Alertmanager's repeat), so half the alerts are deduplicated;
 * eight payloads in flight at once, as Alertmanager notifies groups concurrently.
 * alert_to_incident_ms_p99: from receipt of an alert matching a `declare` rule to its incident
 * declared with the alert and the runbook's widget readings on the timeline (p99 of 200).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import YAML from "yaml";
import { z } from "zod";
import { definePlugin, probe } from "../plugins/plugin-api";

const TOKEN = "bench-alertmanager-token-0123456789";
const GROUPS = 200;
const PER_PAYLOAD = 50;
const INCIDENTS = 200;
const IN_FLIGHT = 8;

function payload(group: number, status: "firing" | "resolved" = "firing") {
  return JSON.stringify({
    version: "4",
    groupKey: `{}:{alertname="Bench${group}"}`,
    status,
    receiver: "opsdeck",
    groupLabels: { alertname: `Bench${group}` },
    commonLabels: { alertname: `Bench${group}`, severity: "warning" },
    commonAnnotations: {},
    externalURL: "http://alertmanager.bench",
    alerts: Array.from({ length: PER_PAYLOAD }, (_, i) => ({
      status,
      labels: { alertname: `Bench${group}`, severity: "warning", instance: `10.0.${group % 250}.${i}:9100`, job: "node" },
      annotations: { summary: `Disk filling on instance ${i}` },
      startsAt: "2026-11-01T08:00:00Z",
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus.bench/graph",
      fingerprint: `${group.toString(16).padStart(8, "0")}${i.toString(16).padStart(8, "0")}`,
    })),
  });
}

function request(body: string): Request {
  return new Request("http://localhost/api/alerts/am", { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", "x-opsdeck-peer": "127.0.0.1" }, body });
}

export async function run(): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-bench-alerts-"));
  fs.mkdirSync(path.join(dir, "runbooks"));
  fs.writeFileSync(path.join(dir, "runbooks", "checkout.md"), "---\ntitle: Checkout down\nservice: checkout\nplugins: [bench]\n---\n## Detect\n::status{probe=\"bench.queue\"}\n");
  fs.writeFileSync(
    path.join(dir, "app-config.yaml"),
    YAML.stringify({
      // Demo mode: the bench plugin (not an installed one) is enabled through its demo().
      app: { demo: true },
      alerts: { receivers: { am: { kind: "alertmanager", token: TOKEN } }, rules: [{ matchers: [{ name: "service", value: "checkout" }], declare: { severity: { critical: "P1" } } }] },
    }),
  );
  const plugin = definePlugin({
    id: "bench",
    title: "Bench",
    config: z.object({}).strict(),
    async demo() {
      return { config: {}, stop: async () => {} };
    },
    setup: () => ({ probes: [probe({ id: "queue", title: "Checkout queue", every: "1m", async read() { return { value: 7, summary: "7 jobs waiting" }; } })], actions: [] }),
  });
  const { bootPortal } = await import("../app/core/boot.server");
  const { receiveAlerts } = await import("../app/core/alerts/service.server");
  const portal = await bootPortal({
    cwd: dir,
    env: { SESSION_SECRET: "bench-session-secret-0123456789", OPSDECK_AUDIT_KEY: "bench-audit-key-0123456789" },
    databaseUrl: path.join(dir, "bench.sqlite"),
    plugins: [plugin],
    background: false,
    demoUsers: false,
    log: pino({ level: "silent" }),
  });
  try {
    // Warm-up: prepared statements, the runbook index, the probe's first reading.
    await receiveAlerts(portal, "am", request(payload(100_000)));
    const bodies = Array.from({ length: GROUPS }, (_, g) => payload(g));
    const t0 = process.hrtime.bigint();
    let alerts = 0;
    // Alertmanager notifies groups concurrently; a few payloads are in flight at once.
    for (let round = 0; round < 2; round++) {
      let next = 0;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < bodies.length) {
            const { received } = await receiveAlerts(portal, "am", request(bodies[next++]!));
            alerts += received;
          }
        }),
      );
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const stored = Number((await portal.store.db.selectFrom("alerts").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    if (stored !== (GROUPS + 1) * PER_PAYLOAD) throw new Error(`expected ${(GROUPS + 1) * PER_PAYLOAD} stored alerts after deduplication, found ${stored}`);

    const latencies: number[] = [];
    for (let i = 0; i < INCIDENTS; i++) {
      const body = JSON.stringify({
        version: "4",
        status: "firing",
        alerts: [{ status: "firing", labels: { alertname: `CheckoutDown${i}`, service: "checkout", severity: "critical" }, annotations: { summary: "checkout answers 502" }, startsAt: new Date().toISOString(), fingerprint: `inc${i}` }],
      });
      const started = process.hrtime.bigint();
      const answer = await receiveAlerts(portal, "am", request(body));
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (answer.incidents.length !== 1) throw new Error(`alert ${i} opened no incident`);
      const line = await portal.store.db.selectFrom("incident_events").select("data").where("incident_id", "=", answer.incidents[0]!).where("type", "=", "alert").executeTakeFirst();
      if (!line || !line.data.includes("7 jobs waiting")) throw new Error(`incident of alert ${i} lacks the alert and its evidence on the timeline: ${line?.data}`);
      // Resolved, so the next alert declares its own incident instead of joining this one.
      await portal.store.db.updateTable("incidents").set({ status: "resolved", resolved_at: Date.now() }).where("id", "=", answer.incidents[0]!).execute();
    }
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)]!;
    return { alert_ingest_per_s: Math.round(alerts / seconds), alert_to_incident_ms_p99: Math.round(p99 * 10) / 10 };
  } finally {
    await portal.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
