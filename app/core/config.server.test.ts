import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.server";
import { MIN_SECRET_LENGTH, scrubText } from "./secrets/index.server";

function withConfig(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-cfg-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("starts in demo mode with no config file at all", () => {
    const cwd = withConfig({});
    fs.mkdirSync(path.join(cwd, "runbooks", "examples"), { recursive: true });
    const cfg = loadConfig({ cwd, env: {} });
    expect(cfg.demo).toBe(true);
    expect(cfg.server.port).toBe(3000);
    expect(cfg.runbooks.dir).toBe("./runbooks/examples");
  });

  it("keeps ./runbooks in demo mode where the checkout has no examples folder", () => {
    expect(loadConfig({ cwd: withConfig({}), env: {} }).runbooks.dir).toBe("./runbooks");
  });

  it("serves the team's ./runbooks outside demo mode, and a named folder in demo mode", () => {
    const cwd = withConfig({ "app-config.yaml": "plugins:\n  http:\n    checks: {}\n" });
    expect(loadConfig({ cwd, env: { SESSION_SECRET: "x".repeat(32) } }).runbooks.dir).toBe("./runbooks");
    expect(loadConfig({ cwd: withConfig({ "app-config.yaml": "runbooks:\n  dir: ./ours\n" }), env: {} }).runbooks.dir).toBe("./ours");
    expect(loadConfig({ cwd: withConfig({}), env: { OPSDECK_RUNBOOKS_DIR: "/srv/runbooks" } }).runbooks.dir).toBe("/srv/runbooks");
  });

  it("names the key of a bad plugin value", () => {
    const cwd = withConfig({ "app-config.yaml": "plugins:\n  stripe:\n    secretKey: nope\n" });
    expect(problemsOf(() => loadConfig({ cwd, env: { SESSION_SECRET: "x".repeat(32) } }))).toEqual([
      'plugins.stripe.secretKey: must start with "sk_" (or "rk_" for a restricted key)',
    ]);
  });

  it("lists every problem, one line each, and rejects unknown keys and plugins", () => {
    const cwd = withConfig({ "app-config.yaml": "server:\n  port: 99999\n  prot: 1\nplugins:\n  nosuch: {}\n" });
    const problems = problemsOf(() => loadConfig({ cwd, env: {} }));
    expect(problems.some((p) => p.startsWith("server.port:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("server:") && p.includes('"prot"'))).toBe(true);
  });

  it("substitutes ${ENV} and overlays app-config.local.yaml", () => {
    const cwd = withConfig({
      "app-config.yaml": "plugins:\n  stripe:\n    secretKey: ${STRIPE_KEY}\n    account: main\n",
      "app-config.local.yaml": "plugins:\n  stripe:\n    account: local\n",
    });
    const cfg = loadConfig({ cwd, env: { STRIPE_KEY: "sk_test_abc123", SESSION_SECRET: "s".repeat(32) } });
    expect(cfg.demo).toBe(false);
    expect(cfg.pluginConfigs.stripe).toMatchObject({ secretKey: "sk_test_abc123", account: "local" });
    expect(cfg.secretValues).toContain("sk_test_abc123");
    expect(scrubText("key is sk_test_abc123", cfg.secretValues)).toBe("key is [redacted]");
  });

  it("names a missing environment variable", () => {
    const cwd = withConfig({ "app-config.yaml": "plugins:\n  stripe:\n    secretKey: ${STRIPE_KEY}\n" });
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))).toEqual(["plugins.stripe.secretKey: environment variable STRIPE_KEY is not set"]);
  });

  it("requires SESSION_SECRET outside demo mode", () => {
    const cwd = withConfig({ "app-config.yaml": "plugins:\n  stripe:\n    secretKey: sk_test_1234\n" });
    expect(problemsOf(() => loadConfig({ cwd, env: {} }))[0]).toMatch(/^SESSION_SECRET: required outside demo mode/);
  });

  it("reads the file named by OPSDECK_CONFIG instead", () => {
    const cwd = withConfig({ "other.yaml": "runbooks:\n  dir: ./elsewhere\n", "app-config.yaml": "runbooks:\n  dir: ./no\n" });
    expect(loadConfig({ cwd, env: { OPSDECK_CONFIG: "other.yaml" } }).runbooks.dir).toBe("./elsewhere");
    expect(loadConfig({ cwd, env: { OPSDECK_RUNBOOKS_DIR: "/x" } }).runbooks.dir).toBe("/x");
  });

  it("config secrets come from the one walker with the one minimum length: a shorter secret stops the start (defect 2)", () => {
    const cwd = withConfig({
      "app-config.yaml": "plugins:\n  http:\n    checks:\n      api:\n        url: https://status.example.com/health\n        headers:\n          X-Api-Key: abc\n          Authorization: Bearer tok_long_enough\n",
    });
    expect(problemsOf(() => loadConfig({ cwd, env: { SESSION_SECRET: "s".repeat(32) } }))).toEqual([`plugins.http: a secret value is shorter than ${MIN_SECRET_LENGTH} characters; it could not be scrubbed from text`]);
    const ok = withConfig({ "app-config.yaml": "plugins:\n  http:\n    checks:\n      api:\n        url: https://status.example.com/health\n        headers:\n          X-Api-Key: abcd\n" });
    const cfg = loadConfig({ cwd: ok, env: { SESSION_SECRET: "s".repeat(32) } });
    expect(cfg.secretValues).toContain("abcd");
    // The same rule as every other exit: text scrubbing and deep scrubbing agree on it.
    expect(scrubText("key abcd", cfg.secretValues)).toBe("key [redacted]");
  });
});
