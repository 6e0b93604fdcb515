import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploysService } from "../../plugins/deploys";
import { shopDeployments, startDeploysSandbox, type DeploysSandbox } from "../../plugins/deploys/sandbox";
import { providerFor } from "../../plugins/deploys/sites";
import { incidentDeploys, withDeploys } from "~/core/incidents/deploys.server";
import type { Incident } from "~/core/incidents/incidents.server";

// The incident page's deploy additions, through the deploys service (as the registry would provide it).
const NOW = Date.now();
const MIN = 60_000;

function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: "inc_1", title: "Webhook failures", severity: "P2", status: "investigating", commander: "admin", declaredBy: "responder",
    declaredAt: NOW - 10 * MIN, detectedAt: NOW - 15 * MIN, impactStartedAt: NOW - 38 * MIN, acknowledgedAt: null, resolvedAt: null, closedAt: null,
    updateEveryMin: 30, runbooks: [], plugins: ["deploys", "sentry"], report: {}, updatedAt: NOW, ...over,
  };
}

describe("incident pages: what was deployed before detection", () => {
  let sandbox: DeploysSandbox;
  let service: ReturnType<typeof deploysService>;
  beforeAll(async () => {
    sandbox = await startDeploysSandbox({ sites: [{ name: "shop", provider: "vercel", key: "prj_shop", deployments: shopDeployments("vercel", NOW), currentId: "dpl_shop4xxxx" }] });
    service = deploysService(new Map([["shop", providerFor("shop", { provider: "vercel", projectId: "prj_shop", token: sandbox.token, apiBase: sandbox.url, recent: 10 })]]));
  });
  afterAll(() => sandbox.stop());

  it("names the deploy 25 minutes before detection and offers a rollback to the good one before it", async () => {
    const d = await incidentDeploys(incident(), { now: NOW, service });
    expect(d.error).toBeNull();
    expect(d.marker).toMatchObject({ site: "shop", deploymentId: "dpl_shop4xxxx", minutesBeforeDetection: 25, stillCurrent: true, author: "li" });
    // the failed build in between is skipped: the rollback goes to the last deployment that was ready
    expect(d.marker!.rollback).toMatchObject({ actionId: "deploys.rollback", input: { site: "shop", deploymentId: "dpl_shop2xxxx" } });
  });

  it("the timeline gets the deploys from an hour before the incident's start to its end, in time order", async () => {
    const d = await incidentDeploys(incident(), { now: NOW, service });
    expect(d.entries.map((e) => e.key)).toEqual(["deploy:shop:dpl_shop4xxxx", "deploy:shop:dpl_shop3xxxx"]);
    const failed = d.entries.find((e) => e.key.endsWith("dpl_shop3xxxx"))!;
    expect(failed).toMatchObject({ kind: "deploy", source: "deploy", status: "critical" });
    expect(failed.title).toMatch(/Deploy to shop: dpl_shop3xxxx \(ERROR\), commit [0-9a-f]{7}/);
    const merged = withDeploys([{ key: "ev:1", source: "incident", kind: "declared", at: NOW - 10 * MIN, originalAt: NOW - 10 * MIN, corrected: false, pinned: false, hidden: false, actor: "responder", title: "Incident declared" }], d);
    expect(merged.map((e) => e.key)).toEqual(["deploy:shop:dpl_shop3xxxx", "deploy:shop:dpl_shop4xxxx", "ev:1"]);
  });

  it("nothing for an incident that does not link deploys; a provider that fails is said, not hidden", async () => {
    expect(await incidentDeploys(incident({ plugins: ["sentry"] }), { now: NOW, service })).toEqual({ marker: null, entries: [], error: null });
    const broken = { ...service, inWindow: async () => Promise.reject(new Error("Vercel: authentication failed (HTTP 403)")) };
    const d = await incidentDeploys(incident(), { now: NOW, service: broken });
    expect(d.error).toMatch(/deploys could not be read: Vercel: authentication failed/);
  });
});
