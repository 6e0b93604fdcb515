import { describe, expect, it } from "vitest";
import { z } from "zod";
import { secret } from "../../../plugins/plugin-api";
import { canonicalJson, entryCanonical, entryHash } from "./chain.server";
import { REDACTED, redactBySchema, scrub as scrubDeep, secretValuesOf } from "../secrets/index.server";
import { csvCell } from "./query.server";

describe("canonical serialization", () => {
  it("sorts keys at every level and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ x: NaN })).toBe('{"x":null}');
  });

  it("the hand-written entry form equals canonicalJson of the same fields", () => {
    const e = { seq: 42, at: 1795699729689, actor: "ädmin", roles: "admin", action: "demo.x", target: 'quote"d', outcome: "started", details: '{"a":1}', incident_id: null, run_id: "run_1", prev_hash: "0".repeat(64) };
    expect(entryCanonical(e)).toBe(
      canonicalJson({ seq: e.seq, at: e.at, actor: e.actor, roles: e.roles, action: e.action, target: e.target, outcome: e.outcome, details: e.details, incidentId: null, runId: e.run_id, prevHash: e.prev_hash }),
    );
    expect(entryHash(e)).toMatch(/^[0-9a-f]{64}$/);
    expect(entryHash({ ...e, actor: "admin" })).not.toBe(entryHash(e));
  });
});

describe("redaction", () => {
  const schema = z.object({ name: z.string(), token: secret(z.string()).optional(), nested: z.object({ pw: secret(z.string()) }).optional(), list: z.array(z.object({ k: secret(z.string()) })).optional() });

  it("redacts every field the schema marks secret, at any depth", () => {
    const input = { name: "n", token: "tok-123456", nested: { pw: "hunter22" }, list: [{ k: "key-aaaa" }] };
    expect(redactBySchema(schema, input)).toEqual({ name: "n", token: REDACTED, nested: { pw: REDACTED }, list: [{ k: REDACTED }] });
    expect(secretValuesOf(schema, input).sort()).toEqual(["hunter22", "key-aaaa", "tok-123456"]);
  });

  it("scrubs known secret values from any string, keys included", () => {
    expect(scrubDeep({ msg: "auth failed for sk_live_abcdef", ["sk_live_abcdef"]: 1 }, ["sk_live_abcdef"])).toEqual({ msg: `auth failed for ${REDACTED}`, [REDACTED]: 1 });
  });
});

describe("CSV export cells", () => {
  it("quotes and defuses spreadsheet formulas", () => {
    expect(csvCell('a "b"')).toBe('"a ""b"""');
    expect(csvCell("=HYPERLINK(1)")).toBe(`"'=HYPERLINK(1)"`);
    expect(csvCell(null)).toBe('""');
  });
});

describe("canonicalJson on hostile nesting", () => {
  it("refuses 5,000-level nesting with a typed 400 error instead of overflowing the stack", async () => {
    const { canonicalJson, JsonTooDeepError, MAX_JSON_DEPTH } = await import("./chain.server");
    const deep = JSON.parse("[".repeat(5000) + "]".repeat(5000));
    let thrown: unknown;
    try {
      canonicalJson(deep);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(JsonTooDeepError);
    expect((thrown as { status: number }).status).toBe(400);
    const ok = JSON.parse('{"a":'.repeat(MAX_JSON_DEPTH - 1) + "1" + "}".repeat(MAX_JSON_DEPTH - 1));
    expect(canonicalJson(ok).length).toBeGreaterThan(MAX_JSON_DEPTH);
  });

  it("escapes control and bidi characters in labels", async () => {
    const { sanitizeLabel } = await import("./chain.server");
    expect(sanitizeLabel("demo.x\u202Etxt.exe\n")).toBe("demo.x\\u{202e}txt.exe\\u{000a}");
    expect(sanitizeLabel("plain-label_1")).toBe("plain-label_1");
  });
});
