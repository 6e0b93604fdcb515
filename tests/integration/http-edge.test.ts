import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn, startServer, type RunningServer } from "../helpers/server";

/** Reads the running portal's SQLite file (read-only, beside the server's own connection). */
function count(srv: RunningServer, sql: string, ...params: unknown[]): number {
  const db = new Database(path.join(srv.dir, "data", "opsdeck.sqlite"), { readonly: true, fileMustExist: true });
  try {
    return Number((db.prepare(sql).get(...params) as { n: number }).n);
  } finally {
    db.close();
  }
}

async function postForm(srv: RunningServer, p: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Response> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
  return fetch(`${srv.baseUrl}${p}`, { method: "POST", body, headers, redirect: "manual" });
}

/** Creates an API token through the tokens page as the signed-in owner. */
async function makeToken(srv: RunningServer, cookie: string, name: string, roles: string[]): Promise<{ status: number; token?: string; roles?: string[]; error?: string; fieldErrors?: Record<string, string[]> }> {
  const res = await fetch(`${srv.baseUrl}/settings/tokens?_data=routes%2Fsettings.tokens`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json" },
    body: JSON.stringify({ intent: "create", name, roles }),
  });
  const data = await res.json();
  return { status: res.status, token: data.created?.token, roles: data.created?.roles, error: data.error, fieldErrors: data.fieldErrors };
}

/** Reads an SSE response until it ends or `ms` pass; returns the text and whether the server closed it. */
async function readStream(res: Response, ms: number, onFirst?: () => Promise<void>): Promise<{ text: string; closedByServer: boolean }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let first = true;
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const next = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), deadline - Date.now()))]);
    if (next === null) break;
    if (next.done) return { text, closedByServer: true };
    text += decoder.decode(next.value, { stream: true });
    if (first && text.includes("event: reading")) {
      first = false;
      await onFirst?.();
    }
  }
  await reader.cancel().catch(() => {});
  return { text, closedByServer: false };
}

describe("the HTTP edge, tokens and sessions (demo portal on SQLite)", () => {
  let srv: RunningServer;
  beforeAll(async () => {
    srv = await startServer();
  }, 90_000);
  afterAll(async () => {
    await srv?.stop();
  });

  it("a newline in redirectTo answers a redirect to /, never a 500 (defect 4)", async () => {
    const res = await postForm(srv, "/login", { username: "viewer", password: "test-password", redirectTo: "/\n/x" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/");
    const cookie = res.headers.get("set-cookie")!.split(";")[0];
    const again = await fetch(`${srv.baseUrl}/login?redirectTo=%2F%0A%2Fx`, { headers: { cookie }, redirect: "manual" });
    expect(again.status).toBe(302);
    expect(again.headers.get("location")).toBe("/");
  });

  it("a 5,000-level nested evidence answers 400 and is audited as invalid, with no run written (defect 4)", async () => {
    const cookie = await signIn(srv.baseUrl, "responder");
    const evidence = "[".repeat(5000) + "]".repeat(5000);
    const body = `{"input":{"cache":"sessions"},"idempotencyKey":"deep-evidence-0001","evidence":${evidence}}`;
    expect(body.length).toBeLessThan(256 * 1024);
    const runsBefore = count(srv, "select count(*) as n from action_runs");
    const auditedBefore = count(srv, "select count(*) as n from audit_entries where action = ? and outcome = ?", "demo.flush-cache", "invalid");
    const res = await fetch(`${srv.baseUrl}/api/actions/demo.flush-cache`, { method: "POST", headers: { cookie, "content-type": "application/json" }, body });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/nested deeper than/);
    expect(count(srv, "select count(*) as n from action_runs")).toBe(runsBefore);
    expect(count(srv, "select count(*) as n from audit_entries where action = ? and outcome = ?", "demo.flush-cache", "invalid")).toBe(auditedBefore + 1);
  });

  it("redirectTo=/\\t/evil.com after sign-in lands on /, not on //evil.com (defect 5)", async () => {
    for (const target of ["/\t/evil.com", "/\\evil.com", "//evil.com", "/%09/evil.com", "https://evil.com", "/\r\n/evil.com"]) {
      const res = await postForm(srv, "/login", { username: "viewer", password: "test-password", redirectTo: target });
      expect(res.status, JSON.stringify(target)).toBe(302);
      const location = res.headers.get("location")!;
      expect(new URL(location, srv.baseUrl).origin, JSON.stringify(target)).toBe(srv.baseUrl);
    }
    const ok = await postForm(srv, "/login", { username: "viewer", password: "test-password", redirectTo: "/incidents?state=all#top" });
    expect(ok.headers.get("location")).toBe("/incidents?state=all#top");
  });

  it("an admin API token cannot manage users or tokens, even with a foreign Origin; an admin can make a responder-only token (defect 6)", async () => {
    const admin = await signIn(srv.baseUrl, "admin");
    const full = await makeToken(srv, admin, "automation", []);
    expect(full.status).toBe(200);
    expect(full.roles).toEqual(["admin"]);
    const bearer = { authorization: `Bearer ${full.token}` };
    const usersBefore = count(srv, "select count(*) as n from users");
    for (const headers of [bearer, { ...bearer, origin: "https://evil.example" }]) {
      const add = await postForm(srv, "/admin/users", { intent: "add", username: "minted", password: "minted-password", roles: "admin" }, headers);
      expect(add.status).toBe(403);
      const mint = await postForm(srv, "/settings/tokens", { intent: "create", name: "more" }, headers);
      expect(mint.status).toBe(403);
      const disable = await postForm(srv, "/admin/users", { intent: "disable", username: "admin2" }, headers);
      expect(disable.status).toBe(403);
    }
    // Case and encoding tricks reach the same route and meet the same refusal.
    for (const p of ["/ADMIN/users", "/admin/%75sers", "/admin/users/"]) {
      const res = await postForm(srv, p, { intent: "add", username: "minted", password: "minted-password", roles: "admin" }, bearer);
      expect(res.status, p).toBe(403);
    }
    expect((await fetch(`${srv.baseUrl}/admin/users`, { headers: bearer })).status).toBe(403);
    expect(count(srv, "select count(*) as n from users")).toBe(usersBefore);
    expect(count(srv, "select count(*) as n from users where disabled = 1")).toBe(0);

    // A responder-only token from an admin: responder work yes, admin work no.
    const responderOnly = await makeToken(srv, admin, "chatops", ["responder"]);
    expect(responderOnly.status).toBe(200);
    expect(responderOnly.roles).toEqual(["responder"]);
    const rauth = { authorization: `Bearer ${responderOnly.token}`, "content-type": "application/json" };
    const low = await fetch(`${srv.baseUrl}/api/actions/demo.flush-cache`, { method: "POST", headers: rauth, body: JSON.stringify({ input: { cache: "sessions" }, idempotencyKey: "responder-token-0001" }) });
    expect(low.status).toBeLessThan(300);
    const high = await fetch(`${srv.baseUrl}/api/actions/demo.rotate-key`, { method: "POST", headers: rauth, body: JSON.stringify({ input: { keyName: "api-signing" }, confirm: "api-signing", idempotencyKey: "responder-token-0002" }) });
    expect(high.status).toBe(403);
    // A role the owner neither holds nor implies is refused with the field named.
    const responder = await signIn(srv.baseUrl, "responder");
    const beyond = await makeToken(srv, responder, "escalate", ["admin"]);
    expect(beyond.status).toBe(400);
    expect(beyond.fieldErrors?.roles?.[0]).toMatch(/admin/);
  });

  it("an open SSE stream closes after logout and after the user is disabled; signing in as another user ends the previous session (defect 10)", async () => {
    const probes = (await (await fetch(`${srv.baseUrl}/api/probes`, { headers: { cookie: await signIn(srv.baseUrl, "viewer") } })).json()) as { id: string }[] | { probes: { id: string }[] };
    const probeId = (Array.isArray(probes) ? probes : probes.probes)[0].id;

    // Logout: the stream opened with that session ends.
    const viewer = await signIn(srv.baseUrl, "viewer");
    const live = await fetch(`${srv.baseUrl}/api/probes/stream?v=${encodeURIComponent(probeId)}`, { headers: { cookie: viewer } });
    expect(live.status).toBe(200);
    const afterLogout = await readStream(live, 8000, async () => {
      const out = await fetch(`${srv.baseUrl}/logout`, { method: "POST", headers: { cookie: viewer }, redirect: "manual" });
      expect(out.status).toBe(302);
    });
    expect(afterLogout.closedByServer).toBe(true);
    expect(afterLogout.text).toContain("event: session-ended");

    // The user is disabled by an admin: their stream ends within a tick or two.
    const admin = await signIn(srv.baseUrl, "admin");
    const manager = await signIn(srv.baseUrl, "manager");
    const watched = await fetch(`${srv.baseUrl}/api/probes/stream?v=${encodeURIComponent(probeId)}`, { headers: { cookie: manager } });
    const afterDisable = await readStream(watched, 8000, async () => {
      const res = await postForm(srv, "/admin/users", { intent: "disable", username: "manager" }, { cookie: admin });
      expect(res.status).toBe(200);
    });
    expect(afterDisable.closedByServer).toBe(true);
    expect(afterDisable.text).toContain("event: session-ended");
    await postForm(srv, "/admin/users", { intent: "enable", username: "manager" }, { cookie: admin });

    // Signing in as someone else from the same browser rotates the cookie and ends the old session.
    const first = await signIn(srv.baseUrl, "viewer");
    const switched = await postForm(srv, "/login", { username: "responder", password: "test-password" }, { cookie: first });
    expect(switched.status).toBe(302);
    const second = switched.headers.get("set-cookie")!.split(";")[0];
    expect(second).not.toBe(first);
    expect((await fetch(`${srv.baseUrl}/api/probes`, { headers: { cookie: first } })).status).toBe(401);
    expect((await fetch(`${srv.baseUrl}/api/probes`, { headers: { cookie: second } })).status).toBe(200);
  }, 60_000);
});
