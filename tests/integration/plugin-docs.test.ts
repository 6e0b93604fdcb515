// Each plugin's docs page carries the key table its config schema gives, and every key says what
// it means: `npm test` fails when a schema gains a key the page does not describe.
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { installedPlugins } from "~/plugins.server";
import { loadConfig } from "~/core/config.server";
import { configKeys, renderKeyTable, TABLE_END, TABLE_START, undocumentedKeys, withKeyTable } from "~/core/plugins/config-docs.server";
import { HttpConfigSchema } from "../../plugins/http/config";
import { DurationSchema, secret } from "../../plugins/plugin-api";

const documented = installedPlugins.filter((p) => p.id !== "demo");
const pageOf = (id: string) => path.join("docs", "plugins", `${id}.md`);
const keysOf = (plugin: (typeof documented)[number]) => configKeys(plugin.config, `plugins.${plugin.id}`);

describe("docs/plugins/<id>.md", () => {
  it("covers every installed plugin", () => {
    expect(documented.length).toBeGreaterThan(10);
    expect(documented.map((p) => p.id).filter((id) => !fs.existsSync(pageOf(id)))).toEqual([]);
  });

  it.each(documented.map((p) => [p.id, p] as const))("%s: the key table is the one its schema gives, every key described", (_id, plugin) => {
    const keys = keysOf(plugin);
    expect(keys.length).toBeGreaterThan(0);
    expect(undocumentedKeys(keys)).toEqual([]);
    const page = fs.readFileSync(pageOf(plugin.id), "utf8");
    expect(page).toContain(TABLE_START);
    expect(withKeyTable(page, renderKeyTable(keys))).toBe(page);
  });

  it("each page has a YAML example, permissions, probes and actions besides the table", () => {
    const missing: string[] = [];
    for (const plugin of documented) {
      const page = fs.readFileSync(pageOf(plugin.id), "utf8");
      if (!page.includes(`\`\`\`yaml\nplugins:\n  ${plugin.id}:`)) missing.push(`${plugin.id}: YAML example under plugins.${plugin.id}`);
      if (!/^## .*(permission|privilege|scope|role|access|acl|token)/im.test(page)) missing.push(`${plugin.id}: a permissions section`);
      if (!/^## .*probes/im.test(page)) missing.push(`${plugin.id}: a probes section`);
    }
    expect(missing).toEqual([]);
  });
});

describe("each page's YAML example", () => {
  // Values shaped as the provider issues them, so the example passes the schema as written.
  const POSTGRES = "postgres://opsdeck:docs-example-password@db.example.internal:5432/shop";
  const env: Record<string, string> = {
    SESSION_SECRET: "docs-example-session-secret-0123456789",
    STRIPE_RESTRICTED_KEY: "rk_live_docsexample0123456789",
    STRIPE_WHSEC_SHOP: "whsec_docsexample0123456789",
    STRIPE_WEBHOOK_SECRET: "whsec_docsexample9876543210",
    SUPABASE_DB_URL: POSTGRES,
    SUPABASE_DB_RO_URL: POSTGRES,
    SHOP_DATABASE_URL: POSTGRES,
    DATABASE_URL: POSTGRES,
    REDIS_URL: "rediss://default:docs-example-password@eu1-xyz.upstash.io:6379",
    MONGO_URI: "mongodb+srv://opsdeck:docs-example-password@cluster0.example.mongodb.net",
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-docs-yaml-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(documented.map((p) => [p.id] as const))("%s: the example is a valid config of the plugin", (id) => {
    const page = fs.readFileSync(pageOf(id), "utf8");
    const example = /```yaml\n(plugins:\n {2}[a-z]+:\n[\s\S]*?)```/.exec(page)?.[1];
    expect(example, `no YAML example under plugins.${id}`).toBeTruthy();
    const file = path.join(dir, `${id}.yaml`);
    fs.writeFileSync(file, example!);
    const names = [...example!.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1]!);
    const exampleEnv = Object.fromEntries(names.map((n) => [n, env[n] ?? `docs-example-${n.toLowerCase()}-0123456789`]));
    const config = loadConfig({ cwd: dir, env: { ...exampleEnv, SESSION_SECRET: env.SESSION_SECRET, OPSDECK_CONFIG: file } });
    expect(Object.keys(config.pluginConfigs)).toEqual([id]);
  });
});

describe("the docs drift check", () => {
  const http = documented.find((p) => p.id === "http")!;
  const page = fs.readFileSync(pageOf("http"), "utf8");

  it("names a key added without a .describe() text, and the page's table no longer matches", () => {
    const grown = HttpConfigSchema.extend({ retries: z.number().int().default(2) });
    const keys = configKeys(grown, "plugins.http");
    expect(undocumentedKeys(keys)).toEqual(["plugins.http.retries"]);
    expect(withKeyTable(page, renderKeyTable(keys))).not.toBe(page);
    // The same check on the schema as installed passes, so the difference is the new key.
    expect(withKeyTable(page, renderKeyTable(keysOf(http)))).toBe(page);
  });

  it("a described key still changes the table: the page must be regenerated", () => {
    const grown = HttpConfigSchema.extend({ retries: z.number().int().default(2).describe("How many times a failed request is tried again.") });
    const keys = configKeys(grown, "plugins.http");
    expect(undocumentedKeys(keys)).toEqual([]);
    const table = renderKeyTable(keys);
    expect(table).toContain("| `plugins.http.retries` | number | `2` | How many times a failed request is tried again. |");
    expect(withKeyTable(page, table)).not.toBe(page);
  });

  it("finds texts through wrappers, and a described secret stays a secret", () => {
    const schema = z.object({
      a: z.string().describe("inner").optional(),
      b: z.string().optional().describe("outer"),
      c: z.string().default("x").describe("after default"),
      d: secret(z.string()).describe("described after secret()"),
      e: secret(z.string().describe("described inside secret()")).optional(),
      f: z.string().transform((v) => v.length),
      g: z.record(z.string(), secret(z.string())).default({}).describe("values are secrets"),
    });
    const keys = configKeys(schema);
    expect(Object.fromEntries(keys.map((k) => [k.key, [k.description, k.secret, k.required]]))).toEqual({
      a: ["inner", false, false],
      b: ["outer", false, false],
      c: ["after default", false, false],
      d: ["described after secret()", true, true],
      e: ["described inside secret()", true, false],
      f: [undefined, false, true],
      g: ["values are secrets", true, false],
    });
    expect(undocumentedKeys(keys)).toEqual(["f"]);
  });

  it("names durations, enums, lists and maps in the type column", () => {
    const keys = configKeys(
      z.object({
        every: DurationSchema.default("1m").describe("How often."),
        mode: z.enum(["count", "rows"]).describe("What to measure."),
        tables: z.array(z.string()).describe("Tables."),
        headers: z.record(z.string(), z.string()).describe("Headers."),
      }),
    );
    expect(keys.map((k) => [k.key, k.type, k.default ?? ""])).toEqual([
      ["every", "duration", '"1m"'],
      ["mode", '"count" \\| "rows"', ""],
      ["tables", "string[]", ""],
      ["headers", "map of string", ""],
    ]);
  });
});
