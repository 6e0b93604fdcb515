import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploysService } from "../deploys/index";
import { shopDeployments, startDeploysSandbox, type DeploysSandbox, type SandboxEnvVar } from "../deploys/sandbox";
import type { SiteConfig } from "../deploys/config";
import { providerFor } from "../deploys/sites";
import { checkedServices, checkServices, FingerprintHistory, localFingerprints } from "./check";
import { AppenvConfigSchema } from "./config";
import { parseDotenv, sourceFor } from "./sources";

const NOW = Date.now();
const built = NOW - 40 * 60_000;
const planted = (p: string) => `${p}_PLANTED_${Math.random().toString(36).slice(2, 12)}`;
const values: string[] = [];
const env = (key: string, value: string, extra: Partial<SandboxEnvVar> = {}): SandboxEnvVar => {
  values.push(value);
  return { key, value, updatedAt: NOW - 3 * 86_400_000, ...extra };
};
const shared = planted("whsec");

let sandbox: DeploysSandbox;
let sites: Record<string, SiteConfig>;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "appenv-"));
  const many = Array.from({ length: 130 }, (_, i) => env(`EXTRA_${i}`, planted(`extra${i}`)));
  sandbox = await startDeploysSandbox({
    sites: [
      { name: "web", provider: "vercel", key: "prj_web", deployments: shopDeployments("vercel", NOW), currentId: "dpl_shop4xxxx", env: [env("STRIPE_WEBHOOK_SECRET", shared, { updatedAt: NOW - 25 * 60_000 }), env("HMRC_ENV", "sandbox", { type: "plain" }), env("SUPABASE_SERVICE_ROLE_KEY", planted("role"), { type: "sensitive" })] },
      { name: "api", provider: "render", key: "srv-api", deployments: shopDeployments("render", NOW), currentId: "dep-shop4", env: [env("STRIPE_WEBHOOK_SECRET", planted("whsec")), env("MONGO_URI", `mongodb+srv://u:${planted("pw")}@h/db `), env("SENTRY_DNS", planted("dsn")), ...many] },
      { name: "jobs", provider: "railway", key: "svc-jobs", deployments: shopDeployments("railway", NOW), currentId: "a1b2c3d4-0004-shop", env: [env("STRIPE_WEBHOOK_SECRET", shared), env("PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV", "true")] },
      { name: "blog", provider: "netlify", key: "site-blog", deployments: shopDeployments("netlify", NOW), currentId: "6566shop4", env: [env("RESEND_API_KEY", ` re_${planted("key")}`, { updatedAt: NOW - 5 * 60_000 })] },
    ],
  });
  const common = { token: sandbox.token, apiBase: sandbox.url, recent: 10 };
  sites = {
    web: { provider: "vercel", projectId: "prj_web", ...common },
    api: { provider: "render", serviceId: "srv-api", ...common },
    jobs: { provider: "railway", tokenKind: "account", projectId: "prj-jobs", serviceId: "svc-jobs", environmentId: "env-prod", ...common },
    blog: { provider: "netlify", siteId: "site-blog", ...common },
  };
});
afterAll(async () => {
  await sandbox.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const service = () => deploysService(new Map(Object.entries(sites).map(([n, s]) => [n, providerFor(n, s)])), sites);

describe("each platform's env API, against the sandbox", () => {
  it("Vercel: the list holds encrypted values, each is decrypted by id; a sensitive one is never returned", async () => {
    const r = await service().envVars!("web");
    expect(r.vars.find((v) => v.name === "STRIPE_WEBHOOK_SECRET")).toMatchObject({ value: shared, updatedAt: NOW - 25 * 60_000 });
    expect(r.vars.find((v) => v.name === "HMRC_ENV")?.value).toBe("sandbox");
    expect(r.vars.find((v) => v.name === "SUPABASE_SERVICE_ROLE_KEY")).toMatchObject({ value: null });
    expect(r.settingsUrl).toContain("/settings/environment-variables");
    const list = await (await fetch(`${sandbox.url}/v10/projects/prj_web/env`, { headers: { authorization: `Bearer ${sandbox.token}` } })).json();
    expect(JSON.stringify(list)).not.toContain(shared);
  });

  it("Render: env-vars pages through its cursor (130 variables over 100 a page)", async () => {
    const r = await service().envVars!("api");
    expect(r.vars).toHaveLength(133);
    expect(r.vars.find((v) => v.name === "EXTRA_129")).toBeTruthy();
    expect(r.settingsUrl).toBe("https://dashboard.render.com/web/srv-api/env");
  });

  it("Railway: variables(projectId, environmentId, serviceId) is a name → value map", async () => {
    const r = await service().envVars!("jobs");
    expect(Object.fromEntries(r.vars.map((v) => [v.name, v.value]))).toEqual({ STRIPE_WEBHOOK_SECRET: shared, PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV: "true" });
    expect(r.settingsUrl).toContain("/variables?environmentId=env-prod");
  });

  it("Netlify: the account's env filtered to the site, the production context's value", async () => {
    const r = await service().envVars!("blog");
    expect(r.vars).toEqual([{ name: "RESEND_API_KEY", value: expect.stringMatching(/^ re_/), updatedAt: NOW - 5 * 60_000 }]);
  });

  it("a wrong token is said as authentication failed, without the token", async () => {
    const bad = { ...sites.api!, token: "wrong-token-123" } as SiteConfig;
    const svc = deploysService(new Map([["api", providerFor("api", bad)]]), { api: bad });
    await expect(svc.envVars!("api")).rejects.toThrow("Render: authentication failed (HTTP 401)");
  });
});

describe("a check of four services", () => {
  it("finds each seeded problem, in words, and keeps no value", async () => {
    const config = AppenvConfigSchema.parse({
      services: {
        web: { source: { site: "web" }, rules: { STRIPE_WEBHOOK_SECRET: { required: true, redeployAfterChange: true, matches: "stripe.webhookSecret" }, SUPABASE_SERVICE_ROLE_KEY: { required: true, noQuotes: true } }, presets: ["hmrc"] },
        api: { source: { site: "api" }, presets: ["mongodb", "sentry"], rules: { STRIPE_WEBHOOK_SECRET: { sameAs: "web.STRIPE_WEBHOOK_SECRET" } } },
        jobs: { source: { site: "jobs" }, presets: ["paddle"], rules: { STRIPE_WEBHOOK_SECRET: { sameAs: "web.STRIPE_WEBHOOK_SECRET" } } },
        blog: { source: { site: "blog" }, presets: ["resend"] },
      },
    });
    const fp = localFingerprints(tmp);
    const fingerprints = { of: fp.of, secret: (ref: string) => (ref === "stripe.webhookSecret" ? fp.of(shared) : null) };
    const svc = service();
    const result = await checkServices(checkedServices(config.services, (n, c) => sourceFor(n, c, svc)), { fingerprints, history: new FingerprintHistory(path.join(tmp, "h.json")), now: () => NOW, signal: new AbortController().signal });
    const problems = result.services.flatMap((s) => s.verdicts.filter((v) => v.verdict === "problem").map((v) => `${s.service}: ${v.detail}`));
    expect(problems).toEqual(
      expect.arrayContaining([
        "web: STRIPE_WEBHOOK_SECRET changed 15 min after the serving deployment was built: redeploy so it takes effect",
        'web: HMRC_ENV is not "production"',
        "web: HMRC_CLIENT_ID is not set",
        "api: MONGO_URI has a trailing space",
        "api: SENTRY_DNS is set, SENTRY_DSN is missing (likely a typo)",
        "api: api.STRIPE_WEBHOOK_SECRET differs from web.STRIPE_WEBHOOK_SECRET",
        "jobs: PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV is switched on in production; it must be unset or false there",
        "blog: RESEND_API_KEY has a leading space",
      ]),
    );
    const verdict = (s: string, name: string, rule: string) => result.services.find((x) => x.service === s)!.verdicts.find((v) => v.name === name && v.rule === rule)!;
    expect(verdict("jobs", "STRIPE_WEBHOOK_SECRET", "sameAs").verdict).toBe("ok");
    expect(verdict("web", "STRIPE_WEBHOOK_SECRET", "matches").verdict).toBe("ok");
    expect(verdict("web", "SUPABASE_SERVICE_ROLE_KEY", "noQuotes").verdict).toBe("unknown");
    expect(result.consistency.map((c) => `${c.service}.${c.name}: ${c.verdict}`)).toEqual(["web.STRIPE_WEBHOOK_SECRET: ok", "api.STRIPE_WEBHOOK_SECRET: problem", "jobs.STRIPE_WEBHOOK_SECRET: ok"]);

    const kept = JSON.stringify(result) + fs.readdirSync(tmp).map((f) => fs.readFileSync(path.join(tmp, f), "utf8")).join("\n");
    for (const v of values.filter((x) => x.length > 8)) expect(kept).not.toContain(v.trim());
  });

  it("fixing a variable on the platform and checking again turns it ok", async () => {
    const config = AppenvConfigSchema.parse({ services: { api: { source: { site: "api" }, presets: ["mongodb"] } } });
    const svc = service();
    const run = () => checkServices(checkedServices(config.services, (n, c) => sourceFor(n, c, svc)), { fingerprints: localFingerprints(null), history: new FingerprintHistory(null), now: Date.now, signal: new AbortController().signal });
    const before = (await run()).services[0]!.verdicts.find((v) => v.rule === "noSurroundingWhitespace")!;
    expect(before.verdict).toBe("problem");
    sandbox.setEnv("api", "MONGO_URI", "mongodb+srv://u:p@h/db");
    const after = (await run()).services[0]!.verdicts.find((v) => v.rule === "noSurroundingWhitespace")!;
    expect(after.verdict).toBe("ok");
  });

  it("a dotenv file is read as dotenv reads it; quotes left inside the value are found", async () => {
    const file = path.join(tmp, ".env");
    fs.writeFileSync(file, `# comment\nexport HMRC_ENV=production\nMONGO_URI="'mongodb://h/db'"\nPADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV=false # dev only\n`);
    expect(parseDotenv(fs.readFileSync(file, "utf8")).get("PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV")).toBe("false");
    const config = AppenvConfigSchema.parse({ services: { host: { source: { dotenv: file }, presets: ["mongodb", "paddle"], rules: { HMRC_ENV: { equals: "production" } } } } });
    const r = await checkServices(checkedServices(config.services, (n, c) => sourceFor(n, c, undefined)), { fingerprints: localFingerprints(null), history: new FingerprintHistory(null), now: Date.now, signal: new AbortController().signal });
    const by = (name: string, rule: string) => r.services[0]!.verdicts.find((v) => v.name === name && v.rule === rule)!.verdict;
    expect(by("MONGO_URI", "noQuotes")).toBe("problem");
    expect(by("HMRC_ENV", "equals")).toBe("ok");
    expect(by("PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV", "forbiddenIn")).toBe("ok");
  });

  it("a site source without the deploys plugin is that service's error, not the others'", async () => {
    const config = AppenvConfigSchema.parse({ services: { web: { source: { site: "web" } }, me: { source: { process: true }, rules: { PATH: { required: true } } } } });
    const r = await checkServices(checkedServices(config.services, (n, c) => sourceFor(n, c, undefined)), { fingerprints: localFingerprints(null), history: new FingerprintHistory(null), now: Date.now, signal: new AbortController().signal });
    expect(r.services[0]!.error).toContain("the deploys plugin is not configured");
    expect(r.services[1]!.verdicts[0]!.verdict).toBe("ok");
  });
});
