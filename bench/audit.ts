// Audit log figures, measured on a fresh SQLite store in a temp folder:
//   audit_append_per_s  chained appends from 16 concurrent callers, each returning only once a
//                       signed checkpoint (appended and fdatasync'ed) covers it: the group commit
//   audit_append_serial_per_s  the same from one caller at a time (one checkpoint write per append)
//   audit_verify_1m_s   full chain verification over 1,000,000 entries
//   audit_page_ms_1m    the /audit explorer query at 1M entries: worst median over a mix of
//                       filters (none, actor, rare outcome, time window, deep keyset page)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { appendAudit, appendAuditBatch, useAuditKey, type AuditInput } from "~/core/audit/chain.server";
import { CheckpointWriter } from "~/core/audit/checkpoint-writer.server";
import { verifyAudit } from "~/core/audit/checkpoints.server";
import { listAudit, type AuditFilter } from "~/core/audit/query.server";
import { migrate, openStore } from "~/core/db/store.server";

const TOTAL = Number(process.env.AUDIT_BENCH_ENTRIES ?? 1_000_000);
const APPENDS = 3_000;

const ACTORS = Array.from({ length: 40 }, (_, i) => `user${i}`);
const ACTIONS = ["stripe.resend-event", "stripe.refund", "stripe.reconcile", "firestore.toggle-admin-hold", "backups.restore", "cron.run-now", "demo.flush-cache", "demo.rotate-key", "demo.purge-queue", "demo.reindex"];
const OUTCOMES = ["started", "succeeded", "started", "succeeded", "denied", "invalid", "duplicate", "failed", "locked", "rate_limited", "requested", "approved"];

function entry(i: number): AuditInput {
  const actor = ACTORS[(i * 7) % ACTORS.length];
  const outcome = i % 5000 === 17 ? "interrupted" : OUTCOMES[i % OUTCOMES.length];
  return {
    actor,
    roles: [i % 3 ? "responder" : "admin"],
    action: ACTIONS[(i * 13) % ACTIONS.length],
    target: `target-${i % 977}`,
    outcome: outcome as AuditInput["outcome"],
    details: { input: { id: `obj_${i}`, amount: i % 10_000 }, via: "session", note: i % 11 ? undefined : "evidence attached" },
    incidentId: i % 200 === 0 ? `inc_${Math.floor(i / 10_000)}` : null,
    runId: `run_${Math.floor(i / 2)}`,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function run(): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-bench-audit-"));
  try {
    // 1. Single chained appends on a fresh store.
    const small = await openStore(path.join(dir, "append.sqlite"));
    await migrate(small);
    const key = Buffer.from("bench-checkpoint-key-0123456789");
    useAuditKey(small, key);
    const writer = new CheckpointWriter({ file: path.join(dir, "checkpoints.ndjson"), key, keySource: "config" });
    const covered = async (i: number) => writer.cover(await appendAudit(small, entry(i)));
    for (let i = 0; i < 100; i++) await covered(i); // warm-up
    const s0 = performance.now();
    for (let i = 0; i < APPENDS / 3; i++) await covered(i);
    const serialPerS = APPENDS / 3 / ((performance.now() - s0) / 1000);
    const CALLERS = 16;
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        while (next < APPENDS) await covered(next++);
      }),
    );
    const appendPerS = APPENDS / ((performance.now() - t0) / 1000);
    writer.close();
    await small.close();

    // 2. A million entries (bulk-chained in big transactions: same hashes as single appends),
    //    spread over ~90 days so time filters mean something.
    const store = await openStore(path.join(dir, "million.sqlite"));
    await migrate(store);
    useAuditKey(store, key);
    const start = Date.now() - 90 * 86_400_000;
    const step = (90 * 86_400_000) / TOTAL;
    const chunk = 25_000;
    const g0 = performance.now();
    for (let i = 0; i < TOTAL; i += chunk) {
      const n = Math.min(chunk, TOTAL - i);
      await appendAuditBatch(store, Array.from({ length: n }, (_, j) => entry(i + j)), (j) => Math.floor(start + (i + j) * step));
    }
    const generateS = (performance.now() - g0) / 1000;

    // The portal signs a checkpoint over its head: one more entry, covered like every answered one.
    const millionCheckpoints = { file: path.join(dir, "million-checkpoints.ndjson"), key, keySource: "config" as const };
    const headWriter = new CheckpointWriter(millionCheckpoints);
    await headWriter.cover(await appendAudit(store, entry(TOTAL)));
    headWriter.close();

    // 3. Verify the whole chain and the checkpoint against it, as the portal does: MACs on the entries past the
    //    newest signed checkpoint (none here: it covers the head), the signature vouching for the rest.
    const v0 = performance.now();
    const report = await verifyAudit(store, millionCheckpoints);
    const verifyS = (performance.now() - v0) / 1000;
    if (!report.ok || report.checked !== TOTAL + 1) throw new Error(`verify failed: ${JSON.stringify(report.problem ?? report.checkpointProblems)} checked ${report.checked}`);

    // 4. The explorer's page query under a mix of filters.
    const mid = start + 45 * 86_400_000;
    const queries: AuditFilter[] = [
      {},
      { actor: "user7" },
      { outcome: "interrupted" },
      { action: "stripe.resend-event", outcome: "denied" },
      { from: mid, to: mid + 3_600_000 },
      { before: Math.floor(TOTAL / 2) },
      { actor: "user3", before: Math.floor(TOTAL / 3) },
      { incident: `inc_${Math.floor(TOTAL / 20_000)}` },
    ];
    const medians: number[] = [];
    for (const q of queries) {
      const times: number[] = [];
      for (let k = 0; k < 7; k++) {
        const q0 = performance.now();
        const page = await listAudit(store, q);
        times.push(performance.now() - q0);
        if (k === 0 && page.entries.length === 0) throw new Error(`bench query returned nothing: ${JSON.stringify(q)}`);
      }
      medians.push(median(times));
    }
    await store.close();
    return {
      audit_append_per_s: Math.round(appendPerS),
      audit_append_serial_per_s: Math.round(serialPerS),
      audit_verify_1m_s: Math.round(verifyS * 100) / 100,
      audit_page_ms_1m: Math.round(Math.max(...medians) * 100) / 100,
      audit_generate_1m_s: Math.round(generateS * 10) / 10,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
