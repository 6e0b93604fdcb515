// Issue 25, "the secrets test": a distinct value planted in every secret() field of every installed
// plugin (and the portal's own secrets), driven to as many exits as the portal has (pages, JSON, the
// SSE stream, logs, the audit export, cron pings, run logs and results, incident notes), then every
// exit is searched, including the store itself (the SQLite file and its -wal, or a pg_dump of the
// PostgreSQL store) and a backup of the portal's store taken by the backups plugin: zero hits.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { isSecretSchema } from "../../plugins/plugin-api";
import { AlertsConfigSchema } from "~/core/alerts/config";
import { installedPlugins } from "~/plugins.server";
import { freshDatabaseUrl, DIALECTS, type TestDialect } from "../helpers/portal";
import { startServer, type RunningServer } from "../helpers/server";

/** Every path of a schema that is marked secret(), `*` standing for a record key or an array element. */
export function secretPaths(schema: z.ZodType, prefix: string[] = [], depth = 0, seen = new Set<unknown>()): string[] {
  if (depth > 30) return [];
  if (isSecretSchema(schema)) return [prefix.join(".")];
  const def = (schema as { _zod?: { def?: any } })._zod?.def;
  if (!def) return [];
  const next = (s: z.ZodType | undefined, p = prefix) => (s ? secretPaths(s, p, depth + 1, seen) : []);
  switch (def.type) {
    case "object":
      return [...Object.entries(def.shape as Record<string, z.ZodType>).flatMap(([k, s]) => next(s, [...prefix, k])), ...next(def.catchall, [...prefix, "*"])];
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
    case "nonoptional":
      return next(def.innerType);
    case "lazy":
      if (seen.has(schema)) return [];
      seen.add(schema);
      return next(def.getter());
    case "pipe":
      return [...new Set([...next(def.in), ...next(def.out)])];
    case "array":
      return next(def.element, [...prefix, "*"]);
    case "record":
      return next(def.valueType, [...prefix, "*"]);
    case "union":
      return [...new Set((def.options as z.ZodType[]).flatMap((o) => next(o)))];
    case "intersection":
      return [...next(def.left), ...next(def.right)];
    default:
      return [];
  }
}

/** The values a config holds at a path pattern (`*`: every key or element). */
function valuesAt(value: unknown, pattern: string[]): unknown[] {
  if (!pattern.length) return [value];
  if (!value || typeof value !== "object") return [];
  const [head, ...rest] = pattern;
  const children = head === "*" ? Object.values(value) : [(value as Record<string, unknown>)[head!]];
  return children.flatMap((c) => (c === undefined ? [] : valuesAt(c, rest)));
}

const RUN = crypto.randomBytes(3).toString("hex");
const planted: string[] = [];
/** A distinct value, remembered for the search: `plant_<what>_<random>` in the shape the field needs. */
function plant(what: string, shape: (v: string) => string = (v) => v): string {
  const v = shape(`plant${what.replace(/[^a-z0-9]/gi, "")}${RUN}${crypto.randomBytes(4).toString("hex")}`);
  planted.push(v);
  return v;
}

// A mutually exclusive alternative of a field that is planted: the config can hold only one.
const EXCLUSIVE: Record<string, string> = {
  "prometheus.bearerToken": "prometheus takes either bearerToken or basicAuth; basicAuth.password is planted (its Basic form is the harder case)",
  "firestore.privateKey": "firestore takes one credential; serviceAccountJson is planted (its private_key inside the JSON is the harder case)",
  "backups.gcp.privateKey": "backups.gcp takes one credential; serviceAccountJson is planted (a real key the portal parses, checks and signs with, inside JSON: the harder case)",
  "backups.gcp.token": "backups.gcp takes one credential; the static token is only a fallback to the planted serviceAccountJson",
};

/** An upstream for every HTTP plugin: answers with everything it was sent, headers and body. */
async function echoServer() {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      seen.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)} ${body}`);
      res.setHeader("content-type", "application/json");
      const echo = { authorization: req.headers.authorization ?? "", apikey: req.headers.apikey ?? "", headers: req.headers, body };
      if (req.url?.startsWith("/api/v1/")) {
        // Prometheus-shaped, so the echo lands in a reading's rows rather than in an error.
        const metric = { __name__: "up", authorization: String(req.headers.authorization ?? "") };
        if (req.url.startsWith("/api/v1/alerts")) return void res.end(JSON.stringify({ status: "success", data: { alerts: [] } }));
        if (req.url.startsWith("/api/v1/query_range")) return void res.end(JSON.stringify({ status: "success", data: { resultType: "matrix", result: [{ metric, values: [[Date.now() / 1000, "1"]] }] } }));
        return void res.end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric, value: [Date.now() / 1000, "1"] }] } }));
      }
      res.statusCode = req.url?.startsWith("/health") || req.url?.startsWith("/cron") ? 200 : 500;
      res.end(JSON.stringify({ status: `got ${req.headers.authorization}`, error: { message: `bad credentials ${req.headers.authorization} ${body.slice(0, 300)}` }, echo }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, seen, stop: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []));
}

/** A file's bytes as a search would see them: gunzipped, or a pg_dump archive as its SQL text. */
function searchable(file: string): Buffer {
  const bytes = fs.readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return zlib.gunzipSync(bytes);
  if (bytes.subarray(0, 5).toString() === "PGDMP") return execFileSync("pg_restore", ["-f", "-", file], { maxBuffer: 512 * 1024 * 1024 });
  return bytes;
}

describe.each(DIALECTS)("planted secrets of every plugin never leave the portal (%s store)", (dialect: TestDialect) => {
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let srv: RunningServer;
  let db: Awaited<ReturnType<typeof freshDatabaseUrl>>;
  let databaseUrl: string;
  let config: Record<string, any>;
  let env: Record<string, string>;
  let admin: string;
  let forms: string[];
  let basic: string;
  const runIds: string[] = [];
  const exits: { name: string; text: string | Buffer }[] = [];

  const get = async (p: string, accept = p.startsWith("/api/") ? "application/json" : "text/html") => {
    const res = await fetch(`${srv.baseUrl}${p}`, { headers: { cookie: admin, accept } });
    const text = await res.text();
    exits.push({ name: `GET ${p}`, text });
    return { status: res.status, text };
  };
  const post = async (p: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${srv.baseUrl}${p}`, { method: "POST", headers: { cookie: admin, "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
    const text = await res.text();
    exits.push({ name: `POST ${p}`, text });
    return { status: res.status, text, json: () => JSON.parse(text) };
  };
  const runAction = async (id: string, input: unknown, extra: Record<string, unknown> = {}) => {
    const res = await post(`/api/actions/${id}`, { input, idempotencyKey: `plant-${id}-${RUN}-${dialect}`, ...extra });
    expect(res.status, `${id}: ${res.text}`).toBeLessThan(300);
    const { runId } = res.json();
    runIds.push(runId);
    for (let i = 0; i < 150; i++) {
      const r = JSON.parse((await get(`/api/runs/${runId}`)).text);
      if (!["pending", "started"].includes(r.status)) return r;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${id} did not finish`);
  };

  beforeAll(async () => {
    planted.length = 0; // each store's portal gets values of its own
    echo = await echoServer();
    db = dialect === "postgres" ? await freshDatabaseUrl("postgres") : { url: "", drop: async () => {} };
    // The store's URL with a password: trust auth on the test server ignores it, the portal must still never show it.
    const pgUser = encodeURIComponent(process.env.PGUSER ?? process.env.USER ?? os.userInfo().username);
    databaseUrl = dialect === "postgres" ? db.url.replace(/^postgres:\/\//, `postgres://${pgUser}:${plant("storepw")}@`) : "";
    const pgUrl = (what: string) => `postgres://reporting:${plant(what)}@127.0.0.1:1/shop`;
    env = { SESSION_SECRET: plant("session"), LOG_LEVEL: "info" };
    const serviceAccount = JSON.stringify({ type: "service_account", project_id: "shop-project", private_key_id: plant("firestorekeyid"), private_key: plant("firestorepk", (v) => `-----BEGIN PRIVATE KEY-----\n${v}\n-----END PRIVATE KEY-----\n`), client_email: "ops@shop-project.iam.gserviceaccount.com" });
    planted.push(serviceAccount);
    // backups.gcp checks its key is a real PEM private key and signs its token requests with it.
    const gcpKey = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    planted.push(gcpKey);
    const gcpServiceAccount = JSON.stringify({ type: "service_account", project_id: "shop-project", private_key_id: plant("gcpkeyid"), private_key: gcpKey, client_email: "exports@shop-project.iam.gserviceaccount.com", token_uri: `${echo.url}/token` });
    planted.push(gcpServiceAccount);
    config = {
      app: { demo: true },
      actions: { requestKey: plant("requestkey") },
      audit: { checkpointKey: plant("checkpointkey") },
      alerts: {
        receivers: {
          am: { kind: "alertmanager", token: plant("alertmanagertoken") },
          grafana: { kind: "grafana", username: "grafana-alerts", password: plant("grafanapw") },
          grafanatoken: { kind: "grafana", token: plant("grafanatoken") },
          sentryhook: { kind: "sentry", clientSecret: plant("sentryhooksecret") },
          hook: { kind: "webhook", token: plant("webhooktoken"), map: { name: "/name", summary: "/summary" } },
        },
        alertmanager: { url: echo.url, token: plant("alertmanagerapitoken") },
      },
      plugins: {
        http: { checks: { echo: { title: "Echo upstream", url: `${echo.url}/health`, headers: { Authorization: `Bearer ${plant("httpbearer")}`, "X-Api-Key": plant("httpkey") }, expectJson: { status: "healthy" }, every: "2s" } } },
        stripe: { secretKey: plant("stripekey", (v) => `sk_test_${v}`), webhookSecret: plant("stripewh", (v) => `whsec_${v}`), endpointSecrets: { we_plant1: plant("stripeendpoint", (v) => `whsec_${v}`) }, apiBase: echo.url },
        firestore: { projectId: "shop-project", serviceAccountJson: serviceAccount, emulatorHost: echo.host },
        supabase: { url: echo.url, serviceRoleKey: plant("supabaseservicerole"), databaseUrl: pgUrl("supabasedb"), readOnlyDatabaseUrl: pgUrl("supabasereadonly") },
        paddle: { apiKey: plant("paddlekey"), webhookSecret: plant("paddlewh"), environment: echo.url },
        cron: { pingToken: plant("cronping"), excerptBytes: 20_000, jobs: { nightly: { schedule: "0 2 * * *", pingToken: plant("cronjobping"), secret: plant("cronsecret"), endpoint: `${echo.url}/cron/nightly`, method: "GET" } } },
        backups: {
          targets: { portal: { kind: "portal", ...(dialect === "postgres" ? { connection: databaseUrl } : {}) }, shop: { kind: "postgres", connection: pgUrl("backupsshop") } },
          gcp: { project: "shop-project", bucket: "shop-exports", serviceAccountJson: gcpServiceAccount, adminUrl: echo.url, storageUrl: echo.url },
        },
        prometheus: { url: echo.url, basicAuth: { username: "grafana-reader", password: plant("prompw") }, alerts: false, queries: { echo: { title: "Echo", promql: "up", every: "2s" } } },
        redis: { url: `redis://default:${plant("redispw")}@127.0.0.1:1/0` },
        mongodb: { uri: `mongodb://opsdeck:${plant("mongopw")}@127.0.0.1:1/?directConnection=true`, database: "shop", queries: { stuck: { query: `db.orders.countDocuments({ status: "paid" })`, every: "2s" } } },
        deploys: { sites: { shop: { provider: "vercel", projectId: "prj_shop", token: plant("deploytoken"), apiBase: echo.url } } },
        sentry: { org: "shop", project: "web", token: plant("sentrytoken"), url: echo.url },
      },
    };
    // Derived forms the portal must catch as well: encoded, JSON-escaped, and the Basic header of the basicAuth pair.
    const prom = config.plugins.prometheus.basicAuth;
    basic = Buffer.from(`${prom.username}:${prom.password}`).toString("base64");
    const grafana = Buffer.from(`grafana-alerts:${config.alerts.receivers.grafana.password}`).toString("base64");
    forms = [...new Set(planted.flatMap((s) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)])), basic, basic.replace(/=+$/, ""), grafana, grafana.replace(/=+$/, "")];
    srv = await startServer({ config, env: { ...env, ...(dialect === "postgres" ? { DATABASE_URL: databaseUrl } : {}) } });
    const login = await fetch(`${srv.baseUrl}/login`, { method: "POST", body: new URLSearchParams({ username: "admin", password: "test-password", redirectTo: "/" }), redirect: "manual" });
    expect(login.status).toBe(302);
    admin = login.headers.get("set-cookie")!.split(";")[0]!;
  }, 180_000);

  afterAll(async () => {
    await srv?.stop();
    await echo?.stop();
    await db?.drop();
    if (srv) fs.rmSync(srv.dir, { recursive: true, force: true });
  });

  it("plants a distinct value in every secret() field of every installed plugin", () => {
    const missing: string[] = [];
    for (const plugin of installedPlugins) {
      for (const p of secretPaths(plugin.config)) {
        const key = `${plugin.id}.${p}`;
        if (EXCLUSIVE[key]) continue;
        const section = config.plugins[plugin.id];
        // The demo plugin runs its own sandbox here; it has no secret config fields (its secret is an action input, planted below).
        if (section === undefined && plugin.id === "demo") continue;
        const values = valuesAt(section, p.split(".")).flatMap((v) => (typeof v === "object" && v ? Object.values(v) : [v]));
        if (!values.length || !values.every((v) => typeof v === "string" && planted.some((s) => v.includes(s)))) missing.push(key);
      }
    }
    for (const p of secretPaths(AlertsConfigSchema)) {
      const values = valuesAt(config.alerts, p.split("."));
      if (!values.length || !values.every((v) => typeof v === "string" && planted.includes(v))) missing.push(`alerts.${p}`);
    }
    expect(missing, "secret fields without a planted value (add them to this test's config)").toEqual([]);
    expect(new Set(planted).size).toBe(planted.length);
  });

  it("drives the planted values to every exit, then finds none of them anywhere", async () => {
    const everything = planted.join(" | ");
    // Run-now of the cron job first (a started run would refuse it): its endpoint echoes the bearer secret.
    expect(["succeeded", "failed"]).toContain((await runAction("cron.run-now", { job: "nightly" })).status);
    // A cron job that prints every secret it knows (and its Basic form) in its ping body.
    const cron = config.plugins.cron;
    const pingBody = `job output: ${everything}\nAuthorization: Basic ${Buffer.from(`grafana-reader:${config.plugins.prometheus.basicAuth.password}`).toString("base64")}`;
    expect((await post("/api/cron/nightly/fail", pingBody, { authorization: `Bearer ${cron.jobs.nightly.pingToken}`, "content-type": "text/plain", cookie: "" })).status).toBe(200);
    expect((await post(`/ping/${cron.jobs.nightly.pingToken}/nightly/start`, everything, { "content-type": "text/plain", cookie: "" })).status).toBe(200);

    // An alert whose summary holds them (a sender that echoes its environment).
    const alert = await post("/api/alerts/hook", { name: "LeakyAlert", summary: `firing: ${everything}` }, { authorization: `Bearer ${config.alerts.receivers.hook.token}`, cookie: "" });
    expect(alert.status, alert.text).toBeLessThan(300);

    // An incident whose title, note and report hold them (pasted by mistake).
    const created = await post("/api/incidents", { title: `Leak ${planted[0]} ${planted[1]}`, severity: "P2" });
    expect(created.status).toBe(201);
    const incidentId = created.json().id as string;
    expect((await post(`/api/incidents/${incidentId}/events`, { type: "note", text: `pasted: ${everything}` })).status).toBe(201);
    const report = await fetch(`${srv.baseUrl}/incidents/${incidentId}/report`, { method: "POST", headers: { cookie: admin }, body: new URLSearchParams({ intent: "report", summary: `summary ${everything}`, rootCause: `cause ${planted.at(-1)}` }) });
    expect(report.status).toBe(200);

    // Runs: a secret action input, a PromQL read (the echo carries the Basic header), and a backup
    // of the portal's own store (taken last, so it holds everything above).
    const rotated = await runAction("demo.rotate-key", { keyName: "api-signing", newSecret: plant("rotatedsecret") }, { confirm: "api-signing", incidentId });
    forms.push(planted.at(-1)!);
    expect(rotated.status).toBe("succeeded");
    expect((await runAction("prometheus.query", { promql: "up" })).status).toBe("succeeded");
    const backup = await runAction("backups.backup-now", { target: "portal" });
    expect(backup.status, JSON.stringify(backup)).toBe("succeeded");

    // Readings: let the probes read the echoing upstreams (and the sampler store them).
    await new Promise((r) => setTimeout(r, 5000));
    const probes = JSON.parse((await get("/api/probes")).text) as { probes?: { id: string }[] } | { id: string }[];
    const ids = (Array.isArray(probes) ? probes : (probes.probes ?? [])).map((p) => p.id);
    expect(ids.length).toBeGreaterThan(10);
    for (const id of ids) await get(`/api/probes/${encodeURIComponent(id)}`);
    await get(`/api/probes/http.echo/history?range=1h`);
    // The Basic header did come back from the upstream (the test is not vacuous).
    expect(echo.seen.some((s) => s.includes(`Basic ${basic}`))).toBe(true);
    // backups.gcp signed a token request with the planted key (its JSON was read, not refused).
    const grant = echo.seen.find((s) => s.startsWith("POST /token "))?.match(/assertion=([\w-]+\.[\w-]+)\.([\w-]+)/);
    expect(grant, "a JWT-bearer grant at the planted token_uri").toBeTruthy();
    expect(crypto.verify("sha256", Buffer.from(grant![1]!), crypto.createPublicKey(JSON.parse(config.plugins.backups.gcp.serviceAccountJson).private_key), Buffer.from(grant![2]!, "base64url"))).toBe(true);

    const controller = new AbortController();
    const stream = await fetch(`${srv.baseUrl}/api/probes/stream?${ids.slice(0, 40).map((id) => `v=${encodeURIComponent(id)}`).join("&")}`, { headers: { cookie: admin }, signal: controller.signal });
    const reader = stream.body!.getReader();
    let sse = "";
    const stop = setTimeout(() => controller.abort(), 4000);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        sse += Buffer.from(value).toString("utf8");
      }
    } catch {
      /* aborted on purpose */
    }
    clearTimeout(stop);
    expect(sse).toContain("event: reading");
    exits.push({ name: "SSE stream", text: sse });

    for (const id of runIds) {
      await get(`/runs/${id}`);
      await get(`/api/runs/${id}`);
    }
    for (const p of ["/", "/runbooks", "/incidents", `/incidents/${incidentId}`, `/incidents/${incidentId}/report`, `/incidents/${incidentId}/report.md`, "/reports", "/audit", "/admin/users", "/api/incidents", `/api/incidents/${incidentId}`, "/api/cron/nightly", "/audit/export?format=ndjson", "/audit/export?format=csv"]) {
      await get(p);
    }
    const nightly = JSON.parse((await get("/api/cron/nightly")).text);
    expect(JSON.stringify(nightly.runs)).toContain("[redacted]");

    // The store while the portal runs (the SQLite -wal holds the newest writes), then again after a
    // clean stop (the WAL checkpointed into the file), and the backup.
    const live = filesUnder(srv.dir).filter((f) => path.basename(f) !== "app-config.yaml");
    if (dialect === "sqlite") expect(live.some((f) => f.endsWith("opsdeck.sqlite-wal"))).toBe(true);
    for (const f of live) exits.push({ name: `${path.relative(srv.dir, f)} (running)`, text: fs.readFileSync(f) });
    await srv.stop();
    exits.push({ name: "log output", text: srv.output() });
    const files = filesUnder(srv.dir);
    expect(files.filter((f) => f.includes(`${path.sep}backups${path.sep}`)).length, "the portal backup's files").toBeGreaterThan(0);
    if (dialect === "sqlite") expect(files.some((f) => f.endsWith("opsdeck.sqlite"))).toBe(true);
    for (const f of files) {
      if (path.basename(f) === "app-config.yaml") continue; // the config itself holds them, by design
      exits.push({ name: path.relative(srv.dir, f), text: searchable(f) });
    }
    if (dialect === "postgres") {
      const dump = execFileSync("pg_dump", ["--no-owner", "-d", db.url.replace(/^postgres:\/\//, `postgres://${encodeURIComponent(process.env.PGUSER ?? process.env.USER ?? os.userInfo().username)}@`)], { maxBuffer: 512 * 1024 * 1024 });
      expect(dump.toString()).toContain("cron_runs");
      exits.push({ name: "pg_dump of the store", text: dump });
    }

    const hits: string[] = [];
    for (const exit of exits) {
      const bytes = Buffer.isBuffer(exit.text) ? exit.text : Buffer.from(exit.text);
      for (const s of forms) if (bytes.includes(Buffer.from(s))) hits.push(`${exit.name}: ${s.slice(0, 40)}`);
    }
    expect(exits.length).toBeGreaterThan(40);
    expect([...new Set(hits)]).toEqual([]);
  }, 300_000);
});
