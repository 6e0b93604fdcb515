// Events reach the outbox with the change that causes them (issue 29): an incident declared,
// changed and resolved; a responder's request; a failed run; a probe gone critical — held back
// while an incident for its plugin is open or a silence covers it. Each goes out through a signed
// webhook; a change that fails writes no event.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { action, definePlugin, type PluginDefinition } from "../../plugins/plugin-api";
import { submitRequest } from "~/core/actions/ask-admin.server";
import { submitAction } from "~/core/actions/submit.server";
import { createSilence } from "~/core/alerts/silences.server";
import type { User } from "~/core/auth.server";
import { addEvent, declareIncident } from "~/core/incidents/incidents.server";
import { notificationsBootStep } from "~/core/notifications/service.server";
import { setupPlugins } from "~/core/plugins/registry.server";
import { ProbeEngine } from "~/core/probes/engine.server";
import { ProbeSampler } from "~/core/probes/sampler.server";
import type { Portal } from "~/core/portal.server";
import { fixturePlugin } from "../helpers/probe-fixture";
import { testPortal } from "../helpers/portal";
import { answerOf } from "../helpers/answer";

const HOOK_SECRET = "events-hook-secret-0123456789";

async function until<T>(fn: () => Promise<T | undefined | false | null> | T | undefined | false | null, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

const shopPlugin: PluginDefinition = definePlugin({
  id: "shop",
  title: "Shop",
  config: z.object({}).strict(),
  async demo() {
    return { config: {}, stop: async () => {} };
  },
  setup: () => ({
    actions: [
      action({ id: "break", title: "Break", risk: "low", input: z.object({ what: z.string() }), target: (i) => `thing:${i.what}`, async run() { throw new Error("the provider said no"); } }),
      action({ id: "rotate", title: "Rotate", risk: "high", input: z.object({ key: z.string() }), target: (i) => `key:${i.key}`, async run() { return { summary: "rotated" }; } }),
    ],
  }),
});

describe("events written with their change", () => {
  let portal: Portal;
  let cleanup: () => Promise<void>;
  let server: http.Server;
  const got: { kind: string; subject: string; title: string; signature: string; body: string }[] = [];
  const users: Record<string, User> = {};

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const b = JSON.parse(body) as { kind: string; subject: string; title: string };
        got.push({ ...b, signature: String(req.headers["x-opsdeck-signature"]), body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    ({ portal, cleanup } = await testPortal({
      plugins: [shopPlugin],
      steps: [notificationsBootStep],
      config: {
        notifications: {
          channels: { hook: { kind: "webhook", url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, secret: HOOK_SECRET } },
          routes: [{ channels: ["hook"] }],
        },
      },
    }));
    for (const u of await portal.store.db.selectFrom("users").selectAll().execute()) users[u.username] = { id: u.id, username: u.username, displayName: null, roles: u.roles.split(",") as User["roles"], via: "session" };
  });
  afterAll(async () => {
    await cleanup?.();
    await new Promise((r) => server?.close(r));
  });

  const kindsOf = (subject: string) => got.filter((g) => g.subject === subject).map((g) => g.kind);

  it("an incident's declaration, changes and resolution go out in order, signed", async () => {
    const inc = await declareIncident(portal.store, { username: "admin", roles: ["admin"] }, { title: "Checkout is down", severity: "P1" });
    await addEvent(portal.store, { username: "admin", roles: ["admin"] }, inc.id, { type: "severity", severity: "P2" });
    await addEvent(portal.store, { username: "admin", roles: ["admin"] }, inc.id, { type: "status", status: "resolved" });
    await until(() => kindsOf(inc.id).length === 3);
    expect(kindsOf(inc.id)).toEqual(["incident.declared", "incident.updated", "incident.resolved"]);
    for (const g of got) expect(g.signature).toBe(`sha256=${crypto.createHmac("sha256", HOOK_SECRET).update(g.body).digest("hex")}`);
  });

  it("a change refused writes no event", async () => {
    const before = await portal.store.db.selectFrom("notification_events").select(({ fn }) => fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    await expect(declareIncident(portal.store, { username: "viewer", roles: ["viewer"] }, { title: "not allowed", severity: "P1" })).rejects.toThrow();
    const inc = await declareIncident(portal.store, { username: "admin", roles: ["admin"] }, { title: "Already resolved", severity: "P3" });
    await expect(addEvent(portal.store, { username: "admin", roles: ["admin"] }, inc.id, { type: "status", status: "investigating" })).rejects.toThrow();
    const after = await portal.store.db.selectFrom("notification_events").select(({ fn }) => fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    expect(Number(after.n) - Number(before.n)).toBe(1);
  });

  it("a responder's request and a failed run go out", async () => {
    const asked = await answerOf(submitRequest(portal, users.responder!, "shop.rotate", { input: { key: "signing" }, request: { reason: "the key leaked into a log line" } }));
    expect(asked.status).toBe(202);
    const failed = await answerOf(submitAction(portal, users.responder!, "shop.break", { input: { what: "cart" } }));
    await until(() => kindsOf(String(asked.body.runId)).length === 1 && kindsOf(String(failed.body.runId)).length === 1);
    expect(got.find((g) => g.subject === asked.body.runId)).toMatchObject({ kind: "request.waiting", title: "responder asks an admin to run shop.rotate on key:signing" });
    expect(got.find((g) => g.subject === failed.body.runId)).toMatchObject({ kind: "action.failed", title: "shop.break on thing:cart failed" });
    expect(JSON.parse(got.find((g) => g.subject === failed.body.runId)!.body).fields.Error).toContain("the provider said no");
  });

  it("a probe gone critical goes out unless an incident for its plugin is open or a silence covers it", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-probe-"));
    const fx = fixturePlugin("fx", [{ id: "queue", every: "1s", thresholds: { critical: "> 5" } }]);
    const log = pino({ level: "silent" });
    const registry = await setupPlugins({ installed: [fx.plugin], configs: { fx: {} }, demo: false, dataDir, log });
    const engine = new ProbeEngine({ registry, probes: { retention: "14d", sampling: true, concurrencyPerPlugin: 4, overrides: {} }, store: portal.store, log });
    const sampler = new ProbeSampler(engine, portal.store, log, 14 * 86_400_000);
    // Readings a few ms apart: a reading no newer than the stored one is not stored again.
    const read = async (value: number) => {
      await new Promise((r) => setTimeout(r, 5));
      fx.state.value.queue = value;
      await engine.refresh("fx.queue");
      return sampler.sample("fx.queue");
    };
    const swing = async () => {
      await read(1);
      return read(9);
    };
    try {
      await read(1); // the first reading is where it is, not a change
      expect((await swing()).transition).toEqual({ from: "ok", to: "critical" });
      await until(() => kindsOf("fx.queue").length === 1);

      const inc = await declareIncident(portal.store, { username: "admin", roles: ["admin"] }, { title: "Queue backs up", severity: "P2", plugins: ["fx"] });
      expect((await swing()).transition).toEqual({ from: "ok", to: "critical" });
      await addEvent(portal.store, { username: "admin", roles: ["admin"] }, inc.id, { type: "status", status: "resolved" });
      await createSilence(portal, { username: "admin", roles: ["admin"] }, { matchers: [{ name: "probe", value: "fx.queue" }], duration: "1h", comment: "maintenance of the queue" });
      await new Promise((r) => setTimeout(r, 2100)); // silences are cached for 2 s on the ingest path
      expect((await swing()).transition).toEqual({ from: "ok", to: "critical" });
      await until(() => kindsOf(inc.id).length === 2);
      await new Promise((r) => setTimeout(r, 600));
      expect(kindsOf("fx.queue")).toEqual(["probe.critical"]);
      const events = await portal.store.db.selectFrom("notification_events").select(["routed_at"]).where("subject", "=", "fx.queue").execute();
      expect(events).toHaveLength(2); // none written while the incident was open
      expect(events.every((e) => e.routed_at != null)).toBe(true);
    } finally {
      sampler.close();
      await registry.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
