import { describe, expect, it } from "vitest";
import { unconfiguredWidget } from "./unconfigured.server";

describe("unconfiguredWidget", () => {
  it("a plugin that is not configured: its widgets say so with the YAML that would configure it", () => {
    const w = unconfiguredWidget("stripe.webhook-backlog", "probe", new Set());
    expect(w).toMatchObject({ plugin: "stripe", pluginConfigured: false, reason: "Stripe (plugins.stripe) is not configured here" });
    expect(w!.snippet).toMatch(/^plugins:\n  stripe:\n/);
  });

  it("a configured plugin without a declared probe: the map whose entries become that probe", () => {
    const cron = unconfiguredWidget("cron.nightly-export", "probe", new Set(["cron"]));
    expect(cron).toMatchObject({ pluginConfigured: true, reason: expect.stringContaining("without the probe cron.nightly-export") });
    expect(cron!.snippet).toContain("    jobs:\n      nightly-export: …");
    // supabase.storage-<name> comes from paths, supabase.<name> from queries.
    expect(unconfiguredWidget("supabase.storage-exports", "probe", new Set(["supabase"]))!.snippet).toContain("    storage:\n      paths:\n        exports: …   # or under queries");
    expect(unconfiguredWidget("supabase.paid-orders", "probe", new Set(["supabase"]))!.snippet).toContain("    queries:\n      paid-orders: …");
  });

  it("a configured plugin whose maps declare no probe (stripe's endpointSecrets): an unknown id, not a missing entry", () => {
    expect(unconfiguredWidget("stripe.no-such-probe", "probe", new Set(["stripe"]))).toBeNull();
    expect(unconfiguredWidget("http.no-such-action", "action", new Set(["http"]))).toBeNull();
    expect(unconfiguredWidget("nosuchplugin.thing", "probe", new Set())).toBeNull();
  });
});
