import { describe, expect, it } from "vitest";
import { AppenvConfigSchema } from "./config";
import { rulesOf } from "./presets";
import { checkRedeploy, checkRequired, checkValueRules, editDistance, type ReadVariable } from "./rules";

const v = (value: string | null, extra: Partial<ReadVariable> = {}): ReadVariable => ({ value, updatedAt: null, ...extra });
const one = (rule: Parameters<typeof checkValueRules>[1], value: ReadVariable | undefined, env = "production") => {
  const out = checkValueRules("X", rule, value, env);
  expect(out).toHaveLength(1);
  return out[0]!;
};

describe("appenv rules", () => {
  it("required: set is ok, missing is a problem, a near name is named as the likely typo", () => {
    expect(checkRequired("STRIPE_WEBHOOK_SECRET", ["STRIPE_WEBHOOK_SECRET"]).verdict).toBe("ok");
    expect(checkRequired("STRIPE_WEBHOOK_SECRET", ["OTHER"])).toMatchObject({ verdict: "problem", detail: "STRIPE_WEBHOOK_SECRET is not set" });
    expect(checkRequired("STRIPE_WEBHOOK_SECRET", ["STRIPE_WEBHOOK_SECERT"]).detail).toBe("STRIPE_WEBHOOK_SECERT is set, STRIPE_WEBHOOK_SECRET is missing (likely a typo)");
    expect(checkRequired("SENTRY_DSN", ["SENTRY_DNS"]).detail).toContain("SENTRY_DNS is set");
    // Case matters: a lower-case name is a different variable, and within distance.
    expect(checkRequired("MONGO_URI", ["MONGO_URL"]).detail).toContain("MONGO_URL is set");
    expect(editDistance("SECERT", "SECRET")).toBe(1);
    expect(editDistance("ABCDEFG", "XYZ")).toBeGreaterThan(2);
  });

  it("forbiddenIn: unset or false passes, anything else in that environment is a problem; other environments are not judged", () => {
    const rule = { forbiddenIn: ["production" as const] };
    expect(one(rule, undefined).verdict).toBe("ok");
    expect(one(rule, v("false")).verdict).toBe("ok");
    expect(one(rule, v("0")).verdict).toBe("ok");
    expect(one(rule, v("true"))).toMatchObject({ verdict: "problem", detail: "X is switched on in production; it must be unset or false there" });
    expect(checkValueRules("X", rule, v("true"), "development")).toEqual([]);
  });

  it("equals and oneOf", () => {
    expect(one({ equals: "production" }, v("production")).verdict).toBe("ok");
    expect(one({ equals: "production" }, v("sandbox"))).toMatchObject({ verdict: "problem", detail: 'X is not "production"' });
    expect(one({ oneOf: ["a", "b"] }, v("b")).verdict).toBe("ok");
    expect(one({ oneOf: ["a", "b"] }, v("c")).verdict).toBe("problem");
  });

  it("startsWith (one or several prefixes) and pattern", () => {
    expect(one({ startsWith: ["mongodb://", "mongodb+srv://"] }, v("mongodb+srv://h/db")).verdict).toBe("ok");
    expect(one({ startsWith: ["mongodb://", "mongodb+srv://"] }, v("CHANGE_ME_MONGO_URI")).detail).toBe('X does not start with "mongodb://" or "mongodb+srv://"');
    expect(one({ pattern: "^re_[A-Za-z0-9]+$" }, v("re_abc")).verdict).toBe("ok");
    expect(one({ pattern: "^re_[A-Za-z0-9]+$" }, v("re abc")).verdict).toBe("problem");
  });

  it("notContains is case-insensitive", () => {
    expect(one({ notContains: ["test", "sandbox", "demo"] }, v("sk_TEST_1")).detail).toBe('X contains "test": not a production credential');
    expect(one({ notContains: ["test"] }, v("sk_live_1")).verdict).toBe("ok");
  });

  it("noSurroundingWhitespace names leading, trailing spaces and line breaks", () => {
    expect(one({ noSurroundingWhitespace: true }, v("abc")).verdict).toBe("ok");
    expect(one({ noSurroundingWhitespace: true }, v("abc ")).detail).toBe("X has a trailing space");
    expect(one({ noSurroundingWhitespace: true }, v(" abc")).detail).toBe("X has a leading space");
    expect(one({ noSurroundingWhitespace: true }, v("ab\nc")).detail).toBe("X has a line break");
  });

  it("noPlaceholder catches CHANGE_ME, xxx, <…>, your-…, […], an ellipsis", () => {
    for (const p of ["CHANGE_ME_MONGO_URI", "sk_live_xxx", "<your key>", "your-api-key", "[Production Client ID]", "pk_live_...", "whsec_…"]) expect(one({ noPlaceholder: true }, v(p)).verdict, p).toBe("problem");
    expect(one({ noPlaceholder: true }, v("sk_live_51HqLyjWDarjtT1zdp7dc")).verdict).toBe("ok");
  });

  it("noQuotes", () => {
    expect(one({ noQuotes: true }, v('"mongodb://h"')).verdict).toBe("problem");
    expect(one({ noQuotes: true }, v("'x'")).verdict).toBe("problem");
    expect(one({ noQuotes: true }, v("mongodb://h")).verdict).toBe("ok");
  });

  it("a value the platform does not return is not judged, and says why", () => {
    expect(one({ startsWith: "whsec_" }, v(null, { unreadable: "a sensitive variable" }))).toMatchObject({ verdict: "unknown", detail: "X: value not readable (a sensitive variable)" });
  });

  it("redeployAfterChange: changed after the serving deployment was built is a problem", () => {
    const built = Date.parse("2026-01-01T10:00:00Z");
    expect(checkRedeploy("X", built + 25 * 60_000, built, "platform")).toMatchObject({ verdict: "problem", detail: "X changed 25 min after the serving deployment was built: redeploy so it takes effect" });
    expect(checkRedeploy("X", built - 1, built, "platform").verdict).toBe("ok");
    expect(checkRedeploy("X", null, built, "observed").verdict).toBe("unknown");
  });

  it("no verdict ever carries the value", () => {
    const secret = " sk_test_CHANGE_ME_9f8e7d6c5b4a ";
    const all = checkValueRules("X", { equals: "a", oneOf: ["b"], startsWith: "c", pattern: "^d$", notContains: ["test"], noSurroundingWhitespace: true, noPlaceholder: true, noQuotes: true }, v(secret), "production");
    expect(all).toHaveLength(8);
    for (const verdict of all) expect(JSON.stringify(verdict)).not.toContain("9f8e7d6c5b4a");
  });

  it("presets merge in order and a service's own rule adds to them; an unknown preset is refused by name", () => {
    const rules = rulesOf(["mongodb", "paddle"], { MONGO_URI: { required: false } });
    expect(rules.MONGO_URI).toMatchObject({ required: false, startsWith: ["mongodb://", "mongodb+srv://"], noPlaceholder: true });
    expect(rules.PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV).toEqual({ forbiddenIn: ["production"] });
    const bad = AppenvConfigSchema.safeParse({ services: { api: { source: { process: true }, presets: ["strpe"] } } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.message).toContain('unknown preset "strpe"');
    const badRef = AppenvConfigSchema.safeParse({ services: { api: { source: { process: true }, rules: { X: { sameAs: "nodot" } } } } });
    expect(badRef.error!.issues[0]!.message).toBe("sameAs is <service>.<NAME>");
  });
});
