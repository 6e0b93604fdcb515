import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { action as usersAction } from "~/routes/admin.users";
import { DIALECTS, makeRequest, testPortal } from "../../tests/helpers/portal";
import { login, sessionCookie, type User } from "./auth.server";
import type { Portal } from "./portal.server";
import { changeUser, UserChangeError } from "./users.server";

describe.each(DIALECTS)("user management on %s", (dialect) => {
  let portal: Portal;
  let cleanup: () => Promise<void>;
  const admin: User = { id: "x", username: "admin", displayName: null, roles: ["admin"], via: "session" };
  beforeAll(async () => {
    ({ portal, cleanup } = await testPortal({ dialect }));
  });
  afterAll(async () => cleanup());

  async function cookieFor(username: string) {
    const r = await login(portal.store, portal.config, { username, password: "test-password", address: "127.0.0.1" });
    if (!r.ok) throw new Error(r.message);
    return sessionCookie(makeRequest("/"), r.token, 60).split(";")[0];
  }

  it("changes roles and writes the change to the audit chain in one step", async () => {
    await changeUser(admin, { intent: "roles", username: "viewer", roles: ["viewer", "responder"] });
    const u = await portal.store.db.selectFrom("users").select("roles").where("username", "=", "viewer").executeTakeFirstOrThrow();
    expect(u.roles).toBe("viewer,responder");
    const entry = await portal.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "portal.user-roles").executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor: "admin", target: "user:viewer", outcome: "succeeded" });
    expect(JSON.parse(entry.details)).toMatchObject({ from: ["viewer"], to: ["viewer", "responder"] });
  });

  it("refuses an admin changing their own roles", async () => {
    await expect(changeUser(admin, { intent: "roles", username: "admin", roles: ["viewer"] })).rejects.toBeInstanceOf(UserChangeError);
  });

  it("disabling a user ends their sessions", async () => {
    const cookie = await cookieFor("manager");
    await changeUser(admin, { intent: "disable", username: "manager" });
    const res = await usersAction({ request: makeRequest("/admin/users", { method: "POST", cookie, body: new URLSearchParams({ intent: "enable", username: "manager" }) }), params: {}, context: {} }).catch((e) => e);
    expect(res).toBeInstanceOf(Response);
    expect((res as Response).status).toBe(302); // signed out: sent to sign-in
  });

  it("a non-admin's forged POST is refused with 403 and changes nothing", async () => {
    const cookie = await cookieFor("responder");
    const res = await usersAction({ request: makeRequest("/admin/users", { method: "POST", cookie, body: new URLSearchParams({ intent: "roles", username: "responder", roles: "admin" }) }), params: {}, context: {} }).catch((e) => e);
    expect((res as Response).status).toBe(403);
    const u = await portal.store.db.selectFrom("users").select("roles").where("username", "=", "responder").executeTakeFirstOrThrow();
    expect(u.roles).toBe("responder");
  });

  it("bad input answers 400 with field errors", async () => {
    const cookie = await cookieFor("admin2");
    const res = (await usersAction({ request: makeRequest("/admin/users", { method: "POST", cookie, body: new URLSearchParams({ intent: "add", username: "Bad Name!", password: "x" }) }), params: {}, context: {} })) as Response;
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(Object.keys(body.fieldErrors)).toEqual(expect.arrayContaining(["username", "password", "roles"]));
  });
});
