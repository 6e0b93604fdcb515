import { describe, expect, it } from "vitest";
import { demoHandle, deploysService } from "../../plugins/deploys";
import { shopDeployments, startDeploysSandbox } from "../../plugins/deploys/sandbox";
import { providerFor } from "../../plugins/deploys/sites";
import type { ProbeDefinition } from "../../plugins/plugin-api";
import type { DeploysService } from "../../plugins/deploys/api";
import { createSentryClient } from "../../plugins/sentry/client";
import { SentryConfigSchema } from "../../plugins/sentry/config";
import { sentryProbes } from "../../plugins/sentry/probes";
import { SHOP_ISSUES, shopEvents, startSentrySandbox } from "../../plugins/sentry/sandbox";

// The demo's two sandboxes together: Sentry's errors follow whichever deployment serves the shop.
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const MIN = 60_000;
const read = (p: ProbeDefinition, now: number) => p.read({ signal: new AbortController().signal, log: silent, now: () => new Date(now) });
const byId = (ps: ProbeDefinition[], id: string) => ps.find((p) => p.id === id)!;

describe("the demo: the shop's errors follow its production deployment", () => {
  it("new issues since the deploy come through the deploys service; rolling back makes the webhook error rate fall", async () => {
    let clock = Date.now();
    const deploysBox = await startDeploysSandbox({ settleMs: 50, now: () => clock, sites: [{ name: "shop", provider: "vercel", key: "prj_shop", deployments: shopDeployments("vercel", clock), currentId: "dpl_shop4xxxx" }] });
    const handle = demoHandle(deploysBox);
    const faultyAt = (t: number) => handle.history("shop").some((p) => p.faulty && t >= p.from && t < p.to);
    const sentryBox = await startSentrySandbox({ issues: SHOP_ISSUES, events: shopEvents(faultyAt), now: () => clock });
    try {
      const provider = providerFor("shop", { provider: "vercel", projectId: "prj_shop", token: deploysBox.token, apiBase: deploysBox.url, recent: 10 });
      const svc: DeploysService = deploysService(new Map([["shop", provider]]));
      const config = SentryConfigSchema.parse({ org: sentryBox.org, project: sentryBox.project, token: sentryBox.token, url: sentryBox.url, deploySite: "shop" });
      const probes = sentryProbes(config, createSentryClient(config), svc);

      const before = await read(byId(probes, "route-stripe-webhook"), clock);
      expect(before.value).toBe(7);
      const fresh = await read(byId(probes, "new-issues-since-deploy"), clock);
      expect(fresh.value).toBe(1);
      expect(fresh.rows![0]).toMatchObject({ issue: "SHOP-WEB-1A" });
      expect(fresh.summary).toMatch(/since dpl_shop4xxxx .*deployed 40 min ago/);

      const job = await provider.rollback((await provider.get("dpl_shop2xxxx"))!);
      for (let i = 0; i < 50 && (await job.follow()).phase === "pending"; i++) await new Promise((r) => setTimeout(r, 20));
      clock += 6 * MIN;
      const after = await read(byId(probes, "route-stripe-webhook"), clock);
      expect(after.value).toBe(0);
      expect(sentryBox.count(clock - 5 * MIN, clock, "/api/stripe/webhook")).toBe(0);
      expect((await read(byId(probes, "error-rate"), clock)).value!).toBeLessThan(before.value!);
    } finally {
      await sentryBox.stop();
      await deploysBox.stop();
    }
  });
});
