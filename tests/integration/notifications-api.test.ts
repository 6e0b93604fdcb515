// The HTTP edge of issue 29: GET /api/notifications/deliveries (admins), GET /api/oncall, POST
// /api/oncall overrides (admins, audited), POST /api/escalations/:subject/ack, and the admin page's
// test-send — bad input answered 400 naming the field, never 500.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "~/core/auth.server";
import { declareIncident } from "~/core/incidents/incidents.server";
import { escalationTick } from "~/core/notifications/escalation.server";
import { notificationsBootStep } from "~/core/notifications/service.server";
import type { Portal } from "~/core/portal.server";
import { action as adminPageAction, loader as adminPageLoader } from "~/routes/admin.notifications";
import { action as ackRoute } from "~/routes/api.escalations.$subject.ack";
import { loader as deliveriesRoute } from "~/routes/api.notifications.deliveries";
import { action as oncallPost, loader as oncallGet } from "~/routes/api.oncall";
import { makeRequest, testPortal } from "../helpers/portal";

describe("notifications API", () => {
  let portal: Portal;
  let cleanup: () => Promise<void>;
  let server: http.Server;
  const got: string[] = [];
  const auth: Record<string, string> = {};

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        got.push(body);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    ({ portal, cleanup } = await testPortal({
      steps: [notificationsBootStep],
      config: {
        notifications: { channels: { hook: { kind: "webhook", url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, secret: "api-hook-secret-0123" } }, routes: [{ channels: ["hook"] }] },
        oncall: {
          rotations: { primary: { members: ["admin", "admin2"], handoff: { time: "09:00" }, timezone: "UTC" } },
          escalation: { default: [{ rotation: "primary", after: "0m" }, { users: ["manager"], after: "15m" }] },
        },
      },
    }));
    for (const u of await portal.store.db.selectFrom("users").select(["id", "username"]).execute()) auth[u.username] = `Bearer ${(await createApiToken(portal.store, u.id, "test")).token}`;
  });
  afterAll(async () => {
    await cleanup?.();
    await new Promise((r) => server?.close(r));
  });

  const call = (fn: (a: never) => unknown, url: string, who: string, init: RequestInit = {}, params: Record<string, string> = {}) =>
    fn({ request: makeRequest(url, { ...init, headers: { authorization: auth[who]!, accept: "application/json", ...(init.headers ?? {}) } }), params, context: {} } as never) as Promise<Response>;
  const caught = async (p: Promise<Response>) => p.catch((r: Response) => r);

  it("lists deliveries for admins only, with the contract's fields", async () => {
    await declareIncident(portal.store, { username: "admin", roles: ["admin"] }, { title: "Checkout is down", severity: "P1" });
    const deadline = Date.now() + 10_000;
    let list: Record<string, unknown>[] = [];
    while (!list.some((d) => d.status === "sent")) {
      if (Date.now() > deadline) throw new Error("not delivered");
      list = (await (await call(deliveriesRoute, "/api/notifications/deliveries", "admin")).json()) as Record<string, unknown>[];
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(Object.keys(list[0]!)).toEqual(expect.arrayContaining(["id", "event", "channel", "status", "attempts", "lastError", "sentAt"]));
    expect(list[0]).toMatchObject({ channel: "hook", status: "sent", attempts: 1, lastError: null });
    expect((await caught(call(deliveriesRoute, "/api/notifications/deliveries", "responder"))).status).toBe(403);
    const bad = await call(deliveriesRoute, "/api/notifications/deliveries?status=lost", "admin");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors.status).toEqual(["must be queued, sent, retrying or failed"]);
  });

  it("says who is on call now and next; an admin's override is audited and wins", async () => {
    const now = (await (await call(oncallGet, "/api/oncall", "viewer")).json()) as { rotations: { name: string; now: string; next: { user: string; at: string } }[] };
    expect(now.rotations).toEqual([{ name: "primary", now: expect.stringMatching(/^admin2?$/), next: { user: expect.stringMatching(/^admin2?$/), at: expect.stringMatching(/T09:00:00.000Z$/) } }]);
    const other = now.rotations[0]!.now === "admin" ? "admin2" : "admin";
    const body = JSON.stringify({ rotation: "primary", username: other, startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await caught(call(oncallPost, "/api/oncall", "responder", { method: "POST", body, headers: { "content-type": "application/json" } }))).status).toBe(403);
    const made = await call(oncallPost, "/api/oncall", "admin", { method: "POST", body, headers: { "content-type": "application/json" } });
    expect(made.status).toBe(201);
    const after = (await (await call(oncallGet, "/api/oncall", "viewer")).json()) as { rotations: { now: string }[] };
    expect(after.rotations[0]!.now).toBe(other);
    const entry = await portal.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "oncall.override").executeTakeFirstOrThrow();
    expect(entry.actor).toBe("admin");
    const bad = await call(oncallPost, "/api/oncall", "admin", { method: "POST", body: JSON.stringify({ rotation: "primary", username: "admin", startsAt: "2026-12-02T10:00:00Z", endsAt: "2026-12-02T09:00:00Z" }), headers: { "content-type": "application/json" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors.endsAt).toEqual(["must be after startsAt"]);
  });

  it("acknowledging stops an escalation; a second acknowledgement is a conflict", async () => {
    const inc = await declareIncident(portal.store, { username: "system:alerts", roles: ["responder"] }, { title: "Queue stuck", severity: "P1" }, { unacknowledged: true });
    await escalationTick(portal.store, portal.config.oncall, Date.now(), "test");
    const ack = await call(ackRoute, `/api/escalations/${inc.id}/ack`, "responder", { method: "POST" }, { subject: inc.id });
    expect(ack.status).toBe(200);
    expect((await call(ackRoute, `/api/escalations/${inc.id}/ack`, "responder", { method: "POST" }, { subject: inc.id })).status).toBe(409);
    expect((await call(ackRoute, `/api/escalations/nope/ack`, "responder", { method: "POST" }, { subject: "nope" })).status).toBe(404);
    expect(await escalationTick(portal.store, portal.config.oncall, Date.now() + 16 * 60_000, "test")).toBe(0);
  });

  it("the admin page's test-send puts a message through the channel", async () => {
    const before = got.length;
    const form = new URLSearchParams({ intent: "test", channel: "hook" });
    const res = await call(adminPageAction, "/admin/notifications", "admin", { method: "POST", body: form, headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    const deadline = Date.now() + 10_000;
    while (!got.slice(before).some((b) => JSON.parse(b).kind === "test")) {
      if (Date.now() > deadline) throw new Error("the test message did not arrive");
      await new Promise((r) => setTimeout(r, 50));
    }
    const unknown = await call(adminPageAction, "/admin/notifications", "admin", { method: "POST", body: new URLSearchParams({ intent: "test", channel: "nope" }), headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(unknown.status).toBe(400);
    const page = (await (await call(adminPageLoader, "/admin/notifications", "admin")).json()) as { channels: unknown[]; deliveries: unknown[] };
    expect(page.channels).toEqual([{ name: "hook", kind: "webhook" }]);
    expect(JSON.stringify(page)).not.toContain("api-hook-secret-0123");
  });
});
