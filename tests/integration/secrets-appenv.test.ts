// Issue 32, the secrets test extended to appenv: a distinct value planted in every variable of a
// Vercel, Render, Railway and Netlify site (the deploys sandbox, each answering its platform's env
// API), read and checked by a running portal, then every exit is searched: pages, JSON, the SSE
// stream, the recheck run, the audit export, the log, the SQLite file and its -wal, the fingerprint
// history and a backup of the portal's store. Zero hits; the check itself must have read them.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import os from "node:os";
import { createOrUpdateUser } from "~/core/auth.server";
import { migrate, openStore } from "~/core/db/store.server";
import { shopDeployments, startDeploysSandbox, type DeploysSandbox, type SandboxEnvVar } from "../../plugins/deploys/sandbox";
import { startServer, type RunningServer } from "../helpers/server";

const RUN = crypto.randomBytes(3).toString("hex");
const planted: string[] = [];
const plant = (what: string, shape: (v: string) => string = (v) => v) => {
  const core = `plant${what}${RUN}${crypto.randomBytes(5).toString("hex")}`;
  planted.push(core, shape(core));
  return shape(core);
};
const NOW = Date.now();
const env = (key: string, value: string, extra: Partial<SandboxEnvVar> = {}): SandboxEnvVar => ({ key, value, updatedAt: NOW - 3 * 86_400_000, ...extra });

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []));
}
const searchable = (file: string) => {
  const bytes = fs.readFileSync(file);
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? zlib.gunzipSync(bytes) : bytes;
};

describe("planted environment values of every platform never leave the appenv check", () => {
  let sandbox: DeploysSandbox;
  let srv: RunningServer;
  let admin: string;
  const exits: { name: string; text: string | Buffer }[] = [];
  const get = async (p: string) => {
    const res = await fetch(`${srv.baseUrl}${p}`, { headers: { cookie: admin, accept: p.startsWith("/api/") ? "application/json" : "text/html" } });
    const text = await res.text();
    exits.push({ name: `GET ${p}`, text });
    return { status: res.status, text };
  };

  beforeAll(async () => {
    sandbox = await startDeploysSandbox({
      sites: [
        {
          name: "web", provider: "vercel", key: "prj_web", deployments: shopDeployments("vercel", NOW), currentId: "dpl_shop4xxxx",
          env: [
            env("STRIPE_WEBHOOK_SECRET", plant("vercelwh", (v) => `whsec_${v}`), { updatedAt: NOW - 5 * 60_000 }),
            env("NEXT_PUBLIC_SUPABASE_URL", plant("vercelplain", (v) => `https://${v}.supabase.co `), { type: "plain" }),
            env("SUPABASE_SERVICE_ROLE_KEY", plant("vercelsensitive"), { type: "sensitive" }),
            env("PADDLE_API_KEY", plant("vercelpaddle", (v) => `"${v}_sandbox"`)),
          ],
        },
        { name: "api", provider: "render", key: "srv-api", deployments: shopDeployments("render", NOW), currentId: "dep-shop4", env: [env("MONGO_URI", plant("rendermongo", (v) => `mongodb+srv://shop:${v}@h/db `)), env("STRIPE_WEBHOOK_SECRET", plant("renderwh", (v) => `whsec_${v}`)), env("SENTRY_DNS", plant("renderdsn", (v) => `https://${v}@o1.ingest.sentry.io/1`))] },
        { name: "jobs", provider: "railway", key: "svc-jobs", deployments: shopDeployments("railway", NOW), currentId: "a1b2c3d4-0004-shop", env: [env("HMRC_CLIENT_SECRET", plant("railwayhmrc", (v) => `${v}_test`)), env("HMRC_ENV", "sandbox"), env("PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV", plant("railwaybypass"))] },
        { name: "blog", provider: "netlify", key: "site-blog", deployments: shopDeployments("netlify", NOW), currentId: "6566shop4", env: [env("RESEND_API_KEY", plant("netlifyresend", (v) => ` re_${v}`)), env("CLOUDINARY_API_SECRET", plant("netlifycloudinary", (v) => `CHANGE_ME_${v}`))] },
      ],
    });
    const site = (s: Record<string, unknown>) => ({ ...s, token: sandbox.token, apiBase: sandbox.url });
    const config = {
      plugins: {
        deploys: {
          sites: {
            web: site({ provider: "vercel", projectId: "prj_web" }),
            api: site({ provider: "render", serviceId: "srv-api" }),
            jobs: site({ provider: "railway", projectId: "prj-jobs", serviceId: "svc-jobs", environmentId: "env-prod" }),
            blog: site({ provider: "netlify", siteId: "site-blog" }),
          },
        },
        appenv: {
          every: "2s",
          services: {
            web: { source: { site: "web" }, presets: ["stripe", "supabase", "paddle"] },
            api: { source: { site: "api" }, presets: ["mongodb", "sentry"], rules: { STRIPE_WEBHOOK_SECRET: { sameAs: "web.STRIPE_WEBHOOK_SECRET" } } },
            jobs: { source: { site: "jobs" }, presets: ["hmrc", "paddle"] },
            blog: { source: { site: "blog" }, presets: ["resend", "cloudinary"] },
          },
        },
        backups: { targets: { portal: { kind: "portal" } } },
      },
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-appenv-secrets-"));
    const databaseUrl = path.join(dir, "data", "opsdeck.sqlite");
    fs.mkdirSync(path.dirname(databaseUrl), { recursive: true });
    const store = await openStore(databaseUrl);
    await migrate(store);
    await createOrUpdateUser(store, { username: "admin", password: "test-password", roles: ["admin"] });
    await store.close();
    srv = await startServer({ dir, config: { ...config, app: { demo: false, dataDir: "./data" } }, env: { DATABASE_URL: databaseUrl, SESSION_SECRET: crypto.randomBytes(24).toString("hex"), OPSDECK_AUDIT_KEY: crypto.randomBytes(24).toString("hex"), LOG_LEVEL: "debug" } });
    const login = await fetch(`${srv.baseUrl}/login`, { method: "POST", body: new URLSearchParams({ username: "admin", password: "test-password", redirectTo: "/" }), redirect: "manual" });
    expect(login.status).toBe(302);
    admin = login.headers.get("set-cookie")!.split(";")[0]!;
  }, 180_000);

  afterAll(async () => {
    await srv?.stop();
    await sandbox?.stop();
    if (srv) fs.rmSync(srv.dir, { recursive: true, force: true });
  });

  it("reads and judges every platform's values, and no exit holds one", async () => {
    const runIds: string[] = [];
    const runAction = async (id: string, input: unknown) => {
      const res = await fetch(`${srv.baseUrl}/api/actions/${id}`, { method: "POST", headers: { cookie: admin, "content-type": "application/json" }, body: JSON.stringify({ input, idempotencyKey: `appenv-${id}-${RUN}` }) });
      const text = await res.text();
      exits.push({ name: `POST /api/actions/${id}`, text });
      expect(res.status, text).toBeLessThan(300);
      const { runId } = JSON.parse(text);
      runIds.push(runId);
      for (let i = 0; i < 150; i++) {
        const r = JSON.parse((await get(`/api/runs/${runId}`)).text);
        if (!["pending", "started"].includes(r.status)) return r;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`${id} did not finish`);
    };

    expect((await runAction("appenv.recheck", {})).status).toBe("succeeded");
    await new Promise((r) => setTimeout(r, 4000)); // the sampler stores a few readings

    // The check did read the values: each platform's value-dependent verdicts are there, in words.
    const detail = async (svc: string) => {
      const body = JSON.parse((await get(`/api/probes/appenv.${svc}`)).text);
      return JSON.stringify(body);
    };
    expect(await detail("web")).toContain("NEXT_PUBLIC_SUPABASE_URL has a trailing space");
    expect(await detail("web")).toContain("PADDLE_API_KEY is wrapped in quotes");
    expect(await detail("api")).toContain("MONGO_URI has a trailing space");
    expect(await detail("api")).toContain("SENTRY_DNS is set, SENTRY_DSN is missing (likely a typo)");
    expect(await detail("jobs")).toContain("HMRC_CLIENT_SECRET contains");
    expect(await detail("jobs")).toContain("PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV is switched on in production");
    expect(await detail("blog")).toContain("RESEND_API_KEY has a leading space");
    expect(await detail("blog")).toContain("CLOUDINARY_API_SECRET looks like a placeholder");
    expect(await detail("consistency")).toContain("api.STRIPE_WEBHOOK_SECRET differs from web.STRIPE_WEBHOOK_SECRET");

    const backup = await runAction("backups.backup-now", { target: "portal" });
    expect(backup.status, JSON.stringify(backup)).toBe("succeeded");

    const ids = ["appenv.web", "appenv.api", "appenv.jobs", "appenv.blog", "appenv.consistency"];
    for (const id of ids) await get(`/api/probes/${id}/history?range=1h`);
    const controller = new AbortController();
    const stream = await fetch(`${srv.baseUrl}/api/probes/stream?${ids.map((id) => `v=${encodeURIComponent(id)}`).join("&")}`, { headers: { cookie: admin }, signal: controller.signal });
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
    expect(sse).toContain("appenv.web");
    exits.push({ name: "SSE stream", text: sse });

    for (const id of runIds) await get(`/runs/${id}`);
    for (const p of ["/", "/api/probes", "/audit", "/audit/export?format=ndjson", "/audit/export?format=csv", "/admin/setup"]) await get(p);

    const live = filesUnder(srv.dir).filter((f) => path.basename(f) !== "app-config.yaml");
    expect(live.some((f) => f.endsWith("opsdeck.sqlite-wal"))).toBe(true);
    for (const f of live) exits.push({ name: `${path.relative(srv.dir, f)} (running)`, text: fs.readFileSync(f) });
    await srv.stop();
    exits.push({ name: "log output", text: srv.output() });
    const files = filesUnder(srv.dir);
    expect(files.filter((f) => f.includes(`${path.sep}backups${path.sep}`)).length, "the portal backup's files").toBeGreaterThan(0);
    expect(files.some((f) => f.endsWith("fingerprints.json")), "the fingerprint history").toBe(true);
    for (const f of files) if (path.basename(f) !== "app-config.yaml") exits.push({ name: path.relative(srv.dir, f), text: searchable(f) });

    // Each planted core, its full value as the platform holds it, trimmed, URL-encoded and JSON-escaped.
    const forms = [...new Set(planted.flatMap((s) => [s, s.trim(), encodeURIComponent(s), JSON.stringify(s).slice(1, -1)]))];
    const hits: string[] = [];
    for (const exit of exits) {
      const bytes = Buffer.isBuffer(exit.text) ? exit.text : Buffer.from(exit.text);
      for (const s of forms) if (bytes.includes(Buffer.from(s))) hits.push(`${exit.name}: ${s.slice(0, 40)}`);
    }
    expect(exits.length).toBeGreaterThan(20);
    expect([...new Set(hits)]).toEqual([]);
  }, 300_000);
});
