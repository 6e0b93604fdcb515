import { describe, expect, it } from "vitest";
import { AppEnvSchema, PaddleConfigSchema } from "../config";
import { checkAppEnv, parseEnvFile } from "./config-safety";

const spec = AppEnvSchema.parse({ envFile: "/unused" });

describe("the app's environment, by name", () => {
  it("reads dotenv lines with export, quotes and comments", () => {
    const env = parseEnvFile('# comment\nexport PADDLE_API_KEY="pdl_live_x"\nNEXT_PUBLIC_PADDLE_ENV=production # live\r\nEMPTY=\nPADDLE_WEBHOOK_SECRET_KEY=\'s3cret\'\n');
    expect([...env.entries()]).toEqual([
      ["PADDLE_API_KEY", "pdl_live_x"],
      ["NEXT_PUBLIC_PADDLE_ENV", "production"],
      ["EMPTY", ""],
      ["PADDLE_WEBHOOK_SECRET_KEY", "s3cret"],
    ]);
  });

  it("names missing or empty required variables and the bypass flag in production, never a value", () => {
    const env = new Map([
      ["PADDLE_API_KEY", "pdl_live_apikey_value"],
      ["PADDLE_WEBHOOK_SECRET_KEY", "  "],
      ["NEXT_PUBLIC_PADDLE_ENV", "Production"],
      ["PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV", "1"],
    ]);
    const problems = checkAppEnv(env, spec);
    expect(problems.map((p) => p.name)).toEqual(["PADDLE_WEBHOOK_SECRET_KEY", "PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV"]);
    expect(JSON.stringify(problems)).not.toContain("pdl_live_apikey_value");
    env.set("PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV", "false");
    env.set("PADDLE_WEBHOOK_SECRET_KEY", "x");
    expect(checkAppEnv(env, spec)).toEqual([]);
    env.set("PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV", "true");
    env.set("NEXT_PUBLIC_PADDLE_ENV", "sandbox");
    expect(checkAppEnv(env, spec)).toEqual([]);
  });
});

describe("plugins.paddle config", () => {
  it("accepts sandbox, production or a base URL, and names the key that is wrong", () => {
    for (const environment of ["sandbox", "production", "http://127.0.0.1:4010"]) {
      expect(PaddleConfigSchema.safeParse({ apiKey: "pdl_sdbx_apikey_0123456789", environment }).success, environment).toBe(true);
    }
    const bad = PaddleConfigSchema.safeParse({ apiKey: "pdl_sdbx_apikey_0123456789", environment: "staging", notificationSettingIds: ["ntf_01abc"] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join("."))).toEqual(["environment", "notificationSettingIds.0"]);
  });
});

describe("with the appenv plugin, config-safety reads its verdicts", () => {
  it("the deployed app's Paddle rules come from appenv (names and verdicts, no value); the dotenv file is not read", async () => {
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const { default: appenv } = await import("../../appenv/index");
    const { default: paddle } = await import("../index");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paddle-appenv-"));
    const file = path.join(dir, ".env");
    fs.writeFileSync(file, "PADDLE_API_KEY=pdl_live_apikey_valuenevershown1\nNEXT_PUBLIC_PADDLE_ENV=production\nPADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV=true\nOTHER=x\n");
    const log = { info() {}, warn() {}, error() {}, debug() {} } as never;
    const env = await appenv.setup({ config: appenv.config.parse({ services: { app: { title: "Shop app", source: { dotenv: file }, presets: ["paddle"] } } }), log, deps: { deploys: undefined }, demo: false, dataDir: dir });
    const service = env.provides!.appenv as import("../../appenv/api").AppenvService;
    const p = await paddle.setup({ config: paddle.config.parse({ apiKey: "pdl_live_apikey_x000000000", environment: "http://127.0.0.1:1", appEnv: { envFile: "/nonexistent/.env" } }), log, deps: { sql: undefined, appenv: service }, demo: false, dataDir: dir });
    const probe = p.probes!.find((x) => x.id === "config-safety")!;
    const r = await probe.read({ signal: new AbortController().signal, log, now: () => new Date() });
    expect(r.value).toBe(2);
    expect(r.summary).toContain("Shop app: PADDLE_WEBHOOK_SECRET_KEY is not set");
    expect(r.summary).toContain("Shop app: PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV is switched on in production; it must be unset or false there");
    expect(JSON.stringify(r)).not.toContain("valuenevershown1");
    expect(JSON.stringify(r)).not.toContain("OTHER");

    fs.writeFileSync(file, "PADDLE_API_KEY=pdl_live_apikey_valuenevershown1\nPADDLE_WEBHOOK_SECRET_KEY=pdl_ntfset_abc\nNEXT_PUBLIC_PADDLE_ENV=production\n");
    await env.actions!.find((a) => a.id === "recheck")!.run!({}, { signal: new AbortController().signal } as never);
    expect((await probe.read({ signal: new AbortController().signal, log, now: () => new Date() })).value).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
