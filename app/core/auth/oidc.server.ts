import crypto from "node:crypto";
import * as cookie from "cookie";
import * as client from "openid-client";
import { parseDuration } from "../../../plugins/plugin-api";
import type { Role } from "~/lib/roles";
import { audit } from "../audit/audit.server";
import type { AuditOutcome } from "../audit/chain.server";
import { endBrowserSession, requestAddress, safeRedirect, sessionCookie, sha256 } from "../auth.server";
import { newId } from "../ids.server";
import { getPortal, type Portal } from "../portal.server";
import { isLoopbackHttp, type OidcConfig } from "./oidc-config.server";
import { SsoError, type SsoErrorCode } from "./sso-errors.server";

export { SsoError } from "./sso-errors.server";

/** How long a person may take at the IdP between leaving and coming back. */
const FLOW_TTL_MS = 10 * 60_000;
/** Discovery metadata is re-read after this long (a failed discovery is never cached). */
const DISCOVERY_TTL_MS = 60 * 60_000;
const IDP_TIMEOUT_S = 10;
const MAX_GROUPS_KEPT = 200;

export function oidcConfig(portal: Pick<Portal, "config"> = getPortal()): OidcConfig | null {
  return portal.config.auth.oidc ?? null;
}

export function redirectUri(portal: Pick<Portal, "config">): string {
  return new URL("/auth/oidc/callback", portal.config.app.baseUrl).href;
}

/* ------------------------------------------------------------- discovery */

let discovered: { issuer: string; at: number; metadata: client.ServerMetadata } | null = null;

function clientFor(oidc: OidcConfig, metadata: client.ServerMetadata): client.Configuration {
  const config = new client.Configuration(metadata, oidc.clientId, { client_secret: oidc.clientSecret }, client.ClientSecretBasic(oidc.clientSecret));
  client.enableNonRepudiationChecks(config);
  config.timeout = IDP_TIMEOUT_S;
  if (isLoopbackHttp(new URL(oidc.issuer))) client.allowInsecureRequests(config);
  return config;
}

/**
 * The IdP's metadata, discovered lazily and cached for an hour; an IdP that was down is asked
 * again at the next sign-in. Each sign-in gets its own client configuration and with it a fresh
 * copy of the IdP's signing keys, so a rotated key is followed at once without a restart.
 */
async function idp(oidc: OidcConfig): Promise<client.Configuration> {
  if (!discovered || discovered.issuer !== oidc.issuer || Date.now() - discovered.at > DISCOVERY_TTL_MS) {
    const insecure = isLoopbackHttp(new URL(oidc.issuer));
    let found: client.Configuration;
    try {
      found = await client.discovery(new URL(oidc.issuer), oidc.clientId, undefined, undefined, {
        timeout: IDP_TIMEOUT_S,
        ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
      });
    } catch (err) {
      throw classify(err, "discovery");
    }
    discovered = { issuer: oidc.issuer, at: Date.now(), metadata: found.serverMetadata() };
  }
  return clientFor(oidc, discovered.metadata);
}

/** For tests: forget the discovered metadata. */
export function forgetDiscovery(): void {
  discovered = null;
}

/* ------------------------------------------------- the transient flow cookie */

interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  redirectTo: string;
  expires: number;
}

function flowCookieName(request: Request): string {
  return request.headers.get("x-opsdeck-proto") === "https" ? "__Host-opsdeck_oidc" : "opsdeck_oidc";
}

function mac(portal: Portal, text: string): string {
  return crypto.createHmac("sha256", `oidc-flow:${portal.config.sessionSecret ?? ""}`).update(text).digest("base64url");
}

function flowCookie(request: Request, portal: Portal, flow: Flow | null): string {
  const body = flow ? Buffer.from(JSON.stringify(flow)).toString("base64url") : "";
  return cookie.serialize(flowCookieName(request), flow ? `${body}.${mac(portal, body)}` : "", {
    httpOnly: true,
    sameSite: "lax",
    secure: request.headers.get("x-opsdeck-proto") === "https",
    path: "/",
    maxAge: flow ? Math.floor(FLOW_TTL_MS / 1000) : 0,
  });
}

function readFlow(request: Request, portal: Portal): Flow | null {
  const value = cookie.parse(request.headers.get("cookie") ?? "")[flowCookieName(request)];
  const dot = value?.lastIndexOf(".") ?? -1;
  if (!value || dot <= 0) return null;
  const body = value.slice(0, dot);
  const expected = Buffer.from(mac(portal, body));
  const actual = Buffer.from(value.slice(dot + 1));
  if (expected.length !== actual.length || !crypto.timingSafeEqual(expected, actual)) return null;
  try {
    const flow = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Flow;
    return flow.expires > Date.now() ? flow : null;
  } catch {
    return null;
  }
}

/** The cookie that forgets a half-finished sign-in (sent with every answer of the callback). */
export function clearFlowCookie(request: Request): string {
  return flowCookie(request, getPortal(), null);
}

/* -------------------------------------------------------------- sign-in */

/** Step 1: where to send the browser at the IdP, and the cookie that remembers this attempt. */
export async function startSignIn(request: Request, redirectTo: string | null): Promise<{ url: string; cookie: string }> {
  const portal = getPortal();
  const oidc = oidcConfig(portal);
  if (!oidc) throw new SsoError("not-configured");
  let config: client.Configuration;
  try {
    config = await idp(oidc);
  } catch (err) {
    const refusal = classify(err, "discovery");
    await auditRefusal(portal, request, refusal, {});
    throw refusal;
  }
  const flow: Flow = {
    state: client.randomState(),
    nonce: client.randomNonce(),
    verifier: client.randomPKCECodeVerifier(),
    redirectTo: safeRedirect(redirectTo),
    expires: Date.now() + FLOW_TTL_MS,
  };
  const now = Date.now();
  await portal.store.db.deleteFrom("oidc_logins").where("expires_at", "<", now).execute();
  await portal.store.db.insertInto("oidc_logins").values({ state_hash: sha256(flow.state), created_at: now, expires_at: flow.expires }).execute();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri(portal),
    scope: oidc.scopes.join(" "),
    state: flow.state,
    nonce: flow.nonce,
    code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
    code_challenge_method: "S256",
  });
  return { url: url.href, cookie: flowCookie(request, portal, flow) };
}

interface Identity {
  subject: string;
  username: string;
  displayName: string | null;
  groups: string[];
  roles: Role[];
}

/**
 * Step 2: the IdP sent the browser back. The code is exchanged (PKCE), the ID token checked
 * (signature against the IdP's keys, issuer, audience, expiry, nonce), the person's groups mapped
 * to roles, the user created or updated and a session started. Every outcome is audited; a
 * refusal throws `SsoError` with a code the sign-in page explains.
 */
export async function finishSignIn(request: Request): Promise<{ cookie: string; redirectTo: string; username: string }> {
  const portal = getPortal();
  const oidc = oidcConfig(portal);
  if (!oidc) throw new SsoError("not-configured");
  const seen: { subject?: string; groups?: string[]; username?: string } = {};
  try {
    const callback = new URL(request.url);
    const current = new URL(callback.pathname + callback.search, portal.config.app.baseUrl);
    const flow = readFlow(request, portal);
    if (!flow) throw new SsoError("expired");
    if (current.searchParams.get("state") !== flow.state) throw new SsoError("state");
    // Claimed before the code is redeemed: the same callback (and cookie) replayed finds no row.
    const claimed = await portal.store.db.deleteFrom("oidc_logins").where("state_hash", "=", sha256(flow.state)).where("expires_at", ">=", Date.now()).executeTakeFirst();
    if (Number(claimed.numDeletedRows) === 0) throw new SsoError("replayed");

    const config = await idp(oidc);
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      }, { redirect_uri: redirectUri(portal) });
    } catch (err) {
      throw classify(err, "token");
    }
    const claims = { ...(tokens.claims() ?? {}) } as Record<string, unknown>;
    seen.subject = `${String(claims.iss)} ${String(claims.sub)}`;
    const wanted = [oidc.usernameClaim ?? "preferred_username", oidc.groupsClaim];
    if (wanted.some((c) => claimAt(claims, c) === undefined) && config.serverMetadata().userinfo_endpoint && tokens.access_token) {
      try {
        const info = await client.fetchUserInfo(config, tokens.access_token, String(claims.sub));
        for (const [k, v] of Object.entries(info)) if (claims[k] === undefined) claims[k] = v;
      } catch (err) {
        throw classify(err, "userinfo");
      }
    }
    const identity = identify(oidc, claims);
    Object.assign(seen, { groups: identity.groups, username: identity.username });
    const idToken = tokens.id_token ?? "";
    const result = await startSession(portal, request, identity, idToken);
    return { cookie: result.cookie, redirectTo: flow.redirectTo, username: identity.username };
  } catch (err) {
    const refusal = err instanceof SsoError ? err : classify(err, "token");
    await auditRefusal(portal, request, refusal, seen);
    throw refusal;
  }
}

/** A claim by name, or by dotted path (`realm_access.roles`) when no claim has that exact name. */
function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (name in claims) return claims[name];
  let at: unknown = claims;
  for (const part of name.split(".")) {
    if (!at || typeof at !== "object") return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

const USERNAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

function identify(oidc: OidcConfig, claims: Record<string, unknown>): Identity {
  const subject = `${String(claims.iss)} ${String(claims.sub)}`;
  const email = typeof claims.email === "string" ? claims.email.toLowerCase() : null;
  const named = claimAt(claims, oidc.usernameClaim ?? "preferred_username") ?? (oidc.usernameClaim ? undefined : email ?? undefined);
  if (typeof named !== "string" || !named.trim()) throw new SsoError("no-username", oidc.usernameClaim ?? "preferred_username or email");
  if (oidc.allowedDomains.length) {
    const domain = (email ?? (named.includes("@") ? named.toLowerCase() : "")).split("@")[1];
    if (!domain || !oidc.allowedDomains.includes(domain) || claims.email_verified === false) throw new SsoError("domain", domain ?? "none");
  }
  const username = named.trim().toLowerCase().replace(/@.*$/, "").replace(/[^a-z0-9._-]/g, "-").replace(/^[^a-z0-9]+/, "").slice(0, 63);
  if (!USERNAME.test(username)) throw new SsoError("no-username", oidc.usernameClaim ?? "preferred_username or email");
  const raw = claimAt(claims, oidc.groupsClaim);
  const groups = (Array.isArray(raw) ? raw : typeof raw === "string" ? [raw] : []).filter((g): g is string => typeof g === "string").slice(0, MAX_GROUPS_KEPT * 5);
  const roles = new Set<Role>(oidc.defaultRoles);
  for (const g of groups) for (const r of oidc.roleMapping[g] ?? []) roles.add(r);
  const name = typeof claims.name === "string" ? claims.name.slice(0, 200) : null;
  return { subject, username, displayName: name, groups, roles: [...roles] };
}

async function startSession(portal: Portal, request: Request, who: Identity, idToken: string): Promise<{ cookie: string }> {
  const { store, config } = portal;
  const ttl = parseDuration(config.auth.sessionTtl);
  const token = crypto.randomBytes(32).toString("base64url");
  const now = Date.now();
  const details = { subject: who.subject, groups: who.groups.slice(0, MAX_GROUPS_KEPT), roles: who.roles, via: "oidc" };

  const bySubject = await store.db.selectFrom("users").select(["id", "username", "disabled", "roles", "oidc_subject", "password_hash", "break_glass"]).where("oidc_subject", "=", who.subject).executeTakeFirst();
  const byName = bySubject ?? (await store.db.selectFrom("users").select(["id", "username", "disabled", "roles", "oidc_subject", "password_hash", "break_glass"]).where("username", "=", who.username).executeTakeFirst());
  if (byName && !bySubject && (byName.oidc_subject || byName.password_hash || byName.break_glass)) throw new SsoError("taken", who.username);
  const existing = byName;
  if (existing?.disabled) throw new SsoError("disabled", existing.username);
  if (!who.roles.length) throw new SsoError("no-group");

  const username = existing?.username ?? who.username;
  const userId = existing?.id ?? newId("u_");
  await audit(portal, { actor: username, roles: who.roles, action: "auth.sso-sign-in", target: `user:${username}`, outcome: "succeeded", details: { ...details, created: !existing, previousRoles: existing ? existing.roles.split(",").filter(Boolean) : [] } }, async (db) => {
    if (existing) {
      await db.updateTable("users").set({ roles: who.roles.join(","), oidc_subject: who.subject, ...(who.displayName ? { display_name: who.displayName } : {}) }).where("id", "=", userId).execute();
    } else {
      await db.insertInto("users").values({ id: userId, username, display_name: who.displayName, password_hash: null, roles: who.roles.join(","), disabled: 0, created_at: now, oidc_subject: who.subject }).execute();
    }
    await db
      .insertInto("sessions")
      .values({ id_hash: sha256(token), user_id: userId, created_at: now, expires_at: now + ttl, address: requestAddress(request), idp_id_token: idToken ? seal(portal, idToken) : null })
      .execute();
  });
  await endBrowserSession(request);
  return { cookie: sessionCookie(request, token, Math.floor(ttl / 1000)) };
}

async function auditRefusal(portal: Portal, request: Request, err: SsoError, seen: { subject?: string; groups?: string[]; username?: string }): Promise<void> {
  const outcome: AuditOutcome = err.code === "idp-down" ? "upstream_failed" : err.kind === "person" ? "denied" : "invalid";
  try {
    await audit(portal, {
      actor: seen.username ?? "anonymous",
      roles: [],
      action: "auth.sso-sign-in",
      target: seen.username ? `user:${seen.username}` : `address:${requestAddress(request)}`,
      outcome,
      details: { reason: err.code, detail: err.detail ?? null, subject: seen.subject ?? null, groups: (seen.groups ?? []).slice(0, MAX_GROUPS_KEPT), roles: [], via: "oidc" },
    });
  } catch (auditErr) {
    portal.log.error({ reason: err.code, err: auditErr instanceof Error ? auditErr.message : String(auditErr) }, "an SSO refusal could not be audited");
  }
}

/** Maps what openid-client threw to what the person is told; never echoes a token. */
function classify(err: unknown, stage: "discovery" | "token" | "userinfo"): SsoError {
  if (err instanceof SsoError) return err;
  const chain: Array<{ code?: unknown; message?: unknown; cause?: unknown; name?: unknown; error?: unknown }> = [];
  for (let e: unknown = err, i = 0; e && typeof e === "object" && i < 5; e = (e as { cause?: unknown }).cause, i++) chain.push(e as never);
  const codes = chain.map((e) => String(e.code ?? ""));
  const text = chain.map((e) => String(e.message ?? "")).join(" | ");
  const claim = chain.map((e) => (e as { claim?: unknown }).claim).find(Boolean);
  const name = (err as { name?: string })?.name;
  if (name === "AuthorizationResponseError") return new SsoError("idp-refused", String((err as { error?: string }).error ?? ""));
  if (codes.includes("OAUTH_JWT_CLAIM_COMPARISON_FAILED")) {
    if (claim === "aud" || /"aud"/.test(text)) return new SsoError("audience");
    if (claim === "iss" || /"iss"/.test(text)) return new SsoError("issuer");
    if (claim === "nonce" || /nonce/.test(text)) return new SsoError("nonce");
    return new SsoError("bad-token", String(claim ?? ""));
  }
  if (codes.includes("OAUTH_JWT_TIMESTAMP_CHECK_FAILED")) return new SsoError("token-expired");
  if (codes.includes("OAUTH_KEY_SELECTION_FAILED") || /signature verification failed/.test(text)) return new SsoError("signature");
  if (/"iss" \(issuer\) (response parameter|missing)|issuer\) missing/.test(text)) return new SsoError("issuer");
  if (/"state"/.test(text)) return new SsoError("state");
  if (name === "ResponseBodyError") return new SsoError("code-rejected", String((err as { error?: string }).error ?? ""));
  if (codes.includes("OAUTH_INVALID_RESPONSE") || codes.includes("OAUTH_PARSE_ERROR")) return new SsoError(stage === "discovery" ? "idp-down" : "bad-token", text.slice(0, 200));
  return new SsoError("idp-down", `${stage}: ${(text || String(err)).slice(0, 200)}`);
}

/* -------------------------------------------------------------- sign-out */

function sealKey(portal: Portal): Buffer {
  return crypto.createHash("sha256").update(`oidc-id-token:${portal.config.sessionSecret ?? ""}`).digest();
}

function seal(portal: Portal, text: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", sealKey(portal), iv);
  const body = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString("base64url")).join(".");
}

function unseal(portal: Portal, sealed: string): string | null {
  try {
    const [iv, tag, body] = sealed.split(".").map((p) => Buffer.from(p, "base64url"));
    const decipher = crypto.createDecipheriv("aes-256-gcm", sealKey(portal), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}

/** The sealed ID token of the session this request carries, read before the session ends. */
export async function sessionIdToken(sessionHash: string | null): Promise<string | null> {
  if (!sessionHash) return null;
  const portal = getPortal();
  const row = await portal.store.db.selectFrom("sessions").select("idp_id_token").where("id_hash", "=", sessionHash).executeTakeFirst();
  return row?.idp_id_token ? unseal(portal, row.idp_id_token) : null;
}

/**
 * Where the browser goes after signing out of a session that began at the IdP: the IdP's
 * end-session endpoint (with the ID token as a hint and the sign-in page to come back to), or
 * null when the IdP has none or cannot be reached (the session here has ended either way).
 */
export async function idpSignOutUrl(idToken: string | null): Promise<string | null> {
  const portal = getPortal();
  const oidc = oidcConfig(portal);
  if (!oidc || !idToken) return null;
  try {
    const config = await idp(oidc);
    if (!config.serverMetadata().end_session_endpoint) return null;
    return client.buildEndSessionUrl(config, {
      id_token_hint: idToken,
      client_id: oidc.clientId,
      post_logout_redirect_uri: new URL("/login", portal.config.app.baseUrl).href,
    }).href;
  } catch (err) {
    portal.log.warn({ reason: err instanceof SsoError ? err.code : "unknown" }, "the IdP's sign-out could not be reached; the session here has ended");
    return null;
  }
}

export type { SsoErrorCode };
