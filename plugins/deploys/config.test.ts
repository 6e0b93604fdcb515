import { describe, expect, it } from "vitest";
import { isSecretSchema } from "../plugin-api";
import { DeploysConfigSchema, SiteSchema } from "./config";

describe("plugins.deploys config", () => {
  it("accepts one site per provider, each with its own ids", () => {
    const cfg = DeploysConfigSchema.parse({
      sites: {
        shop: { provider: "vercel", projectId: "prj_1", token: "vercel-token-123" },
        landing: { provider: "netlify", siteId: "3a5c", token: "netlify-token-123" },
        api: { provider: "render", serviceId: "srv-abc", token: "rnd_token_12345" },
        worker: { provider: "railway", projectId: "p", serviceId: "s", environmentId: "e", token: "railway-token-1" },
      },
    });
    expect(Object.keys(cfg.sites)).toEqual(["shop", "landing", "api", "worker"]);
    expect(cfg.sites.shop!.recent).toBe(10);
  });

  it("names the key that is wrong", () => {
    const bad = DeploysConfigSchema.safeParse({ sites: { api: { provider: "render", serviceId: "abc", token: "rnd_token_12345" } } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ path: ["sites", "api", "serviceId"], message: "Render service ids start with srv-" });
    const unknown = DeploysConfigSchema.safeParse({ sites: { x: { provider: "heroku", token: "tok-12345678" } } });
    expect(unknown.success).toBe(false);
    expect(unknown.error!.issues[0]!.path).toEqual(["sites", "x", "provider"]);
    const missing = DeploysConfigSchema.safeParse({ sites: { shop: { provider: "vercel", token: "vercel-token-123" } } });
    expect(missing.error!.issues[0]!.path).toEqual(["sites", "shop", "projectId"]);
  });

  it("marks every provider's token secret", () => {
    for (const option of (SiteSchema as unknown as { options: { shape: Record<string, unknown> }[] }).options) {
      expect(isSecretSchema(option.shape.token as never)).toBe(true);
    }
  });
});
