import { describe, expect, it } from "vitest";
import { z } from "zod";
import { secret } from "../../../plugins/plugin-api";
import { MIN_SECRET_LENGTH, REDACTED, redactBySchema, scrub, scrubText, secretValuesOf } from "./index.server";

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
