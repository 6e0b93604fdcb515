import crypto from "node:crypto";
import { promisify } from "node:util";
import { json, redirect } from "@remix-run/node";
import * as cookie from "cookie";
import { parseDuration } from "../../plugins/plugin-api";
import { hasRole, isRole, parseRoles, type Role } from "~/lib/roles";
import type { PortalConfig } from "./config.server";
import type { Store } from "./db/store.server";
import { getPortal } from "./portal.server";

const scrypt = promisify(crypto.scrypt) as (pw: string, salt: Buffer, len: number, opts: crypto.ScryptOptions) => Promise<Buffer>;

/** Internal headers set by the portal's own middleware after stripping any client-supplied value. */
export const PEER_HEADER = "x-opsdeck-peer";
export const PROTO_HEADER = "x-opsdeck-proto";

export interface User {
  id: string;
  username: string;
  displayName: string | null;
  roles: Role[];
  via: "session" | "token" | "proxy";
}

/* ---------------------------------------------------------------- passwords */

const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password.normalize("NFKC"), salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = (stored ?? "").split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") {
    // Spend the same time on unknown users so response time does not reveal which names exist.
    await scrypt(password, Buffer.alloc(16), 32, SCRYPT);
    return false;
  }
  const [, N, r, p, salt, hash] = parts;
  const expected = Buffer.from(hash, "base64");
  const actual = await scrypt(password.normalize("NFKC"), Buffer.from(salt, "base64"), expected.length, {
    N: Number(N),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return crypto.timingSafeEqual(actual, expected);
}

export function sha256(text: string): string {
  return crypto.createHash("sha256").update(text).digest("hex");
}

export function newId(prefix = ""): string {
  return prefix + crypto.randomBytes(12).toString("base64url");
}

/* -------------------------------------------------------------------- users */

const USERNAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export class UserInputError extends Error {}

export async function createOrUpdateUser(
  store: Store,
  input: { username: string; password?: string; roles: string[]; displayName?: string },
): Promise<{ created: boolean }> {
  if (!USERNAME.test(input.username)) throw new UserInputError(`username: use 1-63 lowercase letters, digits, ".", "_" or "-"`);
  const bad = input.roles.filter((r) => !isRole(r));
  if (bad.length || input.roles.length === 0) throw new UserInputError(`role: must be one or more of viewer, responder, admin, manager (got ${input.roles.join(",") || "none"})`);
  if (input.password !== undefined && input.password.length < 8) throw new UserInputError("password: must be at least 8 characters");
  const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);
  const existing = await store.db.selectFrom("users").select(["id"]).where("username", "=", input.username).executeTakeFirst();
  if (existing) {
    await store.db
      .updateTable("users")
      .set({
        roles: input.roles.join(","),
        ...(passwordHash ? { password_hash: passwordHash } : {}),
        ...(input.displayName ? { display_name: input.displayName } : {}),
      })
      .where("id", "=", existing.id)
      .execute();
    return { created: false };
  }
  await store.db
    .insertInto("users")
    .values({
      id: newId("u_"),
      username: input.username,
      display_name: input.displayName ?? null,
      password_hash: passwordHash ?? null,
      roles: input.roles.join(","),
      disabled: 0,
      created_at: Date.now(),
    })
    .execute();
  return { created: true };
}

function toUser(row: { id: string; username: string; display_name: string | null; roles: string }, via: User["via"], roles?: Role[]): User {
  return { id: row.id, username: row.username, displayName: row.display_name, roles: roles ?? parseRoles(row.roles), via };
}

export function publicUser(user: User) {
  return { username: user.username, displayName: user.displayName, roles: user.roles };
}

/* ------------------------------------------------------------------ sign-in */

export type LoginResult =
  | { ok: true; token: string; user: User; maxAgeSeconds: number }
  | { ok: false; reason: "invalid" | "locked"; message: string };

export async function login(
  store: Store,
  config: PortalConfig,
  input: { username: string; password: string; address: string },
): Promise<LoginResult> {
  const now = Date.now();
  const { perAccount, perAddress, window } = config.auth.loginRateLimit;
  const since = now - parseDuration(window);
  const username = input.username.trim().toLowerCase().slice(0, 200);
  const [byAccount, byAddress] = await Promise.all([
    store.db.selectFrom("login_failures").select((eb) => eb.fn.countAll<number>().as("n")).where("username", "=", username).where("at", ">", since).executeTakeFirst(),
    store.db.selectFrom("login_failures").select((eb) => eb.fn.countAll<number>().as("n")).where("address", "=", input.address).where("at", ">", since).executeTakeFirst(),
  ]);
  if (Number(byAccount?.n ?? 0) >= perAccount || Number(byAddress?.n ?? 0) >= perAddress) {
    return { ok: false, reason: "locked", message: `Too many failed sign-ins. Try again in ${window}.` };
  }
  const row = await store.db
    .selectFrom("users")
    .select(["id", "username", "display_name", "roles", "password_hash", "disabled"])
    .where("username", "=", username)
    .executeTakeFirst();
  const valid = await verifyPassword(input.password, row?.password_hash ?? null);
  if (!row || !valid || row.disabled) {
    await store.db.insertInto("login_failures").values({ id: newId(), username, address: input.address, at: now }).execute();
    return { ok: false, reason: "invalid", message: "Wrong username or password." };
  }
  await store.db.deleteFrom("login_failures").where("username", "=", username).execute();
  const token = crypto.randomBytes(32).toString("base64url");
  const ttl = parseDuration(config.auth.sessionTtl);
  await store.db
    .insertInto("sessions")
    .values({ id_hash: sha256(token), user_id: row.id, created_at: now, expires_at: now + ttl, address: input.address })
    .execute();
  return { ok: true, token, user: toUser(row, "session"), maxAgeSeconds: Math.floor(ttl / 1000) };
}

function isSecure(request: Request): boolean {
  return request.headers.get(PROTO_HEADER) === "https";
}

export function sessionCookieName(request: Request): string {
  return isSecure(request) ? "__Host-opsdeck_session" : "opsdeck_session";
}

function signToken(token: string): string {
  const secret = getPortal().config.sessionSecret ?? "";
  return `${token}.${crypto.createHmac("sha256", secret).update(token).digest("base64url")}`;
}

/** The session token from a signed cookie value, or null when the signature does not match. */
function unsignToken(value: string | undefined): string | null {
  if (!value) return null;
  const dot = value.lastIndexOf(".");
  if (dot <= 0) return null;
  const token = value.slice(0, dot);
  const expected = Buffer.from(signToken(token));
  const actual = Buffer.from(value);
  return expected.length === actual.length && crypto.timingSafeEqual(expected, actual) ? token : null;
}

function sessionToken(request: Request): string | null {
  return unsignToken(cookie.parse(request.headers.get("cookie") ?? "")[sessionCookieName(request)]);
}

export function sessionCookie(request: Request, token: string, maxAgeSeconds: number): string {
  return cookie.serialize(sessionCookieName(request), token ? signToken(token) : "", {
    httpOnly: true,
    sameSite: "lax",
    secure: isSecure(request),
    path: "/",
    maxAge: maxAgeSeconds,
  });
}

export async function logout(request: Request): Promise<string> {
  const { store } = getPortal();
  const token = sessionToken(request);
  if (token) await store.db.deleteFrom("sessions").where("id_hash", "=", sha256(token)).execute();
  return sessionCookie(request, "", 0);
}

export function requestAddress(request: Request): string {
  return request.headers.get(PEER_HEADER) ?? "unknown";
}

/* ---------------------------------------------------------------- API tokens */

export async function createApiToken(store: Store, userId: string, name: string, roles?: Role[]): Promise<{ id: string; token: string }> {
  const user = await store.db.selectFrom("users").select(["roles"]).where("id", "=", userId).executeTakeFirstOrThrow();
  const own = parseRoles(user.roles);
  const granted = roles ? roles.filter((r) => own.includes(r)) : own;
  const token = `odk_${crypto.randomBytes(32).toString("base64url")}`;
  const id = newId("tok_");
  await store.db
    .insertInto("api_tokens")
    .values({ id, user_id: userId, name: name.slice(0, 200), token_hash: sha256(token), roles: granted.join(","), created_at: Date.now(), last_used_at: null, revoked_at: null })
    .execute();
  return { id, token };
}

export async function revokeApiToken(store: Store, userId: string, tokenId: string): Promise<boolean> {
  const res = await store.db
    .updateTable("api_tokens")
    .set({ revoked_at: Date.now() })
    .where("id", "=", tokenId)
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/* ------------------------------------------------------------- who is this? */

export async function getUser(request: Request): Promise<User | null> {
  const { store, config, log } = getPortal();
  const now = Date.now();

  const authz = request.headers.get("authorization");
  if (authz) {
    const m = /^Bearer\s+(\S+)$/i.exec(authz);
    if (!m) return null;
    const row = await store.db
      .selectFrom("api_tokens")
      .innerJoin("users", "users.id", "api_tokens.user_id")
      .select(["users.id", "users.username", "users.display_name", "users.roles", "users.disabled", "api_tokens.roles as token_roles", "api_tokens.id as token_id", "api_tokens.last_used_at"])
      .where("api_tokens.token_hash", "=", sha256(m[1]))
      .where("api_tokens.revoked_at", "is", null)
      .executeTakeFirst();
    if (!row || row.disabled) return null;
    // Never more than the owner holds now, even if the owner lost a role after the token was made.
    const own = parseRoles(row.roles);
    const roles = parseRoles(row.token_roles).filter((r) => own.includes(r));
    if (!row.last_used_at || now - row.last_used_at > 60_000) {
      await store.db.updateTable("api_tokens").set({ last_used_at: now }).where("id", "=", row.token_id).execute();
    }
    return toUser(row, "token", roles);
  }

  const proxy = config.auth.trustedProxy;
  if (proxy?.enabled) {
    const asserted = request.headers.get(proxy.userHeader);
    if (asserted) {
      const peer = requestAddress(request);
      if (!proxy.proxies.includes(peer) && !proxy.proxies.includes(peer.replace(/^::ffff:/, ""))) {
        log.warn({ peer, header: proxy.userHeader }, "identity header from an untrusted address ignored");
      } else {
        return proxyUser(store, proxy, asserted, request.headers.get(proxy.groupsHeader));
      }
    }
  }

  const token = sessionToken(request);
  if (!token) return null;
  const row = await store.db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .select(["users.id", "users.username", "users.display_name", "users.roles", "users.disabled", "sessions.expires_at"])
    .where("sessions.id_hash", "=", sha256(token))
    .executeTakeFirst();
  if (!row || row.disabled || row.expires_at < now) return null;
  return toUser(row, "session");
}

async function proxyUser(
  store: Store,
  proxy: NonNullable<PortalConfig["auth"]["trustedProxy"]>,
  asserted: string,
  groupsHeader: string | null,
): Promise<User | null> {
  const username = asserted.trim().toLowerCase().replace(/@.*$/, "").replace(/[^a-z0-9._-]/g, "-").slice(0, 63);
  if (!username) return null;
  const groups = (groupsHeader ?? "").split(",").map((g) => g.trim()).filter(Boolean);
  const roles = new Set<Role>(proxy.defaultRoles);
  for (const g of groups) for (const r of proxy.roleMapping[g] ?? []) roles.add(r);
  const list = [...roles];
  let row = await store.db.selectFrom("users").select(["id", "username", "display_name", "roles", "disabled"]).where("username", "=", username).executeTakeFirst();
  if (!row) {
    const id = newId("u_");
    await store.db
      .insertInto("users")
      .values({ id, username, display_name: asserted.slice(0, 200), password_hash: null, roles: list.join(","), disabled: 0, created_at: Date.now() })
      .onConflict((oc) => oc.column("username").doNothing())
      .execute();
    row = await store.db.selectFrom("users").select(["id", "username", "display_name", "roles", "disabled"]).where("username", "=", username).executeTakeFirstOrThrow();
  } else if (row.roles !== list.join(",")) {
    await store.db.updateTable("users").set({ roles: list.join(",") }).where("id", "=", row.id).execute();
  }
  if (row.disabled) return null;
  return toUser(row, "proxy", list);
}

function wantsJson(request: Request): boolean {
  const url = new URL(request.url);
  return url.pathname.startsWith("/api/") || (request.headers.get("accept") ?? "").includes("application/json") || request.headers.has("authorization");
}

/** The signed-in user, or throws: a redirect to sign-in for pages, 401 JSON for the API. */
export async function requireUser(request: Request): Promise<User> {
  const user = await getUser(request);
  if (user) return user;
  if (wantsJson(request)) throw json({ error: "authentication required" }, { status: 401 });
  const url = new URL(request.url);
  throw redirect(`/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
}

/** The signed-in user holding `role` (or a role that implies it), or throws 403. */
export async function requireRole(request: Request, role: Role): Promise<User> {
  const user = await requireUser(request);
  if (!hasRole(user.roles, role)) {
    throw json({ error: `forbidden: this needs the ${role} role` }, { status: 403, statusText: "Forbidden" });
  }
  return user;
}

/** Only same-site relative paths may be redirect targets. */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/"): string {
  if (typeof to !== "string" || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  return to;
}
