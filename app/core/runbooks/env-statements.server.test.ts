import { describe, expect, it } from "vitest";
import { checklistVariable, envStatementInShell, envStatementsIn, listedVariable } from "./env-statements.server";

const rules = (text: string, subject?: string) => envStatementsIn(text, subject).map((s) => [s.name, s.rules]);

describe("environment statements as written", () => {
  it("reads the forms the seeds use", () => {
    expect(rules("Dev-only: `PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV` must be unset/false in production")).toEqual([["PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV", ["forbiddenIn"]]]);
    expect(rules("`HMRC_ENV` must be `production`")).toEqual([["HMRC_ENV", ["equals"]]]);
    expect(rules('Check HMRC_ENV is "production" not "test"')).toEqual([["HMRC_ENV", ["equals"]]]);
    expect(rules("Verify `STRIPE_SECRET_KEY` is set in production")).toEqual([["STRIPE_SECRET_KEY", ["required"]]]);
    expect(rules("Solution: Verify `NEXT_PUBLIC_SUPABASE_ANON_KEY` is set correctly")).toEqual([["NEXT_PUBLIC_SUPABASE_ANON_KEY", ["required"]]]);
    expect(rules("In the deployment environment (e.g. Render → Environment), set `CLOUDINARY_API_SECRET` to that value. Ensure no leading/trailing spaces or line breaks.")).toEqual([
      ["CLOUDINARY_API_SECRET", ["noSurroundingWhitespace"]],
    ]);
  });
  it("takes the previous item's variable for a sentence about 'it', not the example after e.g.", () => {
    const text = "Ensure it is set to a full connection string that **starts with** `mongodb+srv://` (Atlas) or `mongodb://` (self-hosted). No placeholder (e.g. `CHANGE_ME_MONGO_URI`), no extra quotes, no leading/trailing spaces.";
    expect(rules(text, "MONGO_URI")).toEqual([["MONGO_URI", ["startsWith", "noPlaceholder", "noQuotes", "noSurroundingWhitespace"]]]);
    expect(envStatementsIn(text, "MONGO_URI")[0]!.text).toContain('must start with "mongodb+srv://" or "mongodb://"');
    // Without a subject "it" is nobody: nothing is offered.
    expect(rules(text)).toEqual([]);
  });
  it("offers nothing for prose that merely names a variable", () => {
    for (const text of [
      "Set `SENTRY_DSN` in Railway",
      "Verify `STRIPE_WEBHOOK_SECRET` matches Stripe Dashboard",
      "Ensure `CLOUDINARY_CLOUD_NAME`, `CLOUDINARY_API_KEY`, and `CLOUDINARY_API_SECRET` on Render all match the Cloudinary Dashboard.",
      "Check: `NEXT_PUBLIC_SUPABASE_URL` and `SUPABASE_SERVICE_ROLE_KEY`",
      "The `STRIPE_SECRET_KEY` must be rotated yearly; it is set by the platform team.",
      "API returns `CLOUDINARY_ERROR` with message like \"Invalid Signature\".",
      "Keep no placeholder text in the docs, and no trailing spaces in YAML.",
    ])
      expect(rules(text), text).toEqual([]);
  });
  it("reads a variable listed under 'Env vars:', a shell echo with its expected value and an env checklist line", () => {
    expect(listedVariable("`PADDLE_API_KEY`", "Env vars:")?.rules).toBe("any");
    expect(listedVariable("`RESEND_FROM_EMAIL` (or `RESEND_FROM`)", "Environment variables")?.name).toBe("RESEND_FROM_EMAIL");
    expect(listedVariable("`RESEND_API_KEY`", "Email delivery:")).toBeNull();
    expect(listedVariable("`PADDLE_API_KEY` is rotated monthly", "Env vars:")).toBeNull();
    expect(envStatementInShell('echo $HMRC_ENV  # Must be "production"')).toMatchObject({ name: "HMRC_ENV", rules: ["equals"] });
    expect(envStatementInShell("echo $HMRC_ENV")).toBeNull();
    expect(checklistVariable("STRIPE_SECRET_KEY=sk_live_...")).toMatchObject({ name: "STRIPE_SECRET_KEY", rules: "any" });
    expect(checklistVariable("npm run build")).toBeNull();
  });
});

describe("host-less health paths as written", async () => {
  const { hostlessHealthPath } = await import("./live-blocks.server");
  it("reads the method, curl and base-variable forms, and refuses what is no health path", () => {
    expect(hostlessHealthPath("GET /api/auth/health")).toBe("/api/auth/health");
    expect(hostlessHealthPath("/api/health")).toBe("/api/health");
    expect(hostlessHealthPath("curl $APP_URL/api/health")).toBe("/api/health");
    expect(hostlessHealthPath('curl -fsS "${API_BASE_URL}/healthz"')).toBe("/healthz");
    expect(hostlessHealthPath("GET /status")).toBe("/status");
    for (const t of ["/status", "/ping", "POST /api/health", "GET /api/orders", "/api/health-report", "curl https://x.example/api/health", "GET /api/documents/:id"]) expect(hostlessHealthPath(t), t).toBeNull();
  });
});
