import { describe, expect, it } from "vitest";
import { z } from "zod";
import { secret } from "../../../plugins/plugin-api";
import { liveScrubber, MIN_SECRET_LENGTH, REDACTED, redactBySchema, scrub, scrubText, secretValuesOf } from "./index.server";

describe("the one secret walker (defect 2: config and action inputs see the same secrets)", () => {
  it("finds secrets behind optional, nullable, default, catch, lazy, pipe, union, record, array and number schemas", () => {
    const tree: z.ZodType = z.lazy(() => z.object({ pin: secret(z.string()), children: z.array(tree).optional() }));
    const schema = z.object({
      plain: z.string(),
      opt: secret(z.string()).optional(),
      nul: secret(z.string()).nullable(),
      def: secret(z.string()).default("default-secret"),
      caught: secret(z.string()).catch("caught-fallback"),
      piped: secret(z.string()).pipe(z.string().min(1)),
      transformed: secret(z.string()).transform((s) => s.trim()),
      num: secret(z.number()),
      union: z.union([z.object({ a: secret(z.string()) }), z.number()]),
      rec: z.record(z.string(), secret(z.string())),
      list: z.array(z.object({ k: secret(z.string()) })),
      tree,
    });
    const input = {
      plain: "visible",
      opt: "opt-secret",
      nul: "nul-secret",
      def: "def-secret",
      caught: "caught-secret",
      piped: "piped-secret",
      transformed: "transformed-secret",
      num: 987654,
      union: { a: "union-secret" },
      rec: { Authorization: "Bearer rec-secret" },
      list: [{ k: "list-secret" }],
      tree: { pin: "root-pin", children: [{ pin: "child-pin" }] },
    };
    expect(redactBySchema(schema, input)).toEqual({
      plain: "visible",
      opt: REDACTED,
      nul: REDACTED,
      def: REDACTED,
      caught: REDACTED,
      piped: REDACTED,
      transformed: REDACTED,
      num: REDACTED,
      union: { a: REDACTED },
      rec: { Authorization: REDACTED },
      list: [{ k: REDACTED }],
      tree: { pin: REDACTED, children: [{ pin: REDACTED }] },
    });
    expect(secretValuesOf(schema, input).sort()).toEqual(
      ["opt-secret", "nul-secret", "def-secret", "caught-secret", "piped-secret", "transformed-secret", "987654", "union-secret", "Bearer rec-secret", "list-secret", "root-pin", "child-pin"].sort(),
    );
    expect(secretValuesOf(schema, schema.parse(input))).toContain("987654");
  });

  it("leaves a value with no secrets untouched (same object)", () => {
    const schema = z.object({ a: z.string(), b: z.array(z.number()) });
    const v = { a: "x", b: [1] };
    expect(redactBySchema(schema, v)).toBe(v);
    expect(secretValuesOf(schema, v)).toEqual([]);
  });
});

describe("the one scrubber (defect 2: one rule for every length and every exit)", () => {
  it("replaces secrets in strings, keys and nested values, longest first", () => {
    const secrets = ["sk_live_abcdef", "sk_live_abcdef_long"];
    expect(scrub({ msg: "auth failed for sk_live_abcdef_long and sk_live_abcdef", ["sk_live_abcdef"]: [1, "sk_live_abcdef"] }, secrets)).toEqual({
      msg: `auth failed for ${REDACTED} and ${REDACTED}`,
      [REDACTED]: [1, REDACTED],
    });
  });

  it("catches the JSON-escaped, URL-encoded and auth-header forms of a secret", () => {
    const s = 'pa"ss/wo rd';
    expect(scrubText(`json ${JSON.stringify(s)} url ${encodeURIComponent(s)}`, [s])).toBe(`json "${REDACTED}" url ${REDACTED}`);
    expect(scrubText("echo: tok_0123456789", ["Bearer tok_0123456789"])).toBe(`echo: ${REDACTED}`);
  });

  it(`uses one minimum length (${MIN_SECRET_LENGTH}) for every secret, whatever its source`, () => {
    expect(scrubText("pin 123 and key abcd", ["123", "abcd"])).toBe(`pin 123 and key ${REDACTED}`);
    expect(scrub({ a: "pin 123 abcd" }, ["123", "abcd"])).toEqual({ a: `pin 123 ${REDACTED}` });
  });
});

describe("derived forms of secrets (issue 25 defect 3)", () => {
  it("adds base64 of user:password for a secret password next to a user name, and scrubs the Basic header a server echoes", () => {
    const schema = z.object({ url: z.string(), basicAuth: z.object({ username: z.string(), password: secret(z.string()) }) });
    const config = { url: "http://prom:9090", basicAuth: { username: "grafana", password: "prom-pass-4411" } };
    const secrets = secretValuesOf(schema, config);
    const b64 = Buffer.from("grafana:prom-pass-4411").toString("base64");
    expect(secrets).toContain("prom-pass-4411");
    expect(secrets).toContain(b64);
    const echoed = JSON.stringify({ headers: { authorization: `Basic ${b64}` }, raw: `Authorization: Basic ${b64.replace(/=+$/, "")}` });
    const clean = scrubText(echoed, secrets);
    expect(clean).not.toContain(b64.replace(/=+$/, ""));
    expect(clean).toContain(`Basic ${REDACTED}`);
    // A user name next to a password that is not a secret adds nothing (no secret to derive from).
    expect(secretValuesOf(z.object({ smtp: z.object({ user: z.string(), pass: z.string() }) }), { smtp: { user: "a", pass: "not-marked" } })).toEqual([]);
  });

  it("takes the password of every URL with credentials, secret or not, as a bare value (raw, decoded and as Basic auth)", () => {
    const schema = z.object({ db: secret(z.string()), upstream: z.string(), headers: z.record(z.string(), z.string()) });
    const config = { db: "postgres://app:db%40pass-77@db.internal:5432/shop", upstream: "https://scraper:up-pass-99@metrics.internal/", headers: { Note: "see redis://:redis-pw-123@cache:6379/0" } };
    const secrets = secretValuesOf(schema, config);
    expect(secrets).toEqual(expect.arrayContaining(["postgres://app:db%40pass-77@db.internal:5432/shop", "db%40pass-77", "db@pass-77", "up-pass-99", "redis-pw-123", Buffer.from("scraper:up-pass-99").toString("base64")]));
    const text = "psql failed: password authentication failed (db@pass-77); select 'up-pass-99', 'redis-pw-123'";
    expect(scrubText(text, secrets)).toBe(`psql failed: password authentication failed (${REDACTED}); select '${REDACTED}', '${REDACTED}'`);
    // The URL itself stays readable where it is not a secret: only its password goes.
    expect(scrubText(config.upstream, secrets)).toBe(`https://scraper:${REDACTED}@metrics.internal/`);
  });

  it("takes the key-like fields of a secret JSON document (a service account's private key) and catches form-encoded forms", () => {
    const key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq\n-----END PRIVATE KEY-----\n";
    const json = JSON.stringify({ type: "service_account", project_id: "shop", private_key_id: "abc123def456", private_key: key, client_email: "x@shop.iam" });
    const secrets = secretValuesOf(z.object({ sa: secret(z.string()) }), { sa: json });
    expect(secrets).toEqual(expect.arrayContaining([json, key, "abc123def456"]));
    expect(secrets).not.toContain("shop");
    expect(scrubText(`signing with ${JSON.stringify(key)}`, secrets)).toBe(`signing with "${REDACTED}"`);
    expect(scrubText("q=a+secret+with+spaces&x=1", ["a secret with spaces"])).toBe(`q=${REDACTED}&x=1`);
  });

  it("a compiled scrubber scrubs the trailing start of a secret in cut text, and a live one follows a growing list", () => {
    const list = ["first-secret-1"];
    const live = liveScrubber([list]);
    expect(live.text("a first-secret-1 b later-secret-2")).toBe(`a ${REDACTED} b later-secret-2`);
    list.push("later-secret-2");
    expect(live.text("a first-secret-1 b later-secret-2")).toBe(`a ${REDACTED} b ${REDACTED}`);
    expect(live.cut("tail: later-sec")).toBe(`tail: ${REDACTED}`);
    expect(live.cut("tail: lat")).toBe("tail: lat");
  });
});

describe("the portal's secret list (issue 25 defect 3)", () => {
  it("holds the password of a URL in a core section (not marked secret) as a bare value", async () => {
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const { loadConfig } = await import("../config.server");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-secrets-cfg-"));
    try {
      fs.writeFileSync(path.join(dir, "app-config.yaml"), "app:\n  demo: true\n  baseUrl: https://opsdeck:am-url-pass-4242@ops.example.com\n");
      const config = loadConfig({ cwd: dir, env: {} });
      expect(config.secretValues).toContain("am-url-pass-4242");
      expect(config.secretValues).toContain(Buffer.from("opsdeck:am-url-pass-4242").toString("base64"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
