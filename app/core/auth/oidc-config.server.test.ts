import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../config.server";

function load(config: Record<string, unknown>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-oidc-cfg-"));
  fs.writeFileSync(path.join(dir, "app-config.yaml"), YAML.stringify(config));
  try {
    return loadConfig({ cwd: dir, env: { SESSION_SECRET: "s".repeat(32) } });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function problems(config: Record<string, unknown>): string[] {
  try {
    load(config);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

const oidc = { issuer: "https://login.example.com", clientId: "opsdeck", clientSecret: "a-client-secret-123" };

describe("auth.oidc config", () => {
  it("fills the defaults and counts the client secret among the secrets to scrub", () => {
    const cfg = load({ app: { baseUrl: "https://ops.example.com" }, auth: { oidc } });
    expect(cfg.auth.oidc).toMatchObject({ scopes: ["openid", "profile", "email"], groupsClaim: "groups", roleMapping: {}, defaultRoles: [], allowedDomains: [], displayName: "single sign-on" });
    expect(cfg.auth.oidc!.usernameClaim).toBeUndefined();
    expect(cfg.auth.local).toBe(true);
    expect(cfg.secretValues).toContain("a-client-secret-123");
  });

  it("leaves everything as it was when auth.oidc is absent", () => {
    const cfg = load({});
    expect(cfg.auth.oidc).toBeUndefined();
    expect(cfg.auth.local).toBe(true);
  });

  it("names each wrong key at start", () => {
    expect(problems({ app: { baseUrl: "https://ops.example.com" }, auth: { oidc: { ...oidc, issuer: "http://login.example.com", clientSecret: "short", scopes: ["profile"], roleMapping: { ops: ["root"] } } } })).toEqual([
      "auth.oidc.issuer: must be an https URL (http only on 127.0.0.1 or localhost)",
      "auth.oidc.clientSecret: must be the client secret the IdP issued (at least 8 characters)",
      'auth.oidc.scopes: must include "openid"',
      expect.stringMatching(/^auth\.oidc\.roleMapping\.ops\.0: /),
    ]);
    expect(problems({ auth: { oidc } })).toEqual(["app.baseUrl: required with auth.oidc (the redirect URI is <app.baseUrl>/auth/oidc/callback)"]);
    expect(problems({ auth: { local: false } })).toEqual(["auth.local: false needs auth.oidc or auth.trustedProxy, or nobody but break-glass users can sign in"]);
    expect(problems({ app: { baseUrl: "https://ops.example.com" }, auth: { oidc: { ...oidc, clientSecret: undefined } } })).toEqual(["auth.oidc.clientSecret: is required"]);
  });

  it("accepts an http issuer on this machine (a local IdP or a test)", () => {
    expect(load({ app: { baseUrl: "http://127.0.0.1:3000" }, auth: { oidc: { ...oidc, issuer: "http://127.0.0.1:9999" } } }).auth.oidc!.issuer).toBe("http://127.0.0.1:9999");
  });
});
