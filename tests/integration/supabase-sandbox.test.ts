import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresModule } from "../../demo/shop/postgres";
import { createWorld } from "../../demo/world";
import type { ProbeDefinition } from "../../plugins/plugin-api";
import type { SqlService } from "../../plugins/supabase/api";
import supabase from "../../plugins/supabase";
import { createSupabase } from "../../plugins/supabase/client.server";
import { seedDemoStorage, startSupabaseSandbox, type SupabaseSandbox } from "../../plugins/supabase/sandbox";
import { probeEngine } from "~/core/probes/service.server";
import { testPortal } from "../helpers/portal";
import { shopDatabase } from "../helpers/shop-postgres";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const read = (p: ProbeDefinition) => p.read({ signal: new AbortController().signal, log: quiet, now: () => new Date() });

let db: Awaited<ReturnType<typeof shopDatabase>>;
let sandbox: SupabaseSandbox;
let storageDir: string;
beforeAll(async () => {
  db = await shopDatabase();
  storageDir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-sb-storage-"));
  seedDemoStorage(storageDir);
  sandbox = await startSupabaseSandbox({ databaseUrl: db.url, storageDir });
});
afterAll(async () => {
  await sandbox?.stop();
  await db?.drop();
  fs.rmSync(storageDir, { recursive: true, force: true });
});

describe("supabase-js against the sandbox (PostgREST subset over the real PostgreSQL)", () => {
  it("answers filters, select, order, limit/offset and exact counts as PostgREST does", async () => {
    const client = createSupabase(sandbox.url, sandbox.serviceRoleKey);
    const page = await client.from("orders").select("id, amount_cents", { count: "exact" }).eq("status", "paid").order("amount_cents", { ascending: false }).range(0, 1);
    expect(page.error).toBeNull();
    expect(page.data).toEqual([
      { id: "wx-1033", amount_cents: 152000 },
      { id: "wx-1031", amount_cents: 64000 },
    ]);
    expect(page.count).toBe(Number(db.psql("select count(*) from orders where status = 'paid'")));
    const head = await client.from("coupon_reservations").select("*", { count: "exact", head: true }).eq("status", "reserved").lt("expires_at", new Date().toISOString()).retry(false);
    expect(head).toMatchObject({ error: null, data: null, count: Number(db.psql("select count(*) from coupon_reservations where status = 'reserved' and expires_at < now()")) });
    const inList = await client.from("orders").select("id").in("id", ["wx-1030", "wx-1046", "wx-9999"]).is("transfer_id", null).order("id");
    expect(inList.data).toEqual([{ id: "wx-1030" }, { id: "wx-1046" }]);
    const like = await client.from("orders").select("customer_email").ilike("customer_email", "%ORTEGA%");
    expect(like.data).toEqual([{ customer_email: "m.ortega@example.com" }]);
    const missing = await client.from("no_such_table").select("*").retry(false);
    expect(missing).toMatchObject({ status: 404, error: { code: "PGRST205" } });
    const badColumn = await client.from("orders").select("nope").retry(false);
    expect(badColumn).toMatchObject({ status: 400, error: { code: "42703", message: 'column "nope" does not exist' } });
    const write = await client.from("orders").update({ status: "confirmed" }).eq("id", "wx-1031");
    expect(write.status).toBe(405);
    expect(db.psql("select status from orders where id = 'wx-1031'")).toBe("paid");
  });

  it("probes REST reachability and Storage through supabase-js", async () => {
    const config = supabase.config.parse({
      url: sandbox.url,
      serviceRoleKey: sandbox.serviceRoleKey,
      rest: { tables: ["orders"] },
      storage: {
        buckets: ["claim-documents", "invoices", "seller-payouts"],
        paths: {
          claims: { bucket: "claim-documents", prefix: "claims/CLM-2041" },
          invoices: { bucket: "invoices", prefix: "2026", measure: "newest-age", thresholds: { warn: "> 1440" } },
          "nowhere-bucket": { bucket: "no-bucket" },
        },
      },
    });
    const instance = await supabase.setup({ config, log: quiet, deps: {}, demo: false, dataDir: os.tmpdir() });
    try {
      const byId = (id: string) => instance.probes!.find((p) => p.id === id)!;
      expect(instance.probes!.map((p) => p.id)).toEqual(["rest-orders", "storage-buckets", "storage-claims", "storage-invoices", "storage-nowhere-bucket"]);
      const rest = await read(byId("rest-orders"));
      expect(rest.value).toBe(16);
      expect(rest.summary).toMatch(/^orders reachable through REST: 16 rows \(\d+ ms\)$/);
      const buckets = await read(byId("storage-buckets"));
      expect(buckets).toMatchObject({ value: 1, summary: "missing: seller-payouts" });
      const claims = await read(byId("storage-claims"));
      expect(claims.value).toBe(2);
      expect(claims.summary).toMatch(/^2 objects in claim-documents\/claims\/CLM-2041 \(newest photo-1\.jpg, (5\.\d|6) h old\)$/);
      const invoices = await read(byId("storage-invoices"));
      expect(invoices.value).toBeGreaterThanOrEqual(27 * 60);
      expect(invoices.value).toBeLessThan(27 * 60 + 5);
      expect(invoices.summary).toMatch(/^newest wx-1041\.pdf, 27 h old \(6 objects in invoices\/2026\)$/);
      await expect(read(byId("storage-nowhere-bucket"))).rejects.toThrow("Storage no-bucket/: Bucket not found (HTTP 404)");
    } finally {
      await instance.stop!();
    }
  });

  it("shows a wrong service key as unknown with \"authentication failed\", the key never shown", async () => {
    const wrongKey = "sb_secret_WRONG_wrong_wrong_0123456789";
    const t = await testPortal({
      plugins: [supabase],
      config: { plugins: { supabase: { url: sandbox.url, serviceRoleKey: wrongKey, rest: { tables: ["orders"] }, storage: { buckets: ["invoices"] } } } },
    });
    try {
      for (const id of ["supabase.rest-orders", "supabase.storage-buckets"]) {
        const view = await probeEngine(t.portal).reading(id);
        expect(view.status, id).toBe("unknown");
        const text = JSON.stringify(view);
        expect(text).toContain("authentication failed");
        expect(text).not.toContain(wrongKey);
        expect(text).not.toContain(sandbox.serviceRoleKey);
      }
      const view = await probeEngine(t.portal).reading("supabase.rest-orders");
      expect(JSON.stringify(view)).toContain("REST orders: authentication failed (HTTP 401); check serviceRoleKey");
    } finally {
      await t.cleanup();
    }
  });
});

describe("demo mode", () => {
  it("starts the shop's private PostgreSQL, the sandbox over it, and reads the seeded trouble", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-sb-demo-"));
    const world = await createWorld({ dataDir: path.join(dataDir, "world"), log: quiet, portalUrl: "http://127.0.0.1:9" });
    try {
      await postgresModule.start(world.world);
      const url = world.world.get<string>("postgres.url")!;
      expect(url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\//);
      expect(url).not.toContain(":5432/");
      const demo = await supabase.demo!({ dataDir: path.join(dataDir, "supabase"), log: quiet, world: world.world });
      const config = supabase.config.parse(demo.config);
      const instance = await supabase.setup({ config, log: quiet, deps: {}, demo: true, dataDir });
      try {
        const byId = (id: string) => instance.probes!.find((p) => p.id === id)!;
        expect((await read(byId("stuck-paid-orders"))).value).toBe(3);
        expect((await read(byId("coupon-reservation-leaks"))).value).toBe(4);
        expect((await read(byId("migration-status"))).value).toBe(1);
        expect((await read(byId("rest-orders"))).value).toBe(16);
        expect((await read(byId("storage-invoices"))).value).toBeGreaterThan(1440);
        expect(Object.keys(instance.provides!).sort()).toEqual(["orders", "sql"]);
        // No demo path reads as the superuser: the sql service logs in as the shop's read-only role.
        expect(config.readOnlyDatabaseUrl).toMatch(/^postgres:\/\/opsdeck_ro@127\.0\.0\.1:\d+\/shop$/);
        const sql = instance.provides!.sql as SqlService;
        expect((await sql.query("select current_user as who")).rows).toEqual([{ who: "opsdeck_ro" }]);
        expect(await read(byId("read-role"))).toMatchObject({ value: 0, summary: "reads run as opsdeck_ro, which cannot write or reach the server" });
        expect(instance.actions!.map((a) => [a.id, a.risk])).toEqual([
          ["query", "low"],
          ["confirm-order", "high"],
          ["set-payment-intent", "high"],
          ["expire-coupon-reservation", "high"],
        ]);
      } finally {
        await instance.stop!();
        await demo.stop();
      }
    } finally {
      await world.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
