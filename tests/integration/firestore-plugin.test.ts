import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { ordersRef, type OrdersLedger } from "../../plugins/orders-api";
import firestore from "../../plugins/firestore";
import { createFirestoreClient } from "../../plugins/firestore/client.server";
import { startFirestoreSandbox, wildlifeExchangeConfig, type FirestoreSandbox } from "../../plugins/firestore/sandbox";
import { ConfigError, loadConfig } from "~/core/config.server";
import { testPortal } from "../helpers/portal";
import { shopCatalog } from "../helpers/shop";
import { createWorld } from "../../demo/world";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function configError(section: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-fs-config-"));
  try {
    fs.writeFileSync(path.join(dir, "app-config.yaml"), YAML.stringify({ plugins: { firestore: section } }));
    loadConfig({ cwd: dir, env: { SESSION_SECRET: "x".repeat(32) } as unknown as NodeJS.ProcessEnv });
    return "";
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

let sandbox: FirestoreSandbox;
beforeAll(async () => {
  sandbox = await startFirestoreSandbox({ catalog: shopCatalog });
});
afterAll(async () => {
  await sandbox?.stop();
});

describe("firestore plugin in the portal", () => {
  it("refuses to start on a malformed filter, naming the key", () => {
    const message = configError({
      projectId: "wx",
      emulatorHost: "127.0.0.1:8080",
      queries: { "stuck-paid-orders": { collection: "orders", filters: [["status", "==", "paid"], ["paidAt", "older-than", "10m"]] } },
    });
    expect(message).toMatch(/^plugins\.firestore\.queries\.stuck-paid-orders\.filters\.1\.1: unknown operator "older-than"/);
    expect(configError({ projectId: "wx", emulatorHost: "127.0.0.1:8080", opsHealth: { ar: { document: "opsHealth/autoReleaseProtected" } } })).toMatch(
      /plugins\.firestore\.opsHealth\.ar\.interval: is required/,
    );
  });

  it("never echoes an inline service-account secret in a start error", () => {
    const secretJson = '{"client_email":"x@y","private_key":"-----BEGIN PRIVATE KEY-----SECRETSECRET';
    expect(() => firestore.setup({ config: firestore.config.parse({ projectId: "wx", serviceAccountJson: secretJson }), log: quiet, deps: {}, demo: false, dataDir: os.tmpdir() })).toThrow(
      /^plugins\.firestore\.serviceAccountJson: not valid JSON$/,
    );
  });

  it("refuses to start on an unreadable service-account file, naming the key", () => {
    const config = firestore.config.parse({ projectId: "wx", serviceAccountFile: "/nonexistent/sa.json" });
    expect(() => firestore.setup({ config, log: quiet, deps: {}, demo: false, dataDir: os.tmpdir() })).toThrow(
      "plugins.firestore.serviceAccountFile: cannot read /nonexistent/sa.json: ENOENT",
    );
  });

  it("registers its probes, high-risk fixes and the orders ledger from config, and reads through the registry", async () => {
    const { portal, cleanup } = await testPortal({ config: { plugins: { firestore: wildlifeExchangeConfig(sandbox) } } });
    try {
      const { registry } = portal;
      expect([...registry.probes.keys()].filter((id) => id.startsWith("firestore.")).sort()).toEqual([
        "firestore.autorelease-health",
        "firestore.held-orders",
        "firestore.open-disputes",
        "firestore.recent-orders",
        "firestore.release-overdue",
        "firestore.revenue-aggregate-age",
        "firestore.revenue-aggregation-health",
        "firestore.stripe-events-newest",
        "firestore.stripe-webhook-health",
        "firestore.stuck-paid-orders",
      ]);
      const actions = [...registry.actions.values()].filter((a) => a.pluginId === "firestore");
      expect(actions.map((a) => [a.id, a.risk]).sort()).toEqual([
        ["firestore.add-internal-note", "high"],
        ["firestore.record-stripe-event", "high"],
        ["firestore.set-order-status", "high"],
        ["firestore.set-payment-intent", "high"],
        ["firestore.toggle-admin-hold", "high"],
      ]);
      const ledger = registry.services.get(ordersRef)!;
      expect(await ledger.findByPaymentIntent("pi_demo_wx1040")).toMatchObject({ id: "wx-1040", status: "delivered" });
      for (const fix of ledger.fixActions!((await ledger.findById("wx-1046"))!)) {
        const action = registry.actions.get(fix.actionId);
        expect(action, fix.actionId).toBeDefined();
      }
      const probe = registry.probes.get("firestore.autorelease-health")!;
      const reading = await probe.def.read({ signal: new AbortController().signal, log: quiet, now: () => new Date() });
      expect(reading.status).toBe("critical");
    } finally {
      await cleanup();
    }
  });

  it("starts a sandbox seeded with the world's catalog in demo mode and stops it", async () => {
    const world = await createWorld({ dataDir: path.join(os.tmpdir(), `fs-demo-world-${process.pid}`), log: quiet, portalUrl: "http://127.0.0.1:9" });
    const demo = await firestore.demo!({ dataDir: os.tmpdir(), log: quiet, world: world.world });
    const config = firestore.config.parse(demo.config);
    const instance = await firestore.setup({ config, log: quiet, deps: {}, demo: true, dataDir: os.tmpdir() });
    try {
      const stuck = instance.probes!.find((p) => p.id === "stuck-paid-orders")!;
      expect((await stuck.read({ signal: new AbortController().signal, log: quiet, now: () => new Date() })).value).toBe(3);
      expect(instance.provides!.orders).toBeDefined();
    } finally {
      await instance.stop!();
      await demo.stop();
      await world.stop();
    }
  });

  it("keeps plugin instances apart although FIRESTORE_EMULATOR_HOST is process-global", async () => {
    const other = await startFirestoreSandbox({ projectId: "other-project" });
    const before = process.env.FIRESTORE_EMULATOR_HOST;
    process.env.FIRESTORE_EMULATOR_HOST = "127.0.0.1:1"; // someone else's setting: must neither win nor be lost
    try {
      const a = createFirestoreClient({ projectId: sandbox.projectId, emulatorHost: sandbox.host });
      const b = createFirestoreClient({ projectId: "other-project", emulatorHost: other.host });
      expect(process.env.FIRESTORE_EMULATOR_HOST).toBe("127.0.0.1:1");
      await b.db.doc("orders/only-in-b").set({ status: "paid" });
      expect((await a.db.doc("orders/only-in-b").get()).exists).toBe(false);
      expect((await a.db.doc("orders/wx-1040").get()).exists).toBe(true);
      expect((await b.db.collection("orders").count().get()).data().count).toBe(1);
      await a.close();
      await b.close();
    } finally {
      if (before === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
      else process.env.FIRESTORE_EMULATOR_HOST = before;
      await other.stop();
    }
  });
});
