import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import backups, { type BackupsService } from "../../plugins/backups";
import cron from "../../plugins/cron";
import firestore from "../../plugins/firestore";
import { cronPingsRef, type CronPingService } from "../../plugins/cron/api";
import { createFirestoreClient, Timestamp, type FirestoreClient } from "../../plugins/firestore/client.server";
import { startFirestoreSandbox, type FirestoreSandbox } from "../../plugins/firestore/sandbox";
import { decideApproval, previewAction, submitAction } from "~/core/actions/pipeline.server";
import type { User } from "~/core/auth.server";
import { changeUserFromCli } from "~/core/users.server";
import type { Portal } from "~/core/portal.server";
import { startPluginSchedules } from "~/core/scheduler/scheduler.server";
import { testPortal, settleRun } from "../helpers/portal";
import { shopCatalog } from "../helpers/shop";
import { backupsRef } from "../../plugins/backups/api";
import { firestoreCollectionsRef } from "../../plugins/firestore/api";
import { answerOf } from "../helpers/answer";
import { answerData } from "~/core/http/index.server";

// Backups of Firestore collections against the emulator the firestore plugin's tests use
// (@firestore-emulator/server, in-process: nothing to install, so nothing is skipped).
const user = (username: string): User => ({ id: `u_${username}`, username, displayName: null, roles: ["admin"], via: "session" });
const admin = user("admin");
const admin2 = user("admin2");
const COLLECTIONS = ["orders", "stripeEvents", "opsHealth"];

let sandbox: FirestoreSandbox;
let client: FirestoreClient;
let portal: Portal;
let cleanup: () => Promise<void>;
let storage: string;
let service: BackupsService;

const read = () => ({ signal: new AbortController().signal, log: console, now: () => new Date() });

async function collection(name: string) {
  const snap = await client.db.collection(name).get();
  return Object.fromEntries(snap.docs.map((d) => [d.id, d.data()]));
}

const settle = (runId: string) => settleRun(portal, runId, { timeoutMs: 60_000, pastApproval: true });

beforeAll(async () => {
  sandbox = await startFirestoreSandbox({ catalog: shopCatalog, projectId: "backups-fs-test" });
  client = createFirestoreClient({ projectId: sandbox.projectId, emulatorHost: sandbox.host }, { useBigInt: true });
  // Types a backup must bring back exactly.
  await client.db.doc("orders/typed").set({ at: new Timestamp(1_700_000_000, 123_456_789), n: 7n, x: 2.5, nested: { list: [1n, null, { deep: "y" }] }, none: null, ref: client.db.doc("orders/wx-1001") });
  storage = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-backups-fs-"));
  ({ portal, cleanup } = await testPortal({
    dialect: "sqlite",
    plugins: [firestore, cron, backups],
    config: {
      app: { demo: false },
      plugins: {
        firestore: { projectId: sandbox.projectId, emulatorHost: sandbox.host },
        cron: { jobs: {} },
        backups: {
          targets: { "shop-fs": { kind: "firestore", collections: COLLECTIONS, schedule: "0 3 * * *", verifySchedule: "30 3 * * *", timezone: "Europe/Berlin" } },
          storage: { dir: storage },
        },
      },
    },
  }));
  service = portal.registry.services.get(backupsRef)!;
  for (const u of ["admin", "admin2"]) await changeUserFromCli(portal, { intent: "add", username: u, password: "a-long-test-password-1", roles: ["admin"] });
}, 60_000);

afterAll(async () => {
  await cleanup?.();
  await client?.close();
  await sandbox?.stop();
  if (storage) fs.rmSync(storage, { recursive: true, force: true });
});

describe("backups of Firestore collections (emulator)", () => {
  it("exports NDJSON with type tags and a manifest of per-collection counts and digests", async () => {
    const counts: Record<string, number> = Object.fromEntries(await Promise.all(COLLECTIONS.map(async (c) => [c, (await client.db.collection(c).get()).size] as const)));
    const lines: string[] = [];
    const backup = await service.backupNow("shop-fs", { log: (m) => lines.push(m) });
    expect(backup.status).toBe("good");
    expect(backup.file).toMatch(/\.ndjson$/);
    expect(backup.manifest!.format).toBe("firestore-ndjson");
    expect(backup.manifest!.counts).toEqual(counts);
    expect(Object.keys(backup.manifest!.digests!)).toEqual(COLLECTIONS);
    expect(backup.manifest!.tools["firebase-admin"]).toMatch(/^13\./);
    const manifest = JSON.parse(fs.readFileSync(backup.file!.replace(/\.ndjson$/, ".manifest.json"), "utf8"));
    expect(manifest.sha256).toBe(backup.sha256);
    const docs = fs.readFileSync(backup.file!, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(docs).toHaveLength(Object.values(counts).reduce((a, b) => a + b, 0));
    expect(docs.find((d) => d.id === "typed").f).toEqual({
      at: { $timestamp: "1700000000.123456789" },
      n: { $int: "7" },
      x: 2.5,
      nested: { list: [{ $int: "1" }, null, { deep: "y" }] },
      none: null,
      ref: { $ref: "orders/wx-1001" },
    });
    expect(lines.join("\n")).toMatch(/exported orders: \d+ documents/);
    expect(fs.readdirSync(path.dirname(backup.file!)).filter((f) => f.startsWith(".tmp-"))).toEqual([]);
  }, 60_000);

  it("verification restores into a scratch emulator project, compares counts and records the time to restore", async () => {
    const backup = (await service.catalog.list("shop-fs")).find((r) => r.status === "good")!;
    const before = await collection("orders");
    const r = await service.verify("shop-fs", backup.id);
    expect(r.status).toBe("passed");
    expect(r.detail).toMatch(/^restored 3 collections, \d+ documents, counts match the manifest; restore took \d+\.\d s$/);
    expect(r.rtoMs).toBeGreaterThan(0);
    expect((await service.catalog.get(backup.id))!.verifyStatus).toBe("passed");
    expect(await collection("orders")).toEqual(before);
    const reading = await portal.registry.probes.get("backups.shop-fs-last-restorable")!.def.read(read());
    expect(reading.summary).toMatch(new RegExp(`^${backup.id} restored in \\d+\\.\\d s`));
  }, 60_000);

  it("wipe one collection, restore only it (two admins): the preview warned it was partial, the others are untouched", async () => {
    const backup = await service.backupNow("shop-fs");
    const events = await collection("stripeEvents");
    expect(Object.keys(events).length).toBeGreaterThan(2);
    const typed = (await client.db.doc("orders/typed").get()).data();
    // Wipe stripeEvents (and leave a stray document there); change an order, which must stay changed.
    const batch = client.db.batch();
    for (const id of Object.keys(events)) batch.delete(client.db.doc(`stripeEvents/${id}`));
    batch.set(client.db.doc("stripeEvents/evt_stray"), { type: "stray" });
    batch.update(client.db.doc("orders/wx-1001"), { status: "changed-after-backup" });
    await batch.commit();
    const ordersNow = await collection("orders");
    const healthNow = await collection("opsHealth");

    const input = { target: "shop-fs", backupId: backup.id, collections: ["stripeEvents"] };
    const preview = await answerOf(previewAction(portal, admin, "backups.restore", { input }), answerData);
    expect(preview.status).toBe(200);
    const p = preview.body.preview as { summary: string; rows: Record<string, unknown>[]; precondition?: string };
    expect(p.summary).toMatch(/^Partial restore: partial restores may cause data inconsistencies\./);
    expect(p.rows).toEqual([{ collection: "stripeEvents", "documents now": 1, "documents in backup": Object.keys(events).length, change: Object.keys(events).length - 1 }]);

    const req = await answerOf(submitAction(portal, admin, "backups.restore", { input, confirm: "shop-fs", idempotencyKey: "restore-fs-0001", precondition: p.precondition }));
    expect(req.body.error).toBeUndefined();
    expect(req.status).toBe(202);
    const runId = String(req.body.runId);
    expect((await answerOf(decideApproval(portal, admin, runId, "approve"))).status).toBeGreaterThanOrEqual(400);
    expect((await answerOf(decideApproval(portal, admin2, runId, "approve"))).body.error).toBeUndefined();
    const run = await settle(runId);
    expect(run.status).toBe("succeeded");
    expect(JSON.stringify(run.result)).toMatch(/restored 1 collection\(s\) .*counts match the backup; safety backup shop-fs-/);

    expect(await collection("stripeEvents")).toEqual(events);
    expect(await collection("orders")).toEqual(ordersNow);
    expect((await client.db.doc("orders/wx-1001").get()).data()!.status).toBe("changed-after-backup");
    expect(await collection("opsHealth")).toEqual(healthNow);
    expect((await client.db.doc("orders/typed").get()).data()).toEqual(typed);
    // The safety backup holds the wiped state.
    const safety = (await service.catalog.list("shop-fs")).find((r) => r.status === "good" && r.id !== backup.id)!;
    expect(safety.manifest!.counts.stripeEvents).toBe(1);
  }, 120_000);

  it("a full restore brings every collection back, Firestore types intact", async () => {
    const backup = (await service.catalog.list("shop-fs")).filter((r) => r.status === "good").at(-1)!;
    await client.db.doc("orders/typed").delete();
    await client.db.doc("opsHealth/extra").set({ lastRunAt: Timestamp.now() });
    const input = { target: "shop-fs", backupId: backup.id };
    const preview = await answerOf(previewAction(portal, admin, "backups.restore", { input }), answerData);
    expect((preview.body.preview as { summary: string }).summary).not.toMatch(/Partial restore/);
    const req = await answerOf(submitAction(portal, admin, "backups.restore", { input, confirm: "shop-fs", idempotencyKey: "restore-fs-0002", precondition: (preview.body.preview as { precondition?: string }).precondition }));
    expect((await answerOf(decideApproval(portal, admin2, String(req.body.runId), "approve"))).body.error).toBeUndefined();
    expect((await settle(String(req.body.runId))).status).toBe("succeeded");
    const typed = (await client.db.doc("orders/typed").get()).data()!;
    expect(typed.at).toBeInstanceOf(Timestamp);
    expect((typed.at as Timestamp).nanoseconds).toBe(123_456_789);
    expect(typed.n).toBe(7n);
    expect(typed.x).toBe(2.5);
    expect(typed.nested).toEqual({ list: [1n, null, { deep: "y" }] });
    expect(typed.none).toBeNull();
    expect(typed.ref.path).toBe("orders/wx-1001");
    expect((await client.db.doc("opsHealth/extra").get()).exists).toBe(false);
  }, 120_000);

  it("bad input is a 400 naming the field", async () => {
    const backup = (await service.catalog.list("shop-fs")).find((r) => r.status === "good")!;
    const unknown = await answerOf(previewAction(portal, admin, "backups.restore", { input: { target: "shop-fs", backupId: backup.id, collections: ["nope"] } }), answerData);
    expect(unknown.body).toMatchObject({ previewInvalid: true, fieldErrors: { collections: [expect.stringMatching(/must be among the backup's collections/)] } });
    const tables = await answerOf(submitAction(portal, admin, "backups.restore", { input: { target: "shop-fs", backupId: backup.id, tables: ["orders"] }, confirm: "shop-fs", idempotencyKey: "restore-fs-bad-1" }));
    expect(tables.status).toBe(400);
    const both = await answerOf(submitAction(portal, admin, "backups.restore", { input: { target: "shop-fs", backupId: backup.id, tables: ["a"], collections: ["orders"] }, confirm: "shop-fs", idempotencyKey: "restore-fs-bad-2" }));
    expect(both.status).toBe(400);
  });

  it("a backup altered by one byte fails verification, and a restore from it is refused at the press; one altered while it awaits approval is refused at the approval", async () => {
    const backup = await service.backupNow("shop-fs");
    const flip = (file: string) => {
      const buf = fs.readFileSync(file);
      buf[Math.floor(buf.length / 2)] ^= 0x01;
      fs.writeFileSync(file, buf);
    };
    flip(backup.file!);
    const r = await service.verify("shop-fs", backup.id);
    expect(r.status).toBe("failed");
    expect(r.detail).toMatch(/checksum mismatch/);
    const input = { target: "shop-fs", backupId: backup.id, collections: ["orders"] };
    const preview = await answerOf(previewAction(portal, admin, "backups.restore", { input }), answerData);
    expect(preview.body).toMatchObject({ previewInvalid: true, previewError: expect.stringMatching(/failed its verification \(checksum mismatch/) });
    const refused = await answerOf(submitAction(portal, admin, "backups.restore", { input, confirm: "shop-fs", idempotencyKey: "restore-fs-0003" }));
    expect(refused.status).toBe(400);
    expect(refused.body.runId).toBeUndefined();

    // Not verified since it was altered: the press's dry run checks the file's checksum and refuses it.
    const altered = await service.backupNow("shop-fs");
    const alteredInput = { target: "shop-fs", backupId: altered.id, collections: ["orders"] };
    flip(altered.file!);
    const atPress = await answerOf(submitAction(portal, admin, "backups.restore", { input: alteredInput, confirm: "shop-fs", idempotencyKey: "restore-fs-0005" }));
    expect(atPress.status).toBe(400);
    expect(atPress.body.fieldErrors).toMatchObject({ backupId: [expect.stringMatching(/checksum does not match/)] });

    // Altered while the restore waits for the second admin: the approval's fresh dry run catches it.
    const later = await service.backupNow("shop-fs");
    const laterInput = { target: "shop-fs", backupId: later.id, collections: ["orders"] };
    const ok = await answerOf(previewAction(portal, admin, "backups.restore", { input: laterInput }), answerData);
    const req = await answerOf(submitAction(portal, admin, "backups.restore", { input: laterInput, confirm: "shop-fs", idempotencyKey: "restore-fs-0004", precondition: (ok.body.preview as { precondition?: string }).precondition }));
    expect(req.status).toBe(202);
    flip(later.file!);
    await answerOf(decideApproval(portal, admin2, String(req.body.runId), "approve"));
    const run = await settle(String(req.body.runId));
    // The approval re-runs the dry run, which now refuses it: nothing is restored, the requester is told why.
    expect(run.status).toBe("superseded");
    expect(String(run.error)).toMatch(/no longer matches its manifest's checksum/);
  }, 60_000);

  it("a changed document whose checksum was made to match is caught by the restore's digests", async () => {
    const backup = await service.backupNow("shop-fs");
    const text = fs.readFileSync(backup.file!, "utf8").replace('"type":"charge.dispute.created"', '"type":"charge.dispute.createD"');
    expect(text).toContain("charge.dispute.createD");
    fs.writeFileSync(backup.file!, text);
    const crypto = await import("node:crypto");
    const sum = crypto.createHash("sha256").update(text).digest("hex");
    await portal.store.db.updateTable("backups_catalog" as never).set({ sha256: sum, manifest: JSON.stringify({ ...backup.manifest, sha256: sum }) } as never).where("id" as never, "=", backup.id as never).execute();
    const r = await service.verify("shop-fs", backup.id);
    expect(r.status).toBe("failed");
    expect(r.detail).toMatch(/differ from the manifest's digest in stripeEvents/);
  }, 60_000);
});

describe("schedules are cron jobs", () => {
  it("each schedule is a cron job (in cron.jobs, its own probe, its API view) that takes no HTTP pings", async () => {
    const pings = portal.registry.services.get(cronPingsRef)!;
    const jobs = await portal.registry.probes.get("cron.jobs")!.def.read(read());
    expect(jobs.rows).toEqual(
      expect.arrayContaining([
        // The job's own zone is named once, beside its schedule.
        expect.objectContaining({ job: "backup-shop-fs", schedule: expect.stringContaining("(0 3 * * *, Europe/Berlin)") }),
        expect.objectContaining({ job: "verify-shop-fs", schedule: expect.stringContaining("(30 3 * * *, Europe/Berlin)") }),
      ]),
    );
    expect(portal.registry.probes.has("backups.backup-shop-fs")).toBe(true);
    const view = await pings.describe("backup-shop-fs");
    expect(view).toMatchObject({ job: "backup-shop-fs", schedule: "0 3 * * *", timezone: "Europe/Berlin", reports: ["runs reported by a plugin of the portal"] });
    const ping = await pings.ping({ job: "backup-shop-fs", kind: "success", token: "whatever-token", rid: null, body: null });
    expect(ping.status).toBe(409);
  });
});

describe("scheduled runs", () => {
  it("a schedule runs the backup and its verification and reports each run to its cron job; a target that cannot run reports failures", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-backups-sched-"));
    const t = await testPortal({
      dialect: "sqlite",
      plugins: [firestore, cron, backups],
      // Only the plugins' schedules of the background work: ticks claimed in the store, runs through the pipeline.
      steps: [startPluginSchedules],
      config: {
        app: { demo: false },
        plugins: {
          firestore: { projectId: sandbox.projectId, emulatorHost: sandbox.host },
          cron: { jobs: {} },
          backups: {
            targets: {
              quick: { kind: "firestore", collections: ["opsHealth"], schedule: "*/2 * * * * *", verifySchedule: "*/3 * * * * *" },
              broken: { kind: "firestore", collections: ["orders"], service: "no.such-service", schedule: "*/2 * * * * *" },
            },
            storage: { dir },
          },
        },
      },
    });
    try {
      const pings = t.portal.registry.services.get(cronPingsRef)!;
      type View = { runs: { outcome: string; source: string; excerpt: string | null }[] };
      // Generous: a shared two-core machine can make the emulator slow.
      const deadline = Date.now() + 90_000;
      let views: Record<string, View> = {};
      for (;;) {
        views = Object.fromEntries(await Promise.all(["backup-quick", "verify-quick", "backup-broken"].map(async (j) => [j, (await pings.describe(j)) as unknown as View] as const)));
        const done = (j: string, outcome: string) => views[j]!.runs.some((r) => r.outcome === outcome);
        if ((done("backup-quick", "success") && done("verify-quick", "success") && done("backup-broken", "fail")) || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(views["backup-quick"]!.runs).toEqual(expect.arrayContaining([expect.objectContaining({ outcome: "success", source: "plugin", excerpt: expect.stringMatching(/backup quick-.*B/) })]));
      expect(views["verify-quick"]!.runs).toEqual(expect.arrayContaining([expect.objectContaining({ outcome: "success", excerpt: expect.stringMatching(/counts match the manifest/) })]));
      expect(views["backup-broken"]!.runs).toEqual(expect.arrayContaining([expect.objectContaining({ outcome: "fail", excerpt: expect.stringMatching(/no "no.such-service" service: enable the firestore plugin/) })]));
      const svc = t.portal.registry.services.get(backupsRef)!;
      expect((await svc.catalog.list("quick")).some((r) => r.status === "good" && r.verifyStatus === "passed")).toBe(true);
      // Scheduled runs are runs of the actions by system:scheduler: audited from start to end, under the target's lock.
      const entries = await t.portal.store.db.selectFrom("audit_entries").select(["actor", "action", "target", "outcome"]).where("actor", "=", "system:scheduler").execute();
      expect(entries).toEqual(
        expect.arrayContaining([
          { actor: "system:scheduler", action: "backups.backup-now", target: "quick", outcome: "started" },
          { actor: "system:scheduler", action: "backups.backup-now", target: "quick", outcome: "succeeded" },
          { actor: "system:scheduler", action: "backups.verify", target: "quick", outcome: "succeeded" },
          { actor: "system:scheduler", action: "backups.backup-now", target: "broken", outcome: "failed" },
        ]),
      );
      const ticks = await t.portal.store.db.selectFrom("scheduler_ticks").select(["job", "outcome"]).execute();
      expect(ticks).toEqual(expect.arrayContaining([expect.objectContaining({ job: "backups.backup-quick", outcome: "succeeded" }), expect.objectContaining({ job: "backups.backup-broken", outcome: "failed" })]));
    } finally {
      await t.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});

describe("demo", () => {
  it("the demo names the emulator's shop collections as a scheduled target when the emulator runs", async () => {
    const routes: string[] = [];
    const world = {
      shopUrl: "http://127.0.0.1:9",
      route: (method: string, path: string) => routes.push(`${method} ${path}`),
      get: (k: string) => (k === "firestore.emulator" ? { host: sandbox.host, projectId: sandbox.projectId } : undefined),
      waitFor: () => Promise.reject(new Error("no postgres")),
    };
    const d = await backups.demo!({ dataDir: os.tmpdir(), log: console, world: world as never });
    const config = backups.config.parse(d.config);
    // The shop's managed exports, through a sandbox of the two Google APIs on the shop's server.
    expect(routes).toEqual(["GET /gcp/firestore/v1/*", "GET /gcp/storage/storage/v1/*"]);
    expect(config.gcp).toMatchObject({ project: "wildlife-exchange-demo", bucket: "wx-firestore-exports", adminUrl: "http://127.0.0.1:9/gcp/firestore", storageUrl: "http://127.0.0.1:9/gcp/storage" });
    expect(config.targets["shop-firestore"]).toMatchObject({ kind: "firestore", collections: expect.arrayContaining(["orders", "stripeEvents"]), schedule: expect.any(String), verifySchedule: expect.any(String) });
    expect(config.targets.portal).toMatchObject({ kind: "portal", schedule: expect.any(String) });
    expect(config.targets.shop).toBeUndefined();
    const none = await backups.demo!({ dataDir: os.tmpdir(), log: console, world: { shopUrl: "http://127.0.0.1:9", route: () => {}, get: () => undefined, waitFor: () => Promise.reject(new Error("none")) } as never });
    expect(backups.config.parse(none.config).targets["shop-firestore"]).toBeUndefined();
  });

  it("seeds a healthy, verified shop-firestore backup and records it on the target's cron jobs", async () => {
    const { seedDemoBackups } = await import("../../plugins/backups/demo");
    const pings = portal.registry.services.get(cronPingsRef)!;
    const reporters = {
      "backup-shop-firestore": pings.register({ name: "backup-shop-firestore", title: "Backup of shop-firestore", schedule: "45 3 * * *" }),
      "verify-shop-firestore": pings.register({ name: "verify-shop-firestore", title: "Verification", schedule: "45 4 * * *" }),
    };
    const source = { kind: "firestore" as const, service: portal.registry.services.get(firestoreCollectionsRef)!, collections: ["orders", "stripeEvents"] };
    const warnings: unknown[] = [];
    await seedDemoBackups({ catalog: service.catalog, dir: storage, sources: { "shop-firestore": source as never }, log: { ...console, warn: (...a: unknown[]) => warnings.push(a) } as never, live: new Set(), reporters });
    expect(warnings).toEqual([]);
    const rows = await service.catalog.list("shop-firestore");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "good", verifyStatus: "passed" });
    const view = (await pings.describe("backup-shop-firestore")) as { runs: { outcome: string }[]; status: string };
    expect(view.runs.map((r) => r.outcome)).toEqual(["success"]);
    expect(((await pings.describe("verify-shop-firestore")) as { runs: { outcome: string }[] }).runs.map((r) => r.outcome)).toEqual(["success"]);
  }, 60_000);
});
