import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { siteProbes } from "./probes";
import { ProviderAuthError, ProviderError, type DeployProvider } from "./providers/provider";
import { shopDeployments, startDeploysSandbox, type DeploysSandbox, type Provider } from "./sandbox";
import { providerFor } from "./sites";
import type { SiteConfig } from "./config";

// Each provider's client against the sandbox that follows its documented API.
const NOW = Date.now();
const ids = Object.fromEntries((["vercel", "netlify", "render", "railway"] as Provider[]).map((p) => [p, shopDeployments(p, NOW).map((d) => d.id)]));
const key: Record<Provider, string> = { vercel: "prj_shop", netlify: "site-shop-1", render: "srv-shop", railway: "svc-shop" };

function siteConfig(provider: Provider, apiBase: string, token: string): SiteConfig {
  const common = { token, apiBase, recent: 10 };
  if (provider === "vercel") return { provider, projectId: key.vercel, ...common };
  if (provider === "netlify") return { provider, siteId: key.netlify, ...common };
  if (provider === "render") return { provider, serviceId: key.render, ...common };
  return { provider, projectId: "prj-railway", serviceId: key.railway, environmentId: "env-production", tokenKind: "account", ...common };
}

async function followToEnd(p: DeployProvider, targetId: string) {
  const target = (await p.get(targetId))!;
  const job = await p.rollback(target);
  for (let i = 0; i < 100; i++) {
    const step = await job.follow();
    if (step.phase !== "pending") return step;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("rollback did not settle");
}

const OWN_DOMAIN: Record<Provider, string> = { vercel: "shop-vercel.vercel.app", netlify: "https://shop-netlify.netlify.app", render: "https://shop-render.onrender.com", railway: "shop-railway.up.railway.app" };

let sandbox: DeploysSandbox;
beforeAll(async () => {
  sandbox = await startDeploysSandbox({
    settleMs: 150,
    sites: (["vercel", "netlify", "render", "railway"] as Provider[]).map((p) => ({
      name: `shop-${p}`,
      provider: p,
      key: key[p],
      deployments: shopDeployments(p, NOW),
      currentId: ids[p]![3]!,
      refuse: { [ids[p]![0]!]: `${p} refuses: the build cache of this deployment expired` },
      domains: [OWN_DOMAIN[p], `www.shop-${p}.example.com`, `shop-${p}.example.org`],
    })),
  });
});
afterAll(() => sandbox.stop());

describe.each(["vercel", "netlify", "render", "railway"] as Provider[])("%s client against its sandbox", (provider) => {
  const client = () => providerFor(`shop-${provider}`, siteConfig(provider, sandbox.url, sandbox.token));

  it("lists deployments newest first and names the current production one", async () => {
    const list = await client().list(10);
    expect(list.map((d) => d.id)).toEqual([...ids[provider]!].reverse());
    expect(list.filter((d) => d.current).map((d) => d.id)).toEqual([ids[provider]![3]]);
    expect(list.find((d) => d.id === ids[provider]![2])!.state).toBe("failed");
    const current = await client().current();
    expect(current).toMatchObject({ id: ids[provider]![3], commitMessage: "Refactor Stripe webhook handler", state: "ready" });
    expect(current!.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(Math.round((NOW - current!.createdAt) / 60_000)).toBe(40);
  });

  it("lists where the site serves production: the provider's own domain first, then custom domains, as https:// addresses", async () => {
    const own = OWN_DOMAIN[provider].replace(/^https:\/\//, "");
    // Vercel's preview-branch domain (shop-vercel-git-staging.vercel.app) serves no production and is left out.
    expect(await client().publicUrls()).toEqual([`https://${own}`, `https://www.shop-${provider}.example.com`, `https://shop-${provider}.example.org`]);
  });

  it("a failed rollback is reported with the provider's own message", async () => {
    const p = client();
    const target = (await p.get(ids[provider]![0]!))!;
    const err = await p.rollback(target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).providerMessage).toBe(`${provider} refuses: the build cache of this deployment expired`);
    expect((await p.current())!.id).toBe(ids[provider]![3]);
  });

  it("rolls back to the earlier good deployment and follows it until live", async () => {
    const p = client();
    const step = await followToEnd(p, ids[provider]![1]!);
    expect(step.phase).toBe("live");
    const current = (await p.current())!;
    expect(current.commit).toBe(shopDeployments(provider, NOW)[1]!.commit);
    if (provider === "vercel" || provider === "netlify") expect(current.id).toBe(ids[provider]![1]);
    else expect(current.id).not.toBe(ids[provider]![1]); // Render and Railway redeploy the target's build as a new deploy
  });

  it("a token the sandbox rejects → authentication failed, and the probe is unknown without the token", async () => {
    const badToken = `bad-${provider}-token-12345678`;
    const cfg = siteConfig(provider, sandbox.url, badToken);
    const p = providerFor(`shop-${provider}`, cfg);
    await expect(p.list(5)).rejects.toBeInstanceOf(ProviderAuthError);
    const probes = siteProbes(`shop-${provider}`, cfg, p);
    for (const probe of probes) {
      const r = await probe.read({ signal: new AbortController().signal, log: console, now: () => new Date() });
      expect(r.status).toBe("unknown");
      expect(r.summary).toMatch(/authentication failed/);
      expect(JSON.stringify(r)).not.toContain(badToken);
    }
  });
});
