// Demo mode's past, written once, at the first start of a demo data folder, through the incident
// service (declaration, notes, status changes, report, prevention items) and the audit chain (the
// actions run during each incident), so /reports and every incident's report show something real
// and `npm run audit:verify` covers them. The incidents themselves are the demo world's
// (demo/history.ts), handed over by startDemoWorld() through the plugin registry.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { appendAuditBatch, auditHead, type AuditInput } from "../audit/chain.server";
import { checkpointSettings, writeCheckpoint } from "../audit/checkpoints.server";
import { newId } from "../ids.server";
import {
  addEvent,
  addPreventionItem,
  declareIncident,
  saveReport,
  setPreventionItemDone,
  type Actor,
} from "../incidents/incidents.server";
import type { Portal } from "../portal.server";
import type { PastAction, PastActor, PastIncident } from "../../../demo/history";

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

const ACTORS: Record<PastActor, Actor> = {
  responder: { username: "responder", roles: ["responder"] },
  admin: { username: "admin", roles: ["admin"] },
  admin2: { username: "admin2", roles: ["admin"] },
  manager: { username: "manager", roles: ["manager"] },
};

export const DEMO_HISTORY_NOTE = "Demo data: this past incident was generated at the first start of this demo data folder.";

function markerFile(portal: Portal): string {
  return path.join(portal.dataDir, "demo", "history.json");
}

/**
 * Boot step: in demo mode only, at the first start of the data folder, write the past. It runs
 * beside the start (a busy machine takes seconds for the hundred-odd writes), and shutdown waits
 * for it; the audit entries go in first so the chain's times stay in order.
 */
export async function demoHistoryBootStep(portal: Portal): Promise<(() => Promise<void>) | void> {
  const past = portal.registry.demoHistory;
  if (!portal.demo.enabled || !past) return;
  const marker = markerFile(portal);
  if (fs.existsSync(marker)) return;
  const [incidents, head] = await Promise.all([
    portal.store.db.selectFrom("incidents").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
    auditHead(portal.store),
  ]);
  // A store with incidents or audit entries is not a fresh demo folder: leave it as it is.
  const fresh = Number(incidents.n) === 0 && head.seq === 0;
  const writeMarker = (ids: string[]) => {
    fs.mkdirSync(path.dirname(marker), { recursive: true });
    fs.writeFileSync(marker, JSON.stringify({ generatedAt: new Date().toISOString(), incidents: ids, skipped: fresh ? undefined : "the store already held incidents or audit entries" }, null, 2));
  };
  if (!fresh) return writeMarker([]);
  const job = writeDemoHistory(portal, past)
    .then((ids) => {
      writeMarker(ids);
      portal.log.info({ incidents: ids.length }, "demo mode: wrote the shop's past incidents (demo data)");
    })
    .catch((err) => portal.log.warn({ err: err instanceof Error ? err.message : String(err) }, "demo mode: could not write the past incidents"));
  return () => job;
}

/** Writes the past incidents; returns their ids. Exported for tests. */
export async function writeDemoHistory(portal: Portal, past: readonly PastIncident[], now = Date.now()): Promise<string[]> {
  const store = portal.store;
  // 1. Declarations and action runs, collecting the runs' audit entries.
  const declared: { p: PastIncident; id: string; declaredAt: number }[] = [];
  const audit: { at: number; input: AuditInput }[] = [];
  for (const p of past) {
    const declaredAt = now - p.ago;
    const incident = await declareIncident(
      store,
      ACTORS[p.by],
      {
        title: p.title,
        severity: p.severity,
        runbooks: [p.runbook],
        plugins: p.plugins,
        commander: p.commander,
        detectedAt: declaredAt - p.detectedBefore,
        note: DEMO_HISTORY_NOTE,
      },
      { now: declaredAt },
    );
    declared.push({ p, id: incident.id, declaredAt });
    for (const a of p.actions) await pastRun(portal, incident.id, a, declaredAt + a.at * MIN, audit);
  }
  // 2. One audit batch in time order: the chain's `at` never goes backwards, so the past must go in
  //    before anything else is appended. If something was (a press within the first seconds), the
  //    runs stay without their entries rather than carry wrong times.
  audit.sort((a, b) => a.at - b.at);
  if (audit.length) {
    if ((await auditHead(store)).seq === 0) {
      await appendAuditBatch(store, audit.map((a) => a.input), (i) => audit[i].at);
      await writeCheckpoint(store, checkpointSettings({ config: portal.config, dataDir: portal.dataDir, create: true }));
    }
    else portal.log.warn({}, "demo mode: the audit log was written to before the history; its action entries were left out");
  }
  // 3. The rest of each timeline, the reports and the prevention items.
  for (const { p, id, declaredAt } of declared) {
    const t = (minutes: number) => declaredAt + minutes * MIN;
    const steps = [
      ...p.notes.map((n) => ({ at: n.at, run: () => addEvent(store, ACTORS[n.by], id, { type: "note", text: n.text }, { now: t(n.at) }) })),
      ...p.statuses.map((s) => ({ at: s.at, run: () => addEvent(store, ACTORS[s.by], id, { type: "status", status: s.to, text: s.text }, { now: t(s.at) }) })),
    ].sort((a, b) => a.at - b.at);
    for (const s of steps) await s.run();
    for (const tr of p.probes) {
      const pluginId = tr.probeId.slice(0, tr.probeId.indexOf("."));
      await store.db
        .insertInto("probe_transitions")
        .values({ id: newId("tr_"), probe_id: tr.probeId, plugin_id: pluginId, at: t(tr.at), from_status: tr.from, to_status: tr.to, value: tr.value, summary: tr.summary })
        .execute();
    }
    const lastAt = t(Math.max(0, ...p.statuses.map((s) => s.at)));
    await saveReport(store, ACTORS.manager, id, p.report, { now: lastAt });
    for (const item of p.prevention) {
      const created = await addPreventionItem(store, ACTORS.manager, id, { description: item.description, owner: item.owner, dueAt: declaredAt + item.dueAfter }, { now: lastAt });
      if (item.done) await setPreventionItemDone(store, ACTORS.manager, id, created.id, true, { now: Math.min(now, declaredAt + item.dueAfter - DAY) });
    }
  }
  return declared.map((d) => d.id);
}

async function pastRun(portal: Portal, incidentId: string, a: PastAction, at: number, audit: { at: number; input: AuditInput }[]): Promise<void> {
  const actor = ACTORS[a.by];
  const runId = newId("run_");
  const started = a.approvedBy ? at + 4 * MIN : at;
  const finished = started + 2_000 + (a.summary.length % 7) * 300;
  const result = { summary: a.summary };
  await portal.store.db
    .insertInto("action_runs")
    .values({
      id: runId,
      action_id: a.actionId,
      target: a.target,
      actor: actor.username,
      roles: actor.roles.join(","),
      risk: a.risk,
      status: a.outcome ?? "succeeded",
      input: JSON.stringify(a.input),
      input_hash: crypto.createHash("sha256").update(JSON.stringify(a.input)).digest("hex"),
      result: JSON.stringify(result),
      error: null,
      log: `${new Date(started).toISOString()} ${a.summary}\n`,
      progress_done: null,
      progress_total: null,
      incident_id: incidentId,
      idempotency_key: `${actor.username}|${a.actionId}|demo-history-${runId}`,
      evidence: null,
      break_glass: 0,
      break_glass_reason: null,
      reviewed_by: null,
      reviewed_at: null,
      approved_by: a.approvedBy ? ACTORS[a.approvedBy].username : null,
      decided_at: a.approvedBy ? started : null,
      expires_at: null,
      cancel_requested: 0,
      cancelled_by: null,
      owner: null,
      heartbeat_at: null,
      created_at: at,
      started_at: started,
      finished_at: finished,
    } as never)
    .execute();
  const base = { actor: actor.username, roles: actor.roles, action: a.actionId, target: a.target, incidentId, runId };
  const details = { demo: true };
  if (a.approvedBy) {
    audit.push({ at, input: { ...base, outcome: "requested", details: { ...details, risk: a.risk } } });
    const approver = ACTORS[a.approvedBy];
    audit.push({ at: started - 1, input: { ...base, actor: approver.username, roles: approver.roles, outcome: "approved", details } });
  }
  audit.push({ at: started, input: { ...base, outcome: "started", details: { ...details, risk: a.risk } } });
  audit.push({ at: finished, input: { ...base, outcome: a.outcome ?? "succeeded", details: { ...details, result } } });
}
