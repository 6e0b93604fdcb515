import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken, createOrUpdateUser } from "~/core/auth.server";
import { findAlertmanager, startAlertmanager, ALERTMANAGER_INSTALL_HINT, type PrivateAlertmanager } from "~/core/alerts/alertmanager-process.server";
import { migrate, openStore } from "~/core/db/store.server";
import { findPrometheus, INSTALL_HINT, startPrometheus, type PrivatePrometheus } from "../../plugins/prometheus/server";
import { freshDatabaseUrl } from "../helpers/portal";
import { freePort, startServer, type RunningServer } from "../helpers/server";

// Real binaries: Debian's prometheus evaluates a rule, Debian's prometheus-alertmanager routes it
// to the built portal's receiver with a bearer token, over HTTP through the portal's edge.
const prometheusBins = findPrometheus();
const alertmanagerBin = findAlertmanager();
const TOKEN = "am-integration-token-0123456789";

it("Debian's prometheus and prometheus-alertmanager are installed", () => {
  expect(prometheusBins, INSTALL_HINT).not.toBeNull();
  expect(alertmanagerBin, ALERTMANAGER_INSTALL_HINT).not.toBeNull();
});

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const RULES = `groups:
  - name: shop
    rules:
      - alert: CheckoutBacklog
        expr: opsdeck_test_backlog > 5
        for: 0s
        labels: { severity: critical, service: shop }
        annotations: { summary: "{{ $value }} checkouts waiting" }
`;

describe.skipIf(!prometheusBins || !alertmanagerBin)("a Prometheus rule through Alertmanager into the inbox", () => {
  let dir: string;
  let server: RunningServer;
  let prom: PrivatePrometheus;
  let am: PrivateAlertmanager;
  let metrics: http.Server;
  let authorization: string;
  let dropDb: () => Promise<void>;
  const backlog = { value: 0 };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-am-"));
    const runbooks = path.join(dir, "runbooks");
    fs.mkdirSync(runbooks);
    fs.writeFileSync(path.join(runbooks, "checkout.md"), "---\ntitle: Checkout backlog\nalert: CheckoutBacklog\n---\n## Fix\nDrain the queue.\n");
    const db = await freshDatabaseUrl("sqlite");
    dropDb = db.drop;
    const store = await openStore(db.url);
    await migrate(store);
    await createOrUpdateUser(store, { username: "responder", password: "test-password", roles: ["responder"] });
    const user = await store.db.selectFrom("users").select("id").where("username", "=", "responder").executeTakeFirstOrThrow();
    authorization = `Bearer ${(await createApiToken(store, user.id, "am-test")).token}`;
    await store.close();

    metrics = http.createServer((_req, res) => res.end(`# TYPE opsdeck_test_backlog gauge\nopsdeck_test_backlog ${backlog.value}\n`));
    await new Promise<void>((r) => metrics.listen(0, "127.0.0.1", () => r()));
    const metricsUrl = `http://127.0.0.1:${(metrics.address() as { port: number }).port}/metrics`;

    const amPort = await freePort();
    server = await startServer({
      dir,
      runbooksDir: runbooks,
      config: { app: { demo: false, dataDir: "./data" }, alerts: { receivers: { am: { kind: "alertmanager", token: TOKEN } }, alertmanager: { url: `http://127.0.0.1:${amPort}` } } },
      env: { DATABASE_URL: db.url, SESSION_SECRET: "am-test-session-secret-0123456789", OPSDECK_AUDIT_KEY: "am-test-audit-key-0123456789" },
    });
    am = await startAlertmanager({ dir: path.join(dir, "alertmanager"), port: amPort, webhookUrl: `${server.baseUrl}/api/alerts/am`, token: TOKEN, repeatInterval: "3s" });
    prom = await startPrometheus({ dir: path.join(dir, "prometheus"), targets: [{ job: "shop", url: metricsUrl }], scrapeInterval: "1s", rules: RULES, alertmanagers: [`127.0.0.1:${am.port}`] });
  }, 120_000);

  afterAll(async () => {
    await prom?.stop();
    await am?.stop();
    await server?.stop();
    await new Promise((r) => metrics?.close(r));
    await dropDb?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const api = async (p: string, init: RequestInit = {}) => {
    const res = await fetch(`${server.baseUrl}${p}`, { ...init, headers: { authorization, accept: "application/json", ...(init.body ? { "content-type": "application/json" } : {}), ...(init.headers ?? {}) } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const ours = async (status: string) => ((await api(`/api/alerts?status=${status}`)).body as any[]).filter((a) => a.name === "CheckoutBacklog");

  it("fires, is re-sent without duplicates, and resolves when the rule stops firing", async () => {
    backlog.value = 12;
    const [alert] = await until("the alert in the inbox", async () => {
      const list = await ours("firing");
      return list.length ? list : null;
    });
    expect(alert).toMatchObject({ source: "alertmanager", status: "firing", severity: "critical", labels: { service: "shop" }, summary: "12 checkouts waiting", runbook: { path: "checkout" } });
    // Alertmanager re-sends every repeat_interval (3 s): the same alert, seen again.
    const resent = await until("a re-send", async () => {
      const list = await ours("all");
      return list.length === 1 && list[0].receivedCount >= 2 ? list[0] : null;
    });
    expect(resent.id).toBe(alert.id);

    backlog.value = 0;
    const resolved = await until("the resolution", async () => {
      const list = await ours("resolved");
      return list.length ? list[0] : null;
    });
    expect(resolved.id).toBe(alert.id);
    expect(await ours("all")).toHaveLength(1);
  }, 90_000);

  it("a silence made in the portal is created in Alertmanager, suppresses its notifications, and is expired there", async () => {
    const created = await api("/api/silences", { method: "POST", body: JSON.stringify({ matchers: [{ name: "alertname", value: "CheckoutBacklog", isRegex: false }], duration: "30m", comment: "draining the queue by hand" }) });
    expect(created.status).toBe(201);
    expect(created.body.alertmanagerId).toMatch(/^[0-9a-f-]{36}$/);
    const amSilences = (await (await fetch(`${am.url}/api/v2/silences`)).json()) as any[];
    const mirrored = amSilences.find((s) => s.id === created.body.alertmanagerId);
    expect(mirrored).toMatchObject({ comment: "draining the queue by hand", createdBy: "responder (opsdeck)", status: { state: "active" }, matchers: [{ name: "alertname", value: "CheckoutBacklog", isRegex: false, isEqual: true }] });

    const before = (await ours("all")).length;
    backlog.value = 20;
    const suppressed = await until("Alertmanager to hold the alert as suppressed", async () => {
      const alerts = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as any[];
      return alerts.find((a) => a.labels.alertname === "CheckoutBacklog" && a.status.state === "suppressed");
    });
    expect(suppressed.status.silencedBy).toContain(created.body.alertmanagerId);
    await new Promise((r) => setTimeout(r, 5000));
    expect(await ours("all")).toHaveLength(before);

    const ended = await api(`/api/silences/${created.body.id}`, { method: "DELETE" });
    expect(ended.status).toBe(200);
    const after = ((await (await fetch(`${am.url}/api/v2/silences`)).json()) as any[]).find((s) => s.id === created.body.alertmanagerId);
    expect(after.status.state).toBe("expired");
    // With the silence gone, Alertmanager notifies again and the alert fires in the inbox.
    await until("the alert firing again", async () => (await ours("firing")).length === 1);
    backlog.value = 0;
  }, 90_000);
});
