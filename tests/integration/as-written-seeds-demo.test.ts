// Runbooks as written (#33), must show: the five seeds read in place (`../shared/seeds`, never
// copied) in demo mode, every affordance listed with its kind, and each one true — it runs (reads)
// or previews (guarded actions) successfully against the demo world.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentReaderRef } from "../../plugins/firestore/api";
import { previewAction, submitAction } from "~/core/actions/pipeline.server";
import type { User } from "~/core/auth.server";
import { resolveLiveBlocks, type LiveBlock } from "~/core/runbooks/live-blocks.server";
import { readEnvBlock, readHealthBlock } from "~/core/runbooks/live-page.server";
import { renderRunbook } from "~/core/runbooks/render.server";
import { settleRun, testPortal } from "../helpers/portal";

const SEEDS = process.env.OPSDECK_SEEDS_DIR ?? path.resolve(__dirname, "../..", "../shared/seeds");
const files = fs.existsSync(SEEDS) ? fs.readdirSync(SEEDS).sort() : [];
if (!files.length) console.warn(`as-written-seeds-demo: no seed runbooks at ${SEEDS} (set OPSDECK_SEEDS_DIR): skipped`);
const admin: User = { id: "u_admin", username: "admin", displayName: null, roles: ["admin"], via: "session" };

describe.skipIf(!files.length)("the seeds as written, in demo mode", () => {
  let t: Awaited<ReturnType<typeof testPortal>>;
  beforeAll(async () => {
    t = await testPortal({ config: { app: { demo: true } } });
  }, 240_000);
  afterAll(async () => t?.cleanup(), 60_000);

  it("lists every affordance with its kind, and each runs or previews against the demo", async () => {
    const reg = t.portal.registry;
    let key = 0;
    const runs = async (actionId: string, input: Record<string, unknown>) => {
      try {
        const res = await submitAction(t.portal, admin, actionId, { input, idempotencyKey: `seeds-demo-${process.pid}-${++key}` });
        const run = await settleRun(t.portal, String(res.runId), { timeoutMs: 60_000 });
        return run.status === "succeeded" ? null : `${run.status}: ${run.error}`;
      } catch (err) {
        return `refused: ${err instanceof Error ? err.message : String(err)}`;
      }
    };
    const truth = async (b: LiveBlock): Promise<string | null> => {
      if (b.refused) return null; // an explanation, no button
      if (b.action) {
        try {
          const p = await previewAction(t.portal, admin, b.action.id, { input: b.action.input });
          notes.set(b, `preview: ${JSON.stringify(p.preview?.summary ?? p.preview ?? null)}`);
          return p.preview && !p.previewInvalid ? null : `no preview: ${p.previewError}`;
        } catch (err) {
          return `refused: ${err instanceof Error ? err.message : String(err)}`;
        }
      }
      switch (b.kind) {
        case "promql":
          return runs("prometheus.query", { promql: b.query });
        case "sql":
          return runs("supabase.query", { sql: b.query });
        case "mongo":
          return runs("mongodb.query", { query: b.query });
        case "redis":
          return runs("redis.read", b.input ?? {});
        case "platform":
          // A read through the pipeline (deploys.logs); the guarded platform actions preview above.
          return b.runs ? runs(b.runs.action, b.input ?? {}) : `no action and no read for ${b.query}`;
        case "firestore":
          return reg.services.get(documentReaderRef)!.get(b.query, AbortSignal.timeout(10_000)).then(() => null, (e) => String(e));
        case "health": {
          // True when the endpoint the line names answered (the demo's worker backend answers 503, as seeded: a true reading);
          // untrue when nothing answered there or the path does not exist.
          const r = await readHealthBlock(b, reg);
          notes.set(b, `${b.url ? `read at ${b.url}: ` : ""}${r.summary}`);
          return /^Unreachable|HTTP 404\b/.test(r.summary) ? r.summary : null;
        }
        case "env": {
          // True when every service that checks the variable gave a verdict (ok or problem) on what the line states.
          const r = await readEnvBlock(b, reg);
          notes.set(b, r.services.map((s) => `${s.service}: ${s.verdicts.map((v) => `${v.rule} ${v.verdict}`).join(", ")}`).join("; "));
          const bad = r.services.filter((s) => s.error || !s.verdicts.some((v) => v.verdict !== "unknown"));
          return r.services.length && !bad.length ? null : `no verdict from ${bad.map((s) => `${s.service} (${s.error ?? "no rule read"})`).join(", ") || "any service"}`;
        }
        default:
          return `unknown kind ${b.kind}`;
      }
    };
    const notes = new Map<LiveBlock, string>();
    const listing: string[] = [];
    const perKind = new Map<string, { places: number; distinct: Set<string>; files: Set<string> }>();
    const untrue: string[] = [];
    let total = 0;
    for (const f of files) {
      const text = fs.readFileSync(path.join(SEEDS, f), "utf8");
      const rendered = renderRunbook(text, { file: f.replace(/\.txt$/, ".md") });
      const live = await resolveLiveBlocks(rendered.live, reg, { liveHosts: t.portal.config.runbooks.liveHosts, service: rendered.frontMatter.service });
      for (const b of live.blocks) {
        const kind = b.refused ? "redis (no button)" : b.action ? b.action.id : b.kind;
        const why = await truth(b);
        const line = rendered.live.find((c) => c.id === b.id)?.line;
        listing.push(`${f}:${line ?? "?"} ${kind}: ${b.query.replace(/\s+/g, " ").slice(0, 90)}${notes.has(b) ? `  → ${notes.get(b)!.slice(0, 140)}` : ""}`);
        if (!b.refused) {
          total++;
          const k = perKind.get(kind) ?? { places: 0, distinct: new Set(), files: new Set() };
          k.places++;
          k.distinct.add(b.query.replace(/\s+/g, " "));
          k.files.add(f.slice(0, 3));
          perKind.set(kind, k);
        }
        if (why) untrue.push(`${f} ${kind} ${b.query.slice(0, 60)}: ${why.slice(0, 300)}`);
      }
    }
    const table = [...perKind.entries()].sort((a, b) => b[1].places - a[1].places).map(([k, v]) => `${k.padEnd(22)} ${String(v.places).padStart(6)} ${String(v.distinct.size).padStart(9)}   ${[...v.files].join(" ")}`);
    const distinct = [...perKind.values()].reduce((n, v) => n + v.distinct.size, 0);
    console.log(`${total} affordances on the seeds as written (${distinct} distinct):\n${listing.join("\n")}\n\n${"kind".padEnd(22)} ${"places".padStart(6)} ${"distinct".padStart(9)}   seeds\n${table.join("\n")}\n${"total".padEnd(22)} ${String(total).padStart(6)} ${String(distinct).padStart(9)}`);
    expect(untrue).toEqual([]);
    // The issue's bar: at least 60 on the five seeds, every one true (above).
    expect(total).toBeGreaterThanOrEqual(60);
    // The false one the issue names: seed 004's prose "auth/rate-limit" is no document.
    expect(listing.filter((l) => l.includes("auth/rate-limit"))).toEqual([]);
    // Every kind the seeds hold that the portal now knows is offered.
    for (const kind of ["firestore", "promql", "mongo", "redis", "redis.delete-key", "redis.delete-keys", "redis (no button)", "health", "env"]) expect(listing.some((l) => l.includes(` ${kind}: `)), kind).toBe(true);
  }, 600_000);

  it("offers nothing on the prose-only negatives, with every plugin of the demo configured", async () => {
    const text = fs.readFileSync(path.resolve(__dirname, "../fixtures/as-written/prose-negatives.md"), "utf8");
    const live = await resolveLiveBlocks(renderRunbook(text, { file: "neg.md" }).live, t.portal.registry, { liveHosts: t.portal.config.runbooks.liveHosts });
    expect(live.blocks.map((b) => `${b.kind}: ${b.query}`)).toEqual([]);
  }, 60_000);
});
