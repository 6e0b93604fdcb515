import { describe, expect, it } from "vitest";
import type { AppenvService, RuleName } from "../../../plugins/appenv/api";
import type { PluginRegistry } from "../plugins/registry.server";
import { applySuggestions, suggestForText } from "./suggest.server";

/** A registry holding only an app-environment check with these rules (service → variable → rule names). */
function registryWith(rules: Record<string, Record<string, RuleName[]>>): PluginRegistry {
  const appenv: AppenvService = {
    async verdicts() {
      return [];
    },
    rulesFor: (name) => Object.entries(rules).map(([service, vars]) => ({ service, title: service, rules: vars[name] ?? [] })),
  };
  return { services: { get: (ref: { id: string }) => (ref.id === "appenv" ? appenv : undefined), all: () => [] }, probes: new Map(), actions: new Map(), configs: {} } as unknown as PluginRegistry;
}

const RUNBOOK = [
  "---",
  "service: backend",
  "---",
  "# Env",
  "",
  "- Dev-only: `PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV` must be unset/false in production",
  "- `HMRC_ENV` must be `production`",
  "- Verify `STRIPE_SECRET_KEY` is set",
  "",
].join("\n");

describe("lint --suggest on environment statements", () => {
  it("proposes the rule a statement makes when the check has none of its kind, for the runbook's service, as config", async () => {
    const s = await suggestForText(RUNBOOK, "env.md", registryWith({ backend: { HMRC_ENV: ["required"], STRIPE_SECRET_KEY: ["required"] }, frontend: {} }));
    expect(s.map((x) => `${x.line}: ${x.directive}`)).toEqual([
      "6: plugins.appenv.services.backend.rules.PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV: { forbiddenIn: [ production ] }",
      "7: plugins.appenv.services.backend.rules.HMRC_ENV: { equals: production }",
    ]);
    expect(s.every((x) => x.config)).toBe(true);
    // A config rule is printed, never written into the runbook.
    expect(applySuggestions(RUNBOOK, s)).toBe(RUNBOOK);
  });
  it("proposes nothing when the rule exists, and names no service it cannot tell", async () => {
    const all = registryWith({ backend: { PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV: ["forbiddenIn"], HMRC_ENV: ["equals"], STRIPE_SECRET_KEY: ["required"] } });
    expect(await suggestForText(RUNBOOK, "env.md", all)).toEqual([]);
    const two = registryWith({ a: {}, b: {} });
    const s = await suggestForText(RUNBOOK.replace("service: backend", "owner: ops"), "env.md", two);
    expect(s.map((x) => x.directive)).toContain("plugins.appenv.services.<service>.rules.STRIPE_SECRET_KEY: { required: true }");
  });
});
