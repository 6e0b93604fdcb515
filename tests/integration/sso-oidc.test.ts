import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrUpdateUser, getUser, LOCAL_SIGN_IN_OFF } from "~/core/auth.server";
import { bootPortal } from "~/core/boot.server";
import type { Portal } from "~/core/portal.server";
import { loader as ssoLogin } from "~/routes/auth.oidc.login";
import { loader as ssoCallback } from "~/routes/auth.oidc.callback";
import { action as loginAction, loader as loginPage } from "~/routes/login";
import { action as logoutAction } from "~/routes/logout";
import { freshDatabaseUrl, makeRequest } from "../helpers/portal";
import { freePort } from "../helpers/server";
import { newSigningKey, startForgingIdp, startRealIdp, type RealIdp } from "../helpers/oidc-idp";

const PORTAL = "http://portal.test";
const CALLBACK = `${PORTAL}/auth/oidc/callback`;
const CLIENT_ID = "opsdeck-portal";
const CLIENT_SECRET = "oidc-client-SECRET-5f1c2d9e7a";

type Jar = Map<string, string>;
type RouteFn = (args: { request: Request; params: Record<string, string>; context: Record<string, unknown> }) => Promise<Response>;

function keep(jar: Jar, res: Response): void {
  for (const c of res.headers.getSetCookie()) {
    const pair = c.split(";")[0];
    const i = pair.indexOf("=");
    const [name, value] = [pair.slice(0, i), pair.slice(i + 1)];
    if (!value || /max-age=0/i.test(c)) jar.delete(name);
    else jar.set(name, value);
  }
}
const cookies = (jar: Jar) => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");

async function portalCall(route: RouteFn, url: string, jar: Jar, init: RequestInit = {}): Promise<Response> {
  const res = await route({ request: makeRequest(url, { ...init, cookie: cookies(jar) }), params: {}, context: {} });
  keep(jar, res);
  return res;
}

/** Plays the browser at the IdP: follows redirects, fills its login form, stops at the portal's callback. */
async function throughIdp(authUrl: string, idpJar: Jar, login: string): Promise<string> {
  let url = authUrl;
  for (let hop = 0; hop < 12; hop++) {
    const res = await fetch(url, { redirect: "manual", headers: { cookie: cookies(idpJar) } });
    keep(idpJar, res);
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get("location")!, url).href;
      if (next.startsWith(PORTAL)) return next;
      url = next;
      continue;
    }
    const uid = /\/interaction\/([^/?]+)$/.exec(new URL(url).pathname)?.[1];
    if (res.status === 200 && uid) {
      await res.text();
      const post = await fetch(new URL(`/interaction/${uid}/login`, url), {
        method: "POST",
        body: new URLSearchParams({ login }),
        redirect: "manual",
        headers: { cookie: cookies(idpJar) },
      });
      keep(idpJar, post);
      url = new URL(post.headers.get("location")!, url).href;
      continue;
    }
    throw new Error(`the IdP answered ${res.status} at ${url}: ${(await res.text()).slice(0, 300)}`);
  }
  throw new Error("too many redirects at the IdP");
}

interface Booted {
  portal: Portal;
  logs: () => string;
  cleanup(): Promise<void>;
}

async function boot(config: Record<string, unknown>): Promise<Booted> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-sso-"));
  fs.writeFileSync(path.join(dir, "app-config.yaml"), YAML.stringify(config));
  fs.mkdirSync(path.join(dir, "runbooks"));
  const db = await freshDatabaseUrl("sqlite");
  let text = "";
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += chunk;
      done();
    },
  });
  const portal = await bootPortal({
    cwd: dir,
    env: { SESSION_SECRET: "test-session-secret-0123456789" },
    databaseUrl: db.url,
    plugins: [],
    background: false,
    log: pino({ level: "debug" }, sink),
  });
  return {
    portal,
    logs: () => text,
    async cleanup() {
      await portal.shutdown();
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function oidcSection(issuer: string, extra: Record<string, unknown> = {}) {
  return {
    issuer,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    scopes: ["openid", "profile", "email", "groups"],
    roleMapping: { "ops-admins": ["admin"], ops: ["responder"], finance: ["manager"] },
    displayName: "Test IdP",
    ...extra,
  };
}

async function auditRows(portal: Portal, action: string) {
  const rows = await portal.store.db.selectFrom("audit_entries").selectAll().where("action", "=", action).orderBy("seq").execute();
  return rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
}

const signedIn = (jar: Jar) => getUser(makeRequest("/", { cookie: cookies(jar) }));

describe("single sign-on against a real OpenID Provider (oidc-provider on a loopback port)", () => {
  let idp: RealIdp;
  let booted: Booted;
  let port: number;
  const firstKey = newSigningKey("first");

  beforeAll(async () => {
    port = await freePort();
    booted = await boot({ app: { demo: false, baseUrl: PORTAL }, auth: { sessionTtl: "2h", oidc: oidcSection(`http://127.0.0.1:${port}`) } });
  });
  afterAll(async () => {
    await idp?.close();
    await booted?.cleanup();
  });

  async function ssoSignIn(login: string, idpJar: Jar = new Map(), redirectTo = "/incidents") {
    const jar: Jar = new Map();
    const start = await portalCall(ssoLogin, `/auth/oidc/login?redirectTo=${encodeURIComponent(redirectTo)}`, jar);
    expect(start.status, await start.clone().text()).toBe(302);
    const flowCookie = new Map(jar);
    const callbackUrl = await throughIdp(start.headers.get("location")!, idpJar, login);
    const done = await portalCall(ssoCallback, callbackUrl, jar);
    return { jar, done, callbackUrl, flowCookie };
  }

  it("an IdP that is down gives a page saying so (not a 500), and is asked again once it is up", async () => {
    const jar: Jar = new Map();
    const res = await portalCall(ssoLogin, "/auth/oidc/login", jar);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login?sso=idp-down");
    const page = (await (await loginPage({ request: makeRequest("/login?sso=idp-down"), params: {}, context: {} })).json()) as { ssoError: string; sso: { displayName: string } };
    expect(page.ssoError).toMatch(/identity provider could not be reached/);
    expect(page.sso.displayName).toBe("Test IdP");
    expect((await auditRows(booted.portal, "auth.sso-sign-in")).at(-1)).toMatchObject({ outcome: "upstream_failed", details: { reason: "idp-down" } });

    idp = await startRealIdp({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: CALLBACK,
      postLogoutRedirectUri: `${PORTAL}/login`,
      accounts: { alice: { groups: ["ops-admins", "ops"], name: "Alice Admin" }, bob: { groups: ["ops"] }, carol: { groups: ["marketing"] } },
      keys: [firstKey],
      port,
    });
    const again = await portalCall(ssoLogin, "/auth/oidc/login", new Map());
    expect(again.headers.get("location")).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/auth\\?`));
    const auth = new URL(again.headers.get("location")!);
    expect(auth.searchParams.get("code_challenge_method")).toBe("S256");
    expect(auth.searchParams.get("redirect_uri")).toBe(CALLBACK);
    for (const p of ["state", "nonce", "code_challenge"]) expect(auth.searchParams.get(p)).toBeTruthy();
  });

  const aliceAtIdp: Jar = new Map();

  it("the full code flow creates the user on first sign-in with roles from the groups, and audits subject, groups and roles", async () => {
    const { jar, done } = await ssoSignIn("alice", aliceAtIdp);
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe("/incidents");
    const user = await signedIn(jar);
    expect(user).toMatchObject({ username: "alice", displayName: "Alice Admin", via: "session" });
    expect(user!.roles.sort()).toEqual(["admin", "responder"]);
    const row = await booted.portal.store.db.selectFrom("users").selectAll().where("username", "=", "alice").executeTakeFirstOrThrow();
    expect(row.oidc_subject).toBe(`${idp.issuer} alice`);
    expect(row.password_hash).toBeNull();
    const session = await booted.portal.store.db.selectFrom("sessions").selectAll().where("user_id", "=", row.id).executeTakeFirstOrThrow();
    expect(session.expires_at - session.created_at).toBe(2 * 3600_000);
    const entry = (await auditRows(booted.portal, "auth.sso-sign-in")).at(-1)!;
    expect(entry).toMatchObject({ actor: "alice", outcome: "succeeded", target: "user:alice" });
    expect(entry.details).toMatchObject({ subject: `${idp.issuer} alice`, groups: ["ops-admins", "ops"], created: true });
    expect((entry.details.roles as string[]).sort()).toEqual(["admin", "responder"]);
  });

  it("a group removed at the IdP removes the role at the next sign-in", async () => {
    idp.accounts.get("alice")!.groups = ["ops"];
    const { jar, done } = await ssoSignIn("alice", aliceAtIdp);
    expect(done.status).toBe(302);
    expect((await signedIn(jar))!.roles).toEqual(["responder"]);
    const entry = (await auditRows(booted.portal, "auth.sso-sign-in")).at(-1)!;
    expect(entry.details).toMatchObject({ groups: ["ops"], roles: ["responder"], created: false });
    expect((entry.details.previousRoles as string[]).sort()).toEqual(["admin", "responder"]);
  });

  it("a person in no mapped group is refused with a page that says what to do, audited with the groups seen", async () => {
    const { jar, done } = await ssoSignIn("carol");
    expect(done.headers.get("location")).toBe("/login?sso=no-group");
    expect(await signedIn(jar)).toBeNull();
    const entry = (await auditRows(booted.portal, "auth.sso-sign-in")).at(-1)!;
    expect(entry).toMatchObject({ outcome: "denied", actor: "carol", details: { reason: "no-group", subject: `${idp.issuer} carol`, groups: ["marketing"], roles: [] } });
    expect(await booted.portal.store.db.selectFrom("users").select("id").where("username", "=", "carol").executeTakeFirst()).toBeUndefined();
  });

  it("a user disabled in the portal cannot sign in through the IdP", async () => {
    expect((await ssoSignIn("bob")).done.status).toBe(302);
    await booted.portal.store.db.updateTable("users").set({ disabled: 1 }).where("username", "=", "bob").execute();
    const { jar, done } = await ssoSignIn("bob");
    expect(done.headers.get("location")).toBe("/login?sso=disabled");
    expect(await signedIn(jar)).toBeNull();
    expect((await auditRows(booted.portal, "auth.sso-sign-in")).at(-1)).toMatchObject({ outcome: "denied", details: { reason: "disabled" } });
    await booted.portal.store.db.updateTable("users").set({ disabled: 0 }).where("username", "=", "bob").execute();
  });

  it("a replayed callback is refused, with or without the browser's flow cookie", async () => {
    const { done, callbackUrl, flowCookie } = await ssoSignIn("alice", aliceAtIdp);
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe("/incidents");
    // The same answer and the same cookie, sent again (a stolen or re-submitted callback).
    const replay = await portalCall(ssoCallback, callbackUrl, new Map(flowCookie));
    expect(replay.headers.get("location")).toBe("/login?sso=replayed");
    // The browser itself forgot the attempt: the cookie was cleared by the first answer.
    const again = await portalCall(ssoCallback, callbackUrl, new Map());
    expect(again.headers.get("location")).toBe("/login?sso=expired");
    const reasons = (await auditRows(booted.portal, "auth.sso-sign-in")).slice(-2).map((e) => e.details.reason);
    expect(reasons).toEqual(["replayed", "expired"]);
  });

  it("an answer for another sign-in (state) or from another issuer (RFC 9207 iss) is refused", async () => {
    const jar: Jar = new Map();
    const start = await portalCall(ssoLogin, "/auth/oidc/login", jar);
    const callbackUrl = new URL(await throughIdp(start.headers.get("location")!, aliceAtIdp, "alice"));
    const mixedUp = new URL(callbackUrl);
    mixedUp.searchParams.set("iss", "https://idp.attacker.example");
    expect((await portalCall(ssoCallback, mixedUp.href, new Map(jar))).headers.get("location")).toBe("/login?sso=issuer");

    const start2 = await portalCall(ssoLogin, "/auth/oidc/login", new Map());
    const otherState = new URL(callbackUrl);
    otherState.searchParams.set("state", new URL(start2.headers.get("location")!).searchParams.get("state")!);
    expect((await portalCall(ssoCallback, otherState.href, new Map(jar))).headers.get("location")).toBe("/login?sso=state");
  });

  it("signing out ends the session here and sends the browser to the IdP's end-session endpoint", async () => {
    const { jar } = await ssoSignIn("alice", aliceAtIdp);
    expect(await signedIn(jar)).not.toBeNull();
    const before = new Map(jar);
    const res = await portalCall(logoutAction, "/logout", jar, { method: "POST" });
    const to = new URL(res.headers.get("location")!);
    expect(to.origin + to.pathname).toBe(`${idp.issuer}/session/end`);
    expect(to.searchParams.get("post_logout_redirect_uri")).toBe(`${PORTAL}/login`);
    expect(to.searchParams.get("client_id")).toBe(CLIENT_ID);
    const hint = to.searchParams.get("id_token_hint")!;
    expect(JSON.parse(Buffer.from(hint.split(".")[1], "base64url").toString())).toMatchObject({ iss: idp.issuer, aud: CLIENT_ID, sub: "alice" });
    expect(await signedIn(before)).toBeNull();
    // The IdP accepts the hint and the return address it was given.
    const atIdp = await fetch(to, { redirect: "manual", headers: { cookie: cookies(aliceAtIdp) } });
    expect(atIdp.status).toBe(200);
    expect(await atIdp.text()).toMatch(/logout/i);
  });

  it("a rotated signing key at the IdP is followed without restarting the portal", async () => {
    const secondKey = newSigningKey("second");
    await idp.rotate([secondKey]);
    const { jar, done } = await ssoSignIn("alice");
    expect(done.status).toBe(302);
    expect((await signedIn(jar))!.username).toBe("alice");
    const session = await booted.portal.store.db.selectFrom("sessions").select("idp_id_token").orderBy("created_at", "desc").executeTakeFirstOrThrow();
    expect(session.idp_id_token).not.toMatch(/^eyJ/);
  });

  it("no client secret or token shows in the logs, the audit log, or the pages", async () => {
    const secretsAndTokens = [CLIENT_SECRET];
    const rows = await booted.portal.store.db.selectFrom("audit_entries").selectAll().execute();
    const page = await (await loginPage({ request: makeRequest("/login?sso=signature"), params: {}, context: {} })).text();
    const everything = [booted.logs(), JSON.stringify(rows), page].join("\n");
    for (const s of secretsAndTokens) expect(everything).not.toContain(s);
    expect(everything).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
    expect(booted.portal.config.secretValues).toContain(CLIENT_SECRET);
  });
});

describe("single sign-on refuses tampered ID tokens (a hand-built IdP forges each one)", () => {
  let forge: Awaited<ReturnType<typeof startForgingIdp>>;
  let booted: Booted;

  beforeAll(async () => {
    forge = await startForgingIdp({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    booted = await boot({ app: { demo: false, baseUrl: PORTAL }, auth: { oidc: oidcSection(forge.issuer) } });
  });
  afterAll(async () => {
    await booted?.cleanup();
    await forge?.close();
  });

  async function forgedCallback(spec: Parameters<typeof forge.forgeNext>[0], iss = forge.issuer) {
    const jar: Jar = new Map();
    const start = await portalCall(ssoLogin, "/auth/oidc/login", jar);
    const auth = new URL(start.headers.get("location")!);
    const code = forge.authorize(auth.searchParams.get("nonce")!);
    forge.forgeNext(spec);
    const res = await portalCall(ssoCallback, `${CALLBACK}?${new URLSearchParams({ code, state: auth.searchParams.get("state")!, iss })}`, jar);
    return { res, jar };
  }

  it("accepts a well-formed token (the baseline the refusals differ from)", async () => {
    const { res, jar } = await forgedCallback({});
    expect(res.headers.get("location"), JSON.stringify((await auditRows(booted.portal, "auth.sso-sign-in")).at(-1)?.details)).toBe("/");
    expect((await signedIn(jar))!.roles).toEqual(["admin"]);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const cases: Array<[string, () => Parameters<typeof forge.forgeNext>[0], string]> = [
    ["a wrong audience", () => ({ claims: { aud: "some-other-app" } }), "audience"],
    ["an expired ID token", () => ({ claims: { iat: now() - 7200, exp: now() - 3600 } }), "token-expired"],
    ["a bad signature (a key the IdP never published, same kid)", () => ({ signWith: newSigningKey("forge-1") }), "signature"],
    ["a signature by an unknown key id", () => ({ signWith: newSigningKey("nobody-knows") }), "signature"],
    ["a mismatched nonce", () => ({ claims: { nonce: "not-the-nonce-we-sent" } }), "nonce"],
    ["an ID token from another issuer", () => ({ claims: { iss: "https://idp.attacker.example" } }), "issuer"],
  ];
  for (const [what, spec, code] of cases) {
    it(`refuses ${what} with a page saying what to do, audited`, async () => {
      const { res, jar } = await forgedCallback(spec());
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe(`/login?sso=${code}`);
      expect(await signedIn(jar)).toBeNull();
      expect((await auditRows(booted.portal, "auth.sso-sign-in")).at(-1)).toMatchObject({ outcome: "invalid", details: { reason: code } });
      const page = (await (await loginPage({ request: makeRequest(`/login?sso=${code}`), params: {}, context: {} })).json()) as { ssoError: string };
      expect(page.ssoError.length).toBeGreaterThan(20);
    });
  }

  it("an authorization response naming another issuer is refused before any token is asked for", async () => {
    const { res } = await forgedCallback({}, "https://idp.attacker.example");
    expect(res.headers.get("location")).toBe("/login?sso=issuer");
  });

  it("none of the tokens it issued, nor the client secret, is in the logs, the audit log or the sessions", async () => {
    expect(forge.issued.length).toBeGreaterThan(6);
    const audit = JSON.stringify(await booted.portal.store.db.selectFrom("audit_entries").selectAll().execute());
    const sessions = JSON.stringify(await booted.portal.store.db.selectFrom("sessions").selectAll().execute());
    for (const text of [booted.logs(), audit, sessions]) {
      expect(text).not.toContain(CLIENT_SECRET);
      for (const token of forge.issued) expect(text).not.toContain(token);
    }
  });
});

describe("auth.local: false", () => {
  let booted: Booted;

  beforeAll(async () => {
    booted = await boot({ app: { demo: false, baseUrl: PORTAL }, auth: { local: false, oidc: oidcSection("https://idp.example.com") } });
    const { store } = booted.portal;
    await createOrUpdateUser(store, { username: "oncall", password: "oncall-password-1", roles: ["responder"] });
    await createOrUpdateUser(store, { username: "breakglass", password: "breakglass-password-1", roles: ["admin"] });
    await store.db.updateTable("users").set({ break_glass: 1 }).where("username", "=", "breakglass").execute();
  });
  afterAll(async () => booted?.cleanup());

  const post = (username: string, password: string) =>
    loginAction({ request: makeRequest("/login", { method: "POST", body: new URLSearchParams({ username, password, redirectTo: "/" }) }), params: {}, context: {} });

  it("the sign-in page offers single sign-on and no password form", async () => {
    const data = (await (await loginPage({ request: makeRequest("/login"), params: {}, context: {} })).json()) as { localPasswords: boolean; sso: { displayName: string } };
    expect(data).toMatchObject({ localPasswords: false, sso: { displayName: "Test IdP" } });
  });

  it("POST /login with a right password is refused for an ordinary user, with the same answer as a wrong one", async () => {
    const right = await post("oncall", "oncall-password-1");
    const wrong = await post("breakglass", "not-the-password");
    expect(right.status).toBe(403);
    expect(wrong.status).toBe(403);
    expect(((await right.json()) as { error: string }).error).toBe(LOCAL_SIGN_IN_OFF);
    expect(((await wrong.json()) as { error: string }).error).toBe(LOCAL_SIGN_IN_OFF);
    expect(right.headers.get("set-cookie")).toBeNull();
  });

  it("a break-glass user signs in with a password, and the use is audited", async () => {
    const res = await post("breakglass", "breakglass-password-1");
    expect(res.status).toBe(302);
    const jar: Jar = new Map();
    keep(jar, res);
    expect((await signedIn(jar))!.username).toBe("breakglass");
    expect((await auditRows(booted.portal, "auth.break-glass-sign-in")).at(-1)).toMatchObject({ actor: "breakglass", outcome: "succeeded", details: { localPasswords: false } });
  });
});
