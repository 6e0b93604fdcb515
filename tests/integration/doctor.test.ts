// Issue 27, deliverable 1: `npm run doctor -- --json` against a production-shaped config (every
// secret as ${ENV}, app.demo unset, SESSION_SECRET set) pointed at each plugin's sandbox: every
// plugin ok and exit 0; then each plugin broken one way: that check named with its fix, exit 1.
import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shopDeployments, startDeploysSandbox, type DeploysSandbox } from "../../plugins/deploys/sandbox";
import { startHttpSandbox } from "../../plugins/http/sandbox";
import { startPaddleSandbox, type PaddleSandbox } from "../../plugins/paddle/sandbox";
import { startPrometheus, type PrivatePrometheus } from "../../plugins/prometheus/server";
import { SHOP_ISSUES, startSentrySandbox, type SentrySandbox } from "../../plugins/sentry/sandbox";
import { startStripeSandbox, type StripeSandbox } from "../../plugins/stripe/sandbox";
import { startFirestoreSandbox, type FirestoreSandbox } from "../../plugins/firestore/sandbox";
import { startMongoSandbox, type MongoSandbox } from "../../plugins/mongodb/sandbox";
import { startDemoStatusPages } from "../../plugins/statuspage/sandbox";
import { seedDemoStorage, startSupabaseSandbox, type SupabaseSandbox } from "../../plugins/supabase/sandbox";
import { shopCatalog } from "../helpers/shop";

const ROOT = path.resolve(__dirname, "../..");
const REDIS_DB = 14;
const PG = "postgres://postgres@127.0.0.1:5432";
const SUFFIX = `${process.pid}_${Date.now().toString(36)}`;
const DB = `doctor_${SUFFIX}`;
const RO = `doctor_ro_${SUFFIX}`;

async function admin(sql: string, db = "test"): Promise<void> {
  const c = new pg.Client({ connectionString: `${PG}/${db}` });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

interface DoctorJson {
  plugins: { id: string; status: "ok" | "problem"; checks: { name: string; ok: boolean; detail: string; fix: string | null }[] }[];
}

/** Runs `npm run doctor -- --json` with a config file and environment, as a team would. */
function doctor(config: object, env: Record<string, string>, dir: string): Promise<{ code: number; json: DoctorJson; raw: string }> {
  const file = path.join(dir, `app-config-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, YAML.stringify(config));
  return new Promise((resolve, reject) => {
    execFile(
      "npm",
      ["run", "--silent", "doctor", "--", "--json"],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", OPSDECK_CONFIG: file, OPSDECK_DATA_DIR: path.join(dir, "data"), SESSION_SECRET: "doctor-test-session-secret-0123456789", ...env } as unknown as NodeJS.ProcessEnv, timeout: 90_000 },
      (err: Error | null, stdout: string, stderr: string) => {
        const code = err ? ((err as { code?: number }).code ?? -1) : 0;
        try {
          resolve({ code: typeof code === "number" ? code : -1, json: JSON.parse(stdout), raw: stdout });
        } catch {
          reject(new Error(`doctor did not print JSON (exit ${code}): ${stdout}\n${stderr}`));
        }
      },
    );
  });
}

describe("npm run doctor", () => {
  let dir: string;
  let stripe: StripeSandbox;
  let sentry: SentrySandbox;
  let deploys: DeploysSandbox;
  let paddle: PaddleSandbox;
  let httpBox: Awaited<ReturnType<typeof startHttpSandbox>>;
  let prom: PrivatePrometheus;
  let supa: SupabaseSandbox;
  let fire: FirestoreSandbox;
  let mongo: MongoSandbox;
  let trigger: http.Server;
  const triggered: string[] = [];
  let config: Record<string, any>;
  let env: Record<string, string>;
  const stops: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-doctor-"));
    stripe = await startStripeSandbox();
    sentry = await startSentrySandbox({ issues: SHOP_ISSUES, events: () => [] });
    const clock = Date.now();
    deploys = await startDeploysSandbox({ sites: [{ name: "shop", provider: "vercel", key: "prj_shop", deployments: shopDeployments("vercel", clock), currentId: "dpl_shop4xxxx" }] });
    paddle = await startPaddleSandbox({ destinations: [{ id: "ntfset_01main", description: "Main", destination: "http://127.0.0.1:9/webhooks/paddle", active: true, endpointSecretKey: "pdl_ntfset_main_secret_abcdef", subscribedEvents: ["transaction.completed"], trafficSource: "platform" }] });
    httpBox = await startHttpSandbox();
    prom = await startPrometheus({ dir: path.join(dir, "prometheus"), targets: [] });
    stops.push(() => stripe.stop(), () => sentry.stop(), () => deploys.stop(), () => paddle.stop(), () => httpBox.stop(), () => prom.stop());
    // PostgreSQL: a shop database with a login that can only read (supabase's read role, the backup target's server).
    await admin(`create database ${DB}`);
    stops.push(() => admin(`drop database if exists ${DB} with (force)`).then(() => admin(`drop role if exists ${RO}`)));
    await admin(`create role ${RO} login; grant pg_read_all_data to ${RO}`);
    await admin("create table orders (id text primary key, status text not null); insert into orders values ('wx-1', 'paid'), ('wx-2', 'confirmed')", DB);
    const storageDir = path.join(dir, "storage");
    seedDemoStorage(storageDir);
    supa = await startSupabaseSandbox({ databaseUrl: `${PG}/${DB}`, storageDir });
    fire = await startFirestoreSandbox({ catalog: shopCatalog });
    mongo = await startMongoSandbox({ data: { shop: { orders: [{ _id: "wx-1", status: "paid" }, { _id: "wx-2", status: "confirmed" }] } } });
    const status = await startDemoStatusPages();
    // The app's cron trigger: HEAD answers 405 (POST only) and a POST would run the job, which the doctor must not do.
    trigger = http.createServer((req, res) => {
      triggered.push(req.method ?? "?");
      res.statusCode = req.method === "POST" ? 200 : 405;
      res.end();
    });
    await new Promise<void>((r) => trigger.listen(0, "127.0.0.1", r));
    stops.push(() => supa.stop(), () => fire.stop(), () => mongo.stop(), () => status.stop(), () => new Promise((r) => trigger.close(r)));
    const redis = new Redis({ host: "127.0.0.1", port: 6379, db: REDIS_DB });
    await redis.set("rate_limit:doctor-test", "1", "EX", 600);
    await redis.quit();

    env = {
      STRIPE_SECRET_KEY: stripe.secretKey,
      SENTRY_AUTH_TOKEN: sentry.token,
      VERCEL_TOKEN: deploys.token,
      PADDLE_API_KEY: paddle.apiKey,
      REDIS_URL: `redis://127.0.0.1:6379/${REDIS_DB}`,
      SUPABASE_SERVICE_ROLE_KEY: supa.serviceRoleKey,
      SUPABASE_DB_URL: `${PG}/${DB}`,
      SUPABASE_READ_DB_URL: `postgres://${RO}@127.0.0.1:5432/${DB}`,
      SHOP_DATABASE_URL: `${PG}/${DB}`,
      MONGODB_URI: mongo.uri,
      CRON_PING_TOKEN: "cron-ping-token-0123456789",
      CRON_SECRET: "cron-secret-0123456789",
    };
    config = {
      plugins: {
        http: { checks: { shop: { url: `${httpBox.url}/api/health`, expectJson: { status: "healthy" } } } },
        stripe: { secretKey: "${STRIPE_SECRET_KEY}", apiBase: stripe.url, account: "eu" },
        prometheus: { url: prom.url, queries: { up: { promql: "up" } } },
        redis: { url: "${REDIS_URL}", keyPatterns: { "rate-limit": { pattern: "rate_limit:*" } } },
        sentry: { org: sentry.org, project: sentry.project, token: "${SENTRY_AUTH_TOKEN}", url: sentry.url },
        deploys: { sites: { shop: { provider: "vercel", projectId: "prj_shop", token: "${VERCEL_TOKEN}", apiBase: deploys.url } } },
        paddle: { apiKey: "${PADDLE_API_KEY}", environment: paddle.url, notificationSettingIds: ["ntfset_01main"] },
        supabase: {
          url: supa.url,
          serviceRoleKey: "${SUPABASE_SERVICE_ROLE_KEY}",
          databaseUrl: "${SUPABASE_DB_URL}",
          readOnlyDatabaseUrl: "${SUPABASE_READ_DB_URL}",
          rest: { tables: ["orders"] },
          storage: { buckets: ["invoices"] },
        },
        firestore: { projectId: fire.projectId, emulatorHost: fire.host, queries: { "paid-orders": { collection: "orders", filters: [["status", "==", "paid"]] } } },
        mongodb: { uri: "${MONGODB_URI}", database: "shop", queries: { "paid-orders": { query: 'db.orders.countDocuments({ status: "paid" })' } } },
        cron: {
          pingToken: "${CRON_PING_TOKEN}",
          jobs: { "auto-release": { schedule: "*/10 * * * *", timezone: "Europe/Berlin", endpoint: `http://127.0.0.1:${(trigger.address() as AddressInfo).port}/api/cron/auto-release`, secret: "${CRON_SECRET}" } },
        },
        backups: { targets: { shop: { kind: "postgres", connection: "${SHOP_DATABASE_URL}" } }, storage: { dir: path.join(dir, "backups") } },
        statuspage: { providers: { stripe: (status.config as any).providers.stripe, firebase: (status.config as any).providers.firebase } },
      },
    };
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(stops.map((s) => s()));
    const redis = new Redis({ host: "127.0.0.1", port: 6379, db: REDIS_DB });
    await redis.del("rate_limit:doctor-test");
    await redis.quit();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a production-shaped config pointed at the sandboxes: every plugin ok, exit 0, no secret in the output", async () => {
    const { code, json, raw } = await doctor(config, env, dir);
    expect(json.plugins.map((p) => p.id).sort()).toEqual(Object.keys(config.plugins).sort());
    for (const p of json.plugins) {
      expect(p.checks.length, p.id).toBeGreaterThan(0);
      expect(p.status, `${p.id}: ${JSON.stringify(p.checks)}`).toBe("ok");
      for (const c of p.checks) expect(c).toMatchObject({ ok: true, fix: null });
    }
    expect(code).toBe(0);
    expect(json.plugins.find((p) => p.id === "stripe")!.checks.map((c) => c.name)).toEqual(["account", "webhook endpoints"]);
    expect(json.plugins.find((p) => p.id === "redis")!.checks.find((c) => c.name.startsWith("keys rate-limit"))!.detail).toMatch(/1 key\(s\) match in db 14/);
    expect(json.plugins.find((p) => p.id === "supabase")!.checks.map((c) => c.name)).toEqual(["select 1 (read role)", "REST orders", "Storage"]);
    expect(json.plugins.find((p) => p.id === "supabase")!.checks[0]!.detail).toContain(`as ${RO}`);
    expect(json.plugins.find((p) => p.id === "backups")!.checks.find((c) => c.name === "target shop: pg_dump version")!.detail).toMatch(/pg_dump \(PostgreSQL\) \d+/);
    expect(json.plugins.find((p) => p.id === "mongodb")!.checks.find((c) => c.name === "count shop.orders")!.detail).toBe("2 document(s)");
    expect(json.plugins.find((p) => p.id === "firestore")!.checks.find((c) => c.name === "document read")!.detail).toContain("read orders");
    // The cron trigger was asked with HEAD only: the job itself never ran.
    expect(triggered.length).toBeGreaterThan(0);
    expect(triggered.every((m) => m === "HEAD")).toBe(true);
    for (const value of Object.values(env)) if (value.length > 8 && !/^(redis|mongodb|postgres):\/\//.test(value)) expect(raw).not.toContain(value);
  }, 120_000);

  /** Each plugin broken one way: [plugin, how, the check that must fail, what its detail and fix say]. */
  it("each plugin broken one way: that check named with its fix, the others ok, exit 1", async () => {
    // A restricted key without Webhook Endpoints: Read, answered in Stripe's own words.
    const restricted = http.createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url?.startsWith("/v1/account")) return void res.end(JSON.stringify({ id: "acct_1Restricted", object: "account", settings: { dashboard: { display_name: "Shop" } } }));
      res.statusCode = 403;
      res.end(JSON.stringify({ error: { type: "invalid_request_error", message: "The provided key 'rk_live_********************abcd' does not have the required permissions for this endpoint on account 'acct_1Restricted'. Having the 'rak_webhook_read' permission would allow this request to continue." } }));
    });
    await new Promise<void>((r) => restricted.listen(0, "127.0.0.1", r));
    const restrictedUrl = `http://127.0.0.1:${(restricted.address() as AddressInfo).port}`;
    const scopedSentry = await startSentrySandbox({ issues: SHOP_ISSUES, events: () => [], token: "sntrys_narrow_token_0002", scopes: ["project:read"] });
    try {
      const broken: Record<string, any> = structuredClone(config);
      broken.plugins.http.checks.shop.url = "https://no-such-host.invalid/api/health";
      broken.plugins.stripe = { secretKey: "rk_live_doctorrestrictedkey0000abcd", apiBase: restrictedUrl };
      broken.plugins.prometheus.url = "http://127.0.0.1:1";
      broken.plugins.redis.url = "redis://default:wrong-password-for-doctor@127.0.0.1:1/14";
      broken.plugins.sentry = { ...broken.plugins.sentry, url: scopedSentry.url, token: "sntrys_narrow_token_0002" };
      broken.plugins.deploys.sites.shop.projectId = "prj_gone";
      broken.plugins.paddle.apiKey = "pdl_sdbx_apikey_wrongwrongwrongwrong";
      // Supabase's reads as the superuser: the read role is refused, with the SQL that makes a fit one.
      delete broken.plugins.supabase.readOnlyDatabaseUrl;
      broken.plugins.firestore.projectId = "wildlife-exchange-staging";
      broken.plugins.mongodb.uri = "mongodb://127.0.0.1:1/?directConnection=true";
      delete broken.plugins.cron.pingToken;
      // A pg_dump 13 first on the PATH, against a newer server.
      const bin = path.join(dir, "old-pg-bin");
      fs.mkdirSync(bin, { recursive: true });
      fs.writeFileSync(path.join(bin, "pg_dump"), "#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.0'\n", { mode: 0o755 });
      const { code, json, raw } = await doctor(broken, { ...env, PATH: `${bin}:${process.env.PATH ?? ""}` }, dir);
      if (json.plugins[0]?.id === "config") throw new Error(raw);
      expect(code).toBe(1);
      const failed = (id: string) => {
        const p = json.plugins.find((x) => x.id === id)!;
        expect(p.status, id).toBe("problem");
        return p.checks.filter((c) => !c.ok);
      };
      expect(failed("http")).toEqual([expect.objectContaining({ name: "shop: DNS", detail: expect.stringMatching(/ENOTFOUND|not found/), fix: expect.stringContaining("plugins.http.checks.shop.url") })]);
      expect(failed("stripe")).toEqual([expect.objectContaining({ name: "webhook endpoints", detail: expect.stringContaining("rak_webhook_read"), fix: expect.stringContaining('"Webhook Endpoints: Read" (rak_webhook_read)') })]);
      expect(failed("prometheus")[0]).toMatchObject({ name: "build info", fix: expect.stringContaining("plugins.prometheus.url") });
      expect(failed("redis")).toEqual([expect.objectContaining({ name: "PING", detail: expect.stringContaining("refused the connection"), fix: expect.stringContaining("plugins.redis.url") })]);
      expect(failed("sentry")).toEqual([expect.objectContaining({ name: "token scopes", detail: expect.stringContaining("lacks org:read, event:read"), fix: expect.stringContaining("org:read, project:read, event:read") })]);
      expect(failed("deploys")).toEqual([expect.objectContaining({ name: "site shop: project", fix: expect.stringContaining("plugins.deploys.sites.shop.projectId") })]);
      expect(failed("paddle")).toEqual([expect.objectContaining({ name: "notification settings", detail: expect.stringContaining("authentication failed"), fix: expect.stringContaining("plugins.paddle.apiKey") })]);
      const supabase = failed("supabase");
      expect(supabase).toEqual([expect.objectContaining({ name: "select 1 (read role)", detail: expect.stringContaining("postgres is a superuser"), fix: expect.stringContaining("create role opsdeck_ro nologin; grant pg_read_all_data to opsdeck_ro;") })]);
      expect(failed("firestore")).toEqual([expect.objectContaining({ name: "document read", detail: expect.stringContaining("project wildlife-exchange-staging holds no document in orders"), fix: expect.stringContaining("plugins.firestore.projectId") })]);
      expect(failed("mongodb")).toEqual([expect.objectContaining({ name: "ping", fix: expect.stringContaining("plugins.mongodb.uri") })]);
      expect(failed("cron")).toEqual([expect.objectContaining({ name: "auto-release: ping token", fix: expect.stringContaining("plugins.cron.pingToken") })]);
      expect(failed("backups")).toEqual([expect.objectContaining({ name: "target shop: pg_dump version", detail: expect.stringMatching(/pg_dump \(PostgreSQL\) 13\.0 is older than the server \(PostgreSQL \d+\)/), fix: expect.stringContaining("postgresql-client-") })]);
      expect(json.plugins.find((p) => p.id === "statuspage")!.status).toBe("ok");
      expect(raw).not.toContain("wrong-password-for-doctor");
      expect(raw).not.toContain("rk_live_doctorrestrictedkey0000abcd");
      expect(raw).not.toContain("pdl_sdbx_apikey_wrongwrongwrongwrong");
    } finally {
      await scopedSentry.stop();
      await new Promise((r) => restricted.close(r));
    }
  }, 120_000);

  it("a config that does not load: the doctor says what the start would refuse, exit 1", async () => {
    const { code, json } = await doctor({ plugins: { stripe: { secretKey: "${STRIPE_SECRET_KEY}" } } }, {}, dir);
    expect(code).toBe(1);
    expect(json.plugins[0]!.checks[0]).toMatchObject({ name: "config", ok: false, detail: expect.stringContaining("STRIPE_SECRET_KEY is not set") });
  }, 60_000);
});
