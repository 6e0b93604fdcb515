import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIALECTS, makeRequest, testPortal } from "../../tests/helpers/portal";
import type { Portal } from "./portal.server";
import {
  createApiToken,
  createOrUpdateUser,
  getUser,
  hashPassword,
  login,
  requireRole,
  revokeApiToken,
  sessionCookie,
  UserInputError,
  verifyPassword,
} from "./auth.server";

describe("passwords", () => {
  it("hashes with scrypt and verifies only the right password", async () => {
    const hash = await hashPassword("correct horse");
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(hash).not.toContain("correct horse");
    expect(await verifyPassword("correct horse", hash)).toBe(true);
    expect(await verifyPassword("wrong horse", hash)).toBe(false);
    expect(await verifyPassword("anything", null)).toBe(false);
  });
});

describe.each(DIALECTS)("auth on %s", (dialect) => {
  let portal: Portal;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const t = await testPortal({
      dialect,
      config: { auth: { trustedProxy: { proxies: ["10.0.0.5"], roleMapping: { "ops-admins": ["admin"] } } } },
    });
    portal = t.portal;
    cleanup = t.cleanup;
  });
  afterAll(async () => cleanup());

  const cookieOf = (token: string) => sessionCookie(makeRequest("/"), token, 60).split(";")[0];

  it("creates the demo accounts with the demo password", async () => {
    for (const username of ["viewer", "responder", "admin", "admin2", "manager"]) {
      const r = await login(portal.store, portal.config, { username, password: "test-password", address: "127.0.0.1" });
      expect(r.ok, username).toBe(true);
    }
  });

  it("signs in, resolves the session, and denies a missing role with 403", async () => {
    const r = await login(portal.store, portal.config, { username: "viewer", password: "test-password", address: "127.0.0.2" });
    if (!r.ok) throw new Error(r.message);
    const user = await getUser(makeRequest("/", { cookie: cookieOf(r.token) }));
    expect(user).toMatchObject({ username: "viewer", roles: ["viewer"], via: "session" });
    const denied = await requireRole(makeRequest("/api/x", { cookie: cookieOf(r.token) }), "admin").catch((e) => e);
    expect(denied).toBeInstanceOf(Response);
    expect((denied as Response).status).toBe(403);
    expect(await getUser(makeRequest("/", { cookie: cookieOf("forged-token") }))).toBeNull();
  });

  it("locks an account after repeated failures, the right password included", async () => {
    await createOrUpdateUser(portal.store, { username: "victim", password: "the-right-one", roles: ["responder"] });
    for (let i = 0; i < 20; i++) {
      const r = await login(portal.store, portal.config, { username: "victim", password: `guess-${i}`, address: `192.0.2.${i}` });
      expect(r.ok).toBe(false);
    }
    const r = await login(portal.store, portal.config, { username: "victim", password: "the-right-one", address: "198.51.100.1" });
    expect(r).toMatchObject({ ok: false, reason: "locked" });
  });

  it("limits failures per address across accounts", async () => {
    for (let i = 0; i < 50; i++) await login(portal.store, portal.config, { username: `nobody${i}`, password: "x", address: "203.0.113.9" });
    const r = await login(portal.store, portal.config, { username: "admin", password: "test-password", address: "203.0.113.9" });
    expect(r).toMatchObject({ ok: false, reason: "locked" });
  });

  it("rejects bad usernames and roles with a message naming the field", async () => {
    await expect(createOrUpdateUser(portal.store, { username: "Bad Name", password: "long-enough", roles: ["admin"] })).rejects.toThrow(UserInputError);
    await expect(createOrUpdateUser(portal.store, { username: "ok", password: "long-enough", roles: ["root"] })).rejects.toThrow(/^role:/);
  });

  it("API tokens: hashed, limited to the owner's roles, revocable", async () => {
    await createOrUpdateUser(portal.store, { username: "bot-owner", password: "long-enough", roles: ["responder"] });
    const owner = await portal.store.db.selectFrom("users").select("id").where("username", "=", "bot-owner").executeTakeFirstOrThrow();
    // A role the owner neither holds nor implies is refused, not silently dropped.
    await expect(createApiToken(portal.store, owner.id, "chatops", ["admin", "responder"])).rejects.toMatchObject({ status: 400, fieldErrors: { roles: [expect.stringContaining("admin")] } });
    const { id, token } = await createApiToken(portal.store, owner.id, "chatops", ["responder"]);
    const stored = await portal.store.db.selectFrom("api_tokens").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(token);
    expect(stored.roles).toBe("responder");
    const req = () => makeRequest("/api/probes", { headers: { authorization: `Bearer ${token}` } });
    expect(await getUser(req())).toMatchObject({ username: "bot-owner", roles: ["responder"], via: `token ${id}`, tokenId: id });
    // The owner loses the role: the token loses it too.
    await createOrUpdateUser(portal.store, { username: "bot-owner", roles: ["viewer"] });
    expect((await getUser(req()))?.roles).toEqual([]);
    expect(await revokeApiToken(portal.store, owner.id, id)).toBe(true);
    expect(await getUser(req())).toBeNull();
  });

  it("trusts the identity header only from configured proxies, mapping groups to roles", async () => {
    const headers = { "x-forwarded-user": "carol@example.com", "x-forwarded-groups": "ops-admins,staff" };
    expect(await getUser(makeRequest("/", { headers, peer: "10.0.0.99" }))).toBeNull();
    expect(await getUser(makeRequest("/", { headers, peer: "10.0.0.5" }))).toMatchObject({ username: "carol", roles: ["viewer", "admin"], via: "proxy" });
  });
});
