import { describe, expect, it } from "vitest";
import { DeploysConfigSchema } from "../../plugins/deploys/config";
import { SentryConfigSchema } from "../../plugins/sentry/config";
import { redactBySchema, secretValuesOf } from "~/core/secrets/walk.server";

// The portal's one secret walker finds the tokens inside the per-provider union of plugins.deploys.sites.
describe("deploys and sentry tokens reach the secret scrubber", () => {
  it("every site's token, whatever the provider, and Sentry's token are secret values", () => {
    const raw = {
      sites: {
        shop: { provider: "vercel", projectId: "prj_1", token: "vercel-secret-token-1" },
        api: { provider: "render", serviceId: "srv-abc", token: "rnd_secret_token_2" },
        worker: { provider: "railway", projectId: "p", serviceId: "s", environmentId: "e", token: "railway-secret-token-3" },
      },
    };
    const cfg = DeploysConfigSchema.parse(raw);
    expect([...new Set(secretValuesOf(DeploysConfigSchema, cfg))].sort()).toEqual(["railway-secret-token-3", "rnd_secret_token_2", "vercel-secret-token-1"]);
    expect(JSON.stringify(redactBySchema(DeploysConfigSchema, cfg))).not.toMatch(/secret-token|secret_token/);
    const sentry = SentryConfigSchema.parse({ org: "o", project: "p", token: "sntrys_secret_token_4" });
    expect(secretValuesOf(SentryConfigSchema, sentry)).toEqual(["sntrys_secret_token_4"]);
  });
});
