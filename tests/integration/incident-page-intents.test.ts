import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken, login, sessionCookie } from "~/core/auth.server";
import type { Portal } from "~/core/portal.server";
import { action as declareRoute } from "~/routes/api.incidents._index";
import { action as incidentPage } from "~/routes/incidents.$id";
import { action as reportPage } from "~/routes/incidents.$id_.report";
import { action as usersAction, loader as usersLoader } from "~/routes/admin.users";
import { action as tokensAction } from "~/routes/settings.tokens";
import { makeRequest, testPortal } from "../helpers/portal";

/**
 * The incident pages' forms (one action per page, told apart by `intent`) and the identity routes'
 * session rule, answered at the HTTP edge from the plain data and the error family that core
 * returns and throws: the statuses and JSON fields the pages read.
 */
describe("incident page intents and identity routes at the edge", () => {
  let portal: Portal;
  let cleanup: () => Promise<void>;
  const tokens: Record<string, string> = {};
  let adminCookie: string;
  let incidentId: string;

  beforeAll(async () => {
    ({ portal, cleanup } = await testPortal());
    const users = await portal.store.db.selectFrom("users").select(["id", "username"]).execute();
    for (const name of ["admin", "responder", "viewer"]) tokens[name] = `Bearer ${(await createApiToken(portal.store, users.find((u) => u.username === name)!.id, "test")).token}`;
    const signedIn = await login(portal.store, portal.config, { username: "admin", password: "test-password", address: "127.0.0.1" });
    if (!signedIn.ok) throw new Error(signedIn.message);
    adminCookie = sessionCookie(makeRequest("/"), signedIn.token, 3600).split(";")[0];
    const declared = await declareRoute({
      request: makeRequest("/api/incidents", { method: "POST", headers: { authorization: tokens.admin, "content-type": "application/json" }, body: JSON.stringify({ title: "Checkout errors", severity: "Sev2" }) }),
      params: {},
      context: {},
    });
    expect(declared.status).toBe(201);
    incidentId = ((await declared.json()) as { id: string }).id;
  });
  afterAll(async () => cleanup?.());

  const form = (url: string, fields: Record<string, string>, authz = tokens.admin) =>
    makeRequest(url, { method: "POST", headers: { authorization: authz, "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString() });
  /** The answer Remix sends: a returned Response, or the Response a loader or action threw. */
  const answer = async (call: Promise<Response>) => {
    let res: Response;
    try {
      res = await call;
    } catch (err) {
      if (!(err instanceof Response)) throw err;
      res = err;
    }
    return { status: res.status, location: res.headers.get("location"), body: res.headers.get("content-type")?.includes("json") ? ((await res.json()) as Record<string, unknown>) : null };
  };
  const page = (fields: Record<string, string>, authz?: string, id = incidentId) => answer(incidentPage({ request: form(`/incidents/${id}`, fields, authz), params: { id }, context: {} }));
  const report = (fields: Record<string, string>, authz?: string) => answer(reportPage({ request: form(`/incidents/${incidentId}/report`, fields, authz), params: { id: incidentId }, context: {} }));

  it("answers a done intent { intent, ok: true } (200)", async () => {
    expect(await page({ intent: "note", text: "Rolled back the payment worker" })).toMatchObject({ status: 200, body: { intent: "note", ok: true } });
    expect(await page({ intent: "take-command" }, tokens.responder)).toMatchObject({ status: 200, body: { intent: "take-command", ok: true } });
    expect(await report({ intent: "add-item", description: "Alert on the payment worker's queue depth", owner: "responder" })).toMatchObject({ status: 200, body: { intent: "add-item", ok: true } });
  });

  it("names the refused intent beside the error and its field errors, with the family's status", async () => {
    expect(await page({ intent: "nope" })).toEqual({ status: 400, location: null, body: { intent: "nope", error: "unknown intent", fieldErrors: { intent: ["unknown intent"] } } });
    const sameStatus = await page({ intent: "status", status: "investigating" });
    expect(sameStatus.status).toBe(400);
    expect(sameStatus.body).toMatchObject({ intent: "status", fieldErrors: { status: ["the incident is already investigating"] } });
    const viewer = await page({ intent: "note", text: "hello" }, tokens.viewer);
    expect(viewer).toMatchObject({ status: 403, body: { intent: "note", error: "forbidden: writing to an incident needs the responder, manager or admin role", fieldErrors: {} } });
    const responderSeverity = await page({ intent: "update", severity: "Sev1" }, tokens.responder);
    expect(responderSeverity.status).toBe(403);
    expect(responderSeverity.body).toMatchObject({ intent: "update", fieldErrors: {} });
    expect(await report({ intent: "item-done", item: "no-such-item", done: "true" })).toMatchObject({ status: 400, body: { intent: "item-done", fieldErrors: { item: ["no such prevention item on this incident"] } } });
  });

  it("a body that cannot be read is refused before any intent is known (intent '')", async () => {
    const res = await answer(
      incidentPage({ request: makeRequest(`/incidents/${incidentId}`, { method: "POST", headers: { authorization: tokens.admin, "content-type": "text/plain" }, body: "intent=note" }), params: { id: incidentId }, context: {} }),
    );
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ intent: "", fieldErrors: { body: [expect.any(String)] } });
  });

  it("an unknown incident is a thrown 404 (the page's error boundary), nobody signed in a 401", async () => {
    let thrown: unknown;
    await incidentPage({ request: form("/incidents/inc_missing", { intent: "note", text: "x" }), params: { id: "inc_missing" }, context: {} }).catch((err) => (thrown = err));
    expect(thrown).toBeInstanceOf(Response);
    expect((thrown as Response).status).toBe(404);
    expect(await (thrown as Response).json()).toEqual({ error: "There is no such incident.", fieldErrors: {} });
    const anonymous = makeRequest(`/incidents/${incidentId}/report`, { method: "POST", headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" }, body: "intent=add-item&text=x" });
    expect(await answer(reportPage({ request: anonymous, params: { id: incidentId }, context: {} }))).toMatchObject({ status: 401, body: { error: "authentication required" } });
  });

  it("identity routes refuse an API token with a thrown 403 (the page's error boundary) and serve a signed-in session", async () => {
    const refusal = { status: 403, location: null, body: { error: "forbidden: changing users, roles or tokens needs a signed-in session; API tokens cannot do it", fieldErrors: {} } };
    let thrown: unknown;
    await usersLoader({ request: makeRequest("/admin/users", { headers: { authorization: tokens.admin } }), params: {}, context: {} }).catch((err) => (thrown = err));
    expect(thrown).toBeInstanceOf(Response);
    expect(await answer(Promise.reject(thrown))).toEqual(refusal);
    thrown = undefined;
    await tokensAction({ request: form("/settings/tokens", { intent: "create", name: "minted by a token" }), params: {}, context: {} }).catch((err) => (thrown = err));
    expect(thrown).toBeInstanceOf(Response);
    expect(await answer(Promise.reject(thrown))).toEqual(refusal);
    expect(await answer(usersAction({ request: form("/admin/users", { intent: "disable", username: "viewer" }), params: {}, context: {} }))).toEqual(refusal);

    const listed = await answer(usersLoader({ request: makeRequest("/admin/users", { headers: { cookie: adminCookie } }), params: {}, context: {} }));
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ me: "admin" });
    const created = await answer(tokensAction({ request: makeRequest("/settings/tokens", { method: "POST", cookie: adminCookie, headers: { "content-type": "application/x-www-form-urlencoded" }, body: "intent=create&name=pager" }), params: {}, context: {} }));
    expect(created).toMatchObject({ status: 200, body: { created: { name: "pager" } } });
  });
});
