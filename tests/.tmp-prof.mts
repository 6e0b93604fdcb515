import fs from "node:fs"; import os from "node:os"; import path from "node:path";
import { appendAudit, appendAuditBatch, entryHash } from "/work/main/app/core/audit/chain.server";
import { migrate, openStore } from "/work/main/app/core/db/store.server";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prof-"));
const s = await openStore(path.join(dir, "a.sqlite")); await migrate(s);
const e = (i:number) => ({ actor: "user"+(i%40), roles: ["admin"], action: "demo.x", target: "t"+i, outcome: "started" as const, details: { i, input: { id: "obj_"+i } }, runId: "run_"+i });
let t = performance.now();
for (let i=0;i<1000;i++) await appendAudit(s, e(i));
console.log("append/s", 1000/((performance.now()-t)/1000));
await appendAuditBatch(s, Array.from({length: 50000}, (_, i) => e(i)));
t = performance.now();
let after = 0, n = 0;
for (;;) { const rows = await s.db.selectFrom("audit_entries").selectAll().where("seq", ">", after).orderBy("seq").limit(10000).execute(); n += rows.length; if (rows.length < 10000) break; after = Number(rows[rows.length-1].seq); }
console.log("fetch 51k ms", performance.now()-t, n);
const rows = await s.db.selectFrom("audit_entries").selectAll().limit(50000).execute();
t = performance.now();
for (const r of rows) entryHash(r as any);
console.log("hash 50k ms", performance.now()-t);
