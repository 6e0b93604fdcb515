import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProbeDefinition } from "../plugin-api";
import { StatuspageConfigSchema } from "./config";
import plugin from "./index";
import { startDemoStatusPages } from "./sandbox";

const log = { debug() {}, info() {}, warn() {}, error() {} };
const ctx = () => ({ signal: AbortSignal.timeout(10_000), log, now: () => new Date() });

describe("statuspage demo", () => {
  let demo: Awaited<ReturnType<typeof startDemoStatusPages>>;
  let probes: Map<string, ProbeDefinition>;
  beforeAll(async () => {
    demo = await startDemoStatusPages();
    const instance = await plugin.setup({ config: StatuspageConfigSchema.parse(demo.config), log, deps: {} as never, demo: true, dataDir: "/tmp" });
    probes = new Map(instance.probes!.map((p) => [p.id, p]));
  });
  afterAll(() => demo.stop());

  it("during the story Firebase is degraded (an open Cloud Firestore incident) and Stripe is operational: the webhook trouble is ours", async () => {
    const fb = await probes.get("firebase")!.read(ctx());
    expect(fb.status).toBe("critical");
    expect(fb.rows).toContainEqual(expect.objectContaining({ kind: "component", name: "Cloud Firestore", status: "partial outage" }));
    expect(fb.rows).toContainEqual(expect.objectContaining({ kind: "incident", status: "service disruption", latestUpdate: expect.stringMatching(/^service disruption: The issue has been identified/) }));
    const stripe = await probes.get("stripe")!.read(ctx());
    expect(stripe.status).toBe("ok");
    expect(stripe.rows!.filter((r) => r.kind === "incident")).toEqual([]);
    const all = await probes.get("all")!.read(ctx());
    expect(all.rows!.map((r) => [r.provider, r.status])).toEqual([["Stripe", "ok"], ["Vercel", "ok"], ["Render", "ok"], ["Supabase", "ok"], ["Firebase", "critical"], ["Railway", "ok"]]);
  });

  it("every statuspage widget in the runbooks names a provider the demo has", () => {
    const dir = path.resolve(__dirname, "../../runbooks");
    const named = new Set<string>();
    for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
      if (!f.endsWith(".md")) continue;
      for (const m of fs.readFileSync(path.join(dir, f), "utf8").matchAll(/probe="statuspage\.([a-z0-9-]+)"/g)) named.add(m[1]);
    }
    expect(named.size).toBeGreaterThan(3);
    for (const n of named) expect(probes.has(n), `statuspage.${n}`).toBe(true);
  });
});
