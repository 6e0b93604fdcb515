import crypto from "node:crypto";
import { promisify } from "node:util";
import * as cookie from "cookie";
import { parseDuration } from "../../plugins/plugin-api";
import { hasRole, isRole, parseRoles, ROLES, type Role } from "~/lib/roles";
import { audit } from "./audit/audit.server";
import type { PortalConfig } from "./config.server";
import type { Store } from "./db/store.server";
import { newId } from "./ids.server";
import { ForbiddenError, InputError } from "./http/errors.server";
import { roleRequired, signInRequired } from "./http/require.server";
import { getPortal } from "./portal.server";

export { safeRedirect } from "./http/redirect.server";

const scrypt = promisify(crypto.scrypt) as (pw: string, salt: Buffer, len: number, opts: crypto.ScryptOptions) => Promise<Buffer>;

/** Internal headers set by the portal's own middleware after stripping any client-supplied value. */
export const PEER_HEADER = "x-opsdeck-peer";
export const PROTO_HEADER = "x-opsdeck-proto";

/** How a request was authenticated, as audit entries state it: a browser session, an API token (with its id) or the trusted proxy. */
/** `scheduler`: the portal itself, running scheduled work as `system:scheduler`. */
export type AuthVia = "session" | "proxy" | "scheduler" | "slack" | `token ${string}`;

export interface User {
  id: string;
  username: string;
  displayName: string | null;
  roles: Role[];
  via: AuthVia;
  /** Set when the request carried an API token. */
  tokenId?: string;
}

export function isTokenUser(user: Pick<User, "via">): boolean {
  return user.via.startsWith("token ");
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

function toUser(row: { id: string; username: string; display_name: string | null; roles: string }, via: AuthVia, roles?: Role[], tokenId?: string): User {
  return { id: row.id, username: row.username, displayName: row.display_name, roles: roles ?? parseRoles(row.roles), via, ...(tokenId ? { tokenId } : {}) };
}

export function publicUser(user: User) {
  return { username: user.username, displayName: user.displayName, roles: user.roles };
}

/* ------------------------------------------------------------------ sign-in */

export type LoginResult =
  | { ok: true; token: string; user: User; maxAgeSeconds: number; breakGlass?: boolean }
  | { ok: false; reason: "invalid" | "locked" | "local-off" | "unavailable"; message: string };

/** The one answer to every refused password when auth.local is false, so it reveals no break-glass account. */
export const LOCAL_SIGN_IN_OFF = "Passwords are turned off on this portal: use single sign-on. (Break-glass accounts: check the username and password.)";

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
    .select(["id", "username", "display_name", "roles", "password_hash", "disabled", "break_glass"])
    .where("username", "=", username)
    .executeTakeFirst();
  const valid = await verifyPassword(input.password, row?.password_hash ?? null);
  if (!row || !valid || row.disabled || (!config.auth.local && !row.break_glass)) {
    await store.db.insertInto("login_failures").values({ id: newId(), username, address: input.address, at: now }).execute();
    if (!config.auth.local) return { ok: false, reason: "local-off", message: LOCAL_SIGN_IN_OFF };
    return { ok: false, reason: "invalid", message: "Wrong username or password." };
  }
  await store.db.deleteFrom("login_failures").where("username", "=", username).execute();
  const token = crypto.randomBytes(32).toString("base64url");
  const ttl = parseDuration(config.auth.sessionTtl);
  await store.db
    .insertInto("sessions")
    .values({ id_hash: sha256(token), user_id: row.id, created_at: now, expires_at: now + ttl, address: input.address })
    .execute();
  return { ok: true, token, user: toUser(row, "session"), maxAgeSeconds: Math.floor(ttl / 1000), breakGlass: !!row.break_glass };
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

/** The stored id of the session this browser holds (its token's hash), or null. */
export function browserSessionHash(request: Request): string | null {
  const token = sessionToken(request);
  return token ? sha256(token) : null;
}

/** Ends the session this browser holds (if any) on the server; returns whether there was one. */
export async function endBrowserSession(request: Request): Promise<boolean> {
  const token = sessionToken(request);
  if (!token) return false;
  const { store } = getPortal();
  const res = await store.db.deleteFrom("sessions").where("id_hash", "=", sha256(token)).executeTakeFirst();
  notifyCredentialsChanged();
  return Number(res.numDeletedRows) > 0;
}

export async function logout(request: Request): Promise<string> {
  await endBrowserSession(request);
  return sessionCookie(request, "", 0);
}

/**
 * Signs a person in from this browser: a new session token (rotation), and the session the
 * browser held before, whoever it belonged to, ends on the server.
 */
export async function signIn(request: Request, input: { username: string; password: string }): Promise<LoginResult & { cookie?: string }> {
  const { store, config } = getPortal();
  const result = await login(store, config, { ...input, address: requestAddress(request) });
  if (!result.ok) return result;
  if (result.breakGlass) {
    try {
      await audit(getPortal(), { actor: result.user.username, roles: result.user.roles, action: "auth.break-glass-sign-in", target: `user:${result.user.username}`, outcome: "succeeded", details: { via: "password", address: requestAddress(request), localPasswords: config.auth.local } });
    } catch {
      // A break-glass sign-in that leaves no trace must not happen.
      await store.db.deleteFrom("sessions").where("id_hash", "=", sha256(result.token)).execute();
      return { ok: false, reason: "unavailable", message: "The audit log cannot be written, so break-glass sign-in is refused. Try again shortly." };
    }
  }
  await endBrowserSession(request);
  return { ...result, cookie: sessionCookie(request, result.token, result.maxAgeSeconds) };
}

/* ------------------------------------------------------- credential changes */

const credentialListeners = new Set<() => void>();

/** Called (in this process) whenever a session ends or a token is revoked, so live streams re-check at once. */
export function onCredentialsChanged(listener: () => void): () => void {
  credentialListeners.add(listener);
  return () => credentialListeners.delete(listener);
}

export function notifyCredentialsChanged(): void {
  for (const l of credentialListeners) {
    try {
      l();
    } catch {
      /* a listener's own problem */
    }
  }
}

/** What a live stream re-checks on every tick: the credential it was opened with. */
export type Credential = { kind: "session"; hash: string } | { kind: "token"; hash: string } | { kind: "proxy"; userId: string };

/** The credential a request was authenticated with (after `getUser` accepted it). */
export function credentialOf(request: Request, user: User): Credential {
  if (isTokenUser(user)) {
    const m = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "");
    return { kind: "token", hash: sha256(m?.[1] ?? "") };
  }
  if (user.via === "proxy") return { kind: "proxy", userId: user.id };
  return { kind: "session", hash: sha256(sessionToken(request) ?? "") };
}

export function credentialKey(c: Credential): string {
  return c.kind === "proxy" ? `proxy:${c.userId}` : `${c.kind}:${c.hash}`;
}

/**
 * Which of these credentials still hold now (session unexpired, token unrevoked, user enabled),
 * in at most three queries however many streams ask.
 */
export async function validCredentials(store: Store, credentials: readonly Credential[], now = Date.now()): Promise<Set<string>> {
  const sessions = [...new Set(credentials.filter((c) => c.kind === "session").map((c) => (c as { hash: string }).hash))];
  const tokens = [...new Set(credentials.filter((c) => c.kind === "token").map((c) => (c as { hash: string }).hash))];
  const users = [...new Set(credentials.filter((c) => c.kind === "proxy").map((c) => (c as { userId: string }).userId))];
  const valid = new Set<string>();
  const chunks = <T>(list: T[]) => Array.from({ length: Math.ceil(list.length / 500) }, (_, i) => list.slice(i * 500, i * 500 + 500));
  for (const part of chunks(sessions)) {
    const rows = await store.db
      .selectFrom("sessions")
      .innerJoin("users", "users.id", "sessions.user_id")
      .select("sessions.id_hash")
      .where("sessions.id_hash", "in", part)
      .where("sessions.expires_at", ">=", now)
      .where("users.disabled", "=", 0)
      .execute();
    for (const r of rows) valid.add(`session:${r.id_hash}`);
  }
  for (const part of chunks(tokens)) {
    const rows = await store.db
      .selectFrom("api_tokens")
      .innerJoin("users", "users.id", "api_tokens.user_id")
      .select("api_tokens.token_hash")
      .where("api_tokens.token_hash", "in", part)
      .where("api_tokens.revoked_at", "is", null)
      .where("users.disabled", "=", 0)
      .execute();
    for (const r of rows) valid.add(`token:${r.token_hash}`);
  }
  for (const part of chunks(users)) {
    const rows = await store.db.selectFrom("users").select("id").where("id", "in", part).where("disabled", "=", 0).execute();
    for (const r of rows) valid.add(`proxy:${r.id}`);
  }
  return valid;
}

export function requestAddress(request: Request): string {
  return request.headers.get(PEER_HEADER) ?? "unknown";
}

/* ---------------------------------------------------------------- API tokens */

/** The roles a token of this owner may hold: every role the owner holds or that one of them implies. */
export function grantableRoles(ownerRoles: readonly string[]): Role[] {
  return ROLES.filter((r) => hasRole(ownerRoles, r));
}

/**
 * A new API token holding `roles` (any subset of what the owner holds or implies; by default the
 * owner's own roles). Asking for a role the owner cannot grant is an input error, not a silent cut.
 */
export async function createApiToken(store: Store, userId: string, name: string, roles?: Role[]): Promise<{ id: string; token: string; roles: Role[] }> {
  const user = await store.db.selectFrom("users").select(["roles"]).where("id", "=", userId).executeTakeFirstOrThrow();
  const own = parseRoles(user.roles);
  const beyond = (roles ?? []).filter((r) => !hasRole(own, r));
  if (beyond.length) throw new InputError({ roles: [`you cannot grant ${beyond.join(", ")}: a token holds only roles you hold or that yours imply`] });
  const granted = roles?.length ? [...new Set(roles)] : own;
  if (!granted.length) throw new InputError({ roles: ["a token needs at least one role"] });
  const token = `odk_${crypto.randomBytes(32).toString("base64url")}`;
  const id = newId("tok_");
  await store.db
    .insertInto("api_tokens")
    .values({ id, user_id: userId, name: name.slice(0, 200), token_hash: sha256(token), roles: granted.join(","), created_at: Date.now(), last_used_at: null, revoked_at: null })
    .execute();
  return { id, token, roles: granted };
}

export interface ApiTokenView {
  id: string;
  name: string;
  roles: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** A person's API tokens, newest first (never the token itself: only its hash is stored). */
export async function listApiTokens(store: Store, userId: string, limit = 200): Promise<ApiTokenView[]> {
  const rows = await store.db
    .selectFrom("api_tokens")
    .select(["id", "name", "roles", "created_at", "last_used_at", "revoked_at"])
    .where("user_id", "=", userId)
    .orderBy("created_at", "desc")
    .limit(limit)
    .execute();
  return rows.map((t) => ({
    id: t.id,
    name: t.name,
    roles: t.roles,
    createdAt: Number(t.created_at),
    lastUsedAt: t.last_used_at === null ? null : Number(t.last_used_at),
    revokedAt: t.revoked_at === null ? null : Number(t.revoked_at),
  }));
}

export async function revokeApiToken(store: Store, userId: string, tokenId: string): Promise<boolean> {
  const res = await store.db
    .updateTable("api_tokens")
    .set({ revoked_at: Date.now() })
    .where("id", "=", tokenId)
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  notifyCredentialsChanged();
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
    // Never more than the owner holds (or implies) now, even if the owner lost a role after the token was made.
    const own = parseRoles(row.roles);
    const roles = parseRoles(row.token_roles).filter((r) => hasRole(own, r));
    if (!row.last_used_at || now - row.last_used_at > 60_000) {
      await store.db.updateTable("api_tokens").set({ last_used_at: now }).where("id", "=", row.token_id).execute();
    }
    return toUser(row, `token ${row.token_id}`, roles, row.token_id);
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

/**
 * The signed-in user, or throws the edge's answer (app/core/http): a redirect to sign-in for
 * pages, 401 JSON for the API. Remix answers a thrown Response from any loader or action as is.
 */
export async function requireUser(request: Request): Promise<User> {
  const user = await getUser(request);
  if (user) return user;
  throw signInRequired(request);
}

/** The signed-in user holding `role` (or a role that implies it), or throws 403. */
export async function requireRole(request: Request, role: Role): Promise<User> {
  const user = await requireUser(request);
  if (!hasRole(user.roles, role)) throw roleRequired(role);
  return user;
}

/**
 * The signed-in person (browser session or trusted proxy), never an API token: for every route
 * that changes identity (users, roles, tokens). Tokens are for automation; a leaked one must not
 * mint accounts or more tokens. A token is refused with a `ForbiddenError` (403), which the route
 * maps at the edge (`orErrorResponse`); no one signed in, or a missing role, as `requireRole`.
 */
export async function requireSession(request: Request, role?: Role): Promise<User> {
  const user = role ? await requireRole(request, role) : await requireUser(request);
  if (isTokenUser(user)) throw new ForbiddenError("changing users, roles or tokens needs a signed-in session; API tokens cannot do it");
  return user;
}
