// app-config.example.yaml loads through the real config loader with its variables set: every
// installed plugin configured, every secret given as ${ENV} and found in the portal's secret list.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { loadConfig } from "~/core/config.server";
import { installedPlugins } from "~/plugins.server";

const ROOT = path.resolve(__dirname, "../..");
const FILE = path.join(ROOT, "app-config.example.yaml");

function valueFor(name: string): string {
  if (name === "REDIS_URL") return "redis://default:example-redis-password@redis.internal:6379/0";
  if (name === "MONGO_URI") return "mongodb://opsdeck:example-mongo-password@mongo.internal:27017/?authSource=admin";
  // Values in the shapes providers issue them (the schemas check prefixes).
  if (name.startsWith("STRIPE_") && name.includes("KEY")) return "rk_live_example0123456789abcdef";
  if (name.startsWith("STRIPE_WH")) return "whsec_example0123456789abcdef";
  if (name.endsWith("_URL")) return `postgres://opsdeck:example-${name.toLowerCase()}-pw@db.internal:5432/app`;
  return `example-${name.toLowerCase().replace(/_/g, "-")}-0123456789abcdef`;
}

describe("app-config.example.yaml", () => {
  it("configures every installed plugin and loads with its variables set", () => {
    const text = fs.readFileSync(FILE, "utf8");
    const names = [...new Set([...YAML.stringify(YAML.parse(text)).matchAll(/\$\{([A-Z][A-Z0-9_]*)\}/g)].map((m) => m[1]))];
    expect(names.length).toBeGreaterThan(10);
    const env = Object.fromEntries(names.map((n) => [n, valueFor(n)]));
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-example-config-"));
    try {
      const config = loadConfig({ cwd, env: { ...env, SESSION_SECRET: "s".repeat(40), OPSDECK_CONFIG: FILE } as unknown as NodeJS.ProcessEnv });
      expect(config.demo).toBe(false);
      const expected = installedPlugins.map((p) => p.id).filter((id) => id !== "demo").sort();
      expect(Object.keys(config.pluginConfigs).sort()).toEqual(expected);
      // Every variable that fills a secret is scrubbed; none is written into the file itself.
      for (const n of ["STRIPE_RESTRICTED_KEY", "FIREBASE_PRIVATE_KEY", "SUPABASE_SERVICE_ROLE_KEY", "PADDLE_API_KEY", "SENTRY_AUTH_TOKEN", "OPSDECK_AUDIT_KEY"]) {
        expect(names).toContain(n);
        expect(config.secretValues).toContain(env[n]);
      }
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});
