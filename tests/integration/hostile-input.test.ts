import crypto from "node:crypto";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signIn, startServer, type RunningServer } from "../helpers/server";

/**
 * Throws a corpus of hostile bodies, headers, query strings and paths at every route that takes
 * input, signed out, with a session and with an API token. No answer may be a 5xx or carry a stack
 * trace, and no table that holds state may change (nothing here is valid input).
 */

const STATE_TABLES = ["users", "api_tokens", "incidents", "incident_links", "incident_events", "incident_entry_marks", "incident_prevention_items", "action_runs", "action_requests", "action_locks"];

function snapshot(srv: RunningServer): string {
  const db = new Database(path.join(srv.dir, "data", "opsdeck.sqlite"), { readonly: true, fileMustExist: true });
  try {
    const hash = crypto.createHash("sha256");
    for (const t of STATE_TABLES) {
      const exists = db.prepare("select name from sqlite_master where type = 'table' and name = ?").get(t);
      if (!exists) continue;
      hash.update(`${t}:${JSON.stringify(db.prepare(`select * from ${t} order by 1`).all())}\n`);
    }
    return hash.digest("hex");
  } finally {
    db.close();
  }
}

const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
const bytes = (b: number[]) => new Uint8Array(b);

interface Body {
  name: string;
  type?: string;
  body: BodyInit | (() => BodyInit);
}

function multipart(): FormData {
  const f = new FormData();
  f.append("intent", "create");
  f.append("file", new Blob(["#!/bin/sh\nrm -rf /"]), "x.sh");
  return f;
}

const BODIES: Body[] = [
  { name: "5,000-level nested evidence", type: "application/json", body: `{"input":{"cache":"nope"},"evidence":${deep(5000)},"intent":${deep(5000)}}` },
  { name: "5,000-level nested object", type: "application/json", body: '{"a":'.repeat(5000) + "1" + "}".repeat(5000) },
  { name: "body over the size cap", type: "application/json", body: JSON.stringify({ title: "x".repeat(300 * 1024) }) },
  { name: "form over the size cap", type: "application/x-www-form-urlencoded", body: `text=${"x".repeat(300 * 1024)}` },
  { name: "truncated JSON", type: "application/json", body: '{"intent":"note","text":' },
  { name: "JSON array", type: "application/json", body: "[]" },
  { name: "JSON null", type: "application/json", body: "null" },
  { name: "JSON string", type: "application/json", body: '"hello"' },
  { name: "JSON huge number", type: "application/json", body: "1e999" },
  { name: "invalid UTF-8", type: "application/json", body: () => bytes([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x22, 0x7d]) },
  { name: "invalid UTF-8 form", type: "application/x-www-form-urlencoded", body: () => bytes([0x69, 0x6e, 0x74, 0x65, 0x6e, 0x74, 0x3d, 0xff, 0xfe]) },
  { name: "text/plain JSON", type: "text/plain", body: '{"intent":"create","name":"x"}' },
  { name: "XML", type: "application/xml", body: "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>" },
  { name: "multipart with a file", body: () => multipart() },
  { name: "prototype pollution form", type: "application/x-www-form-urlencoded", body: "__proto__[admin]=1&constructor[prototype][admin]=1&intent[]=x&roles[__proto__]=admin" },
  { name: "prototype pollution JSON", type: "application/json", body: '{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}},"intent":{"$gt":""},"input":{"__proto__":{"cache":"sessions"}}}' },
  { name: "every field the wrong type", type: "application/json", body: JSON.stringify({ intent: ["note"], title: { x: 1 }, severity: 7, input: "str", decision: null, roles: { 0: "admin" }, username: ["a", "b"], text: 12, type: { toString: 1 }, id: [1], name: [], password: false, redirectTo: 5, confirm: { a: 1 }, idempotencyKey: "../../x", incidentId: "'; drop table incidents; --", evidence: "x", note: ["n"] }) },
  { name: "controls and bidi in every field", type: "application/x-www-form-urlencoded", body: new URLSearchParams({ intent: "\u202enote\u0000", status: "\u0000", username: "\u202eadmin", redirectTo: "/\t/evil.com", decision: "approve\u0000", type: "\u202e" }).toString() },
  { name: "duplicate fields", type: "application/x-www-form-urlencoded", body: "intent=nope&intent=nope2&id=1&id=2&username=a&username=b" },
  { name: "empty body with a JSON type", type: "application/json", body: "" },
  { name: "JSON with odd charset", type: "application/json; charset=utf-16", body: '{"intent":"unknown-intent"}' },
];

const HEADER_SETS: Record<string, string>[] = [
  { authorization: "Bearer" },
  { authorization: `Bearer ${"A".repeat(4000)}` },
  { authorization: "Basic Zm9vOmJhcg==" },
  { authorization: "Bearer odk_\u0000" .replace("\u0000", "%00") },
  { cookie: "opsdeck_session=%E0%A4%A" },
  { cookie: "opsdeck_session=a.b; opsdeck_session=c.d; __Host-opsdeck_session=x" },
  { cookie: `opsdeck_session=${"x".repeat(3000)}.sig` },
  { "x-forwarded-user": "admin", "x-forwarded-groups": "admins", "x-opsdeck-peer": "10.0.0.1", "x-forwarded-for": "127.0.0.1, ::1, \u0000" .replace("\u0000", "") },
  { accept: "application/json", "content-type": "application/json" },
  { accept: "text/event-stream", range: "bytes=0-1", "if-none-match": "*" },
];

const QUERIES = [
  "redirectTo=%2F%0A%2Fx",
  "redirectTo=%2F%09%2Fevil.com",
  "%ZZ=1&a=%",
  "state=all&state=open",
  "state[]=x&state[$ne]=y",
  "limit=-1&weeks=-3",
  "limit=1e309&weeks=1e309",
  "range=-5m",
  "range=99999999d",
  "at=99999999999999999999",
  "at=2026-13-45T99:99",
  "at=-1&runbook=..%2F..%2Fetc%2Fpasswd",
  "v=",
  Array.from({ length: 150 }, (_, i) => `v=p${i}`).join("&"),
  "v=x%23%3E%23%3E&v=%00",
  "warn=%3E%3E%3E&critical=for%20ever",
  "q=%00%E2%80%AE&plugin=%00&tag=%FF",
  "format=xml",
  "seq=-1&actor=%00&before=abc&after=1e999&outcome=%27%3B--&from=x&to=y",
  `x=${"a".repeat(6000)}`,
  "_data=routes%2Froot",
  "_data=routes%2Fnope",
  "all=1&all=0",
];

describe("hostile input at every route (demo portal on SQLite)", () => {
  let srv: RunningServer;
  let admin: string;
  let token: string;
  let incidentId: string;
  let runId: string;

  beforeAll(async () => {
    srv = await startServer();
    admin = await signIn(srv.baseUrl, "admin");
    const tok = await fetch(`${srv.baseUrl}/settings/tokens?_data=routes%2Fsettings.tokens`, { method: "POST", headers: { cookie: admin, "content-type": "application/json" }, body: JSON.stringify({ intent: "create", name: "hostile" }) });
    token = (await tok.json()).created.token;
    const inc = await fetch(`${srv.baseUrl}/api/incidents`, { method: "POST", headers: { cookie: admin, "content-type": "application/json" }, body: JSON.stringify({ title: "Hostile input target", severity: "P3" }) });
    incidentId = (await inc.json()).id;
    const run = await fetch(`${srv.baseUrl}/api/actions/demo.flush-cache`, { method: "POST", headers: { cookie: admin, "content-type": "application/json" }, body: JSON.stringify({ input: { cache: "sessions" }, idempotencyKey: "hostile-setup-0001" }) });
    runId = (await run.json()).runId;
    for (let i = 0; i < 50; i++) {
      const r = await (await fetch(`${srv.baseUrl}/api/runs/${runId}`, { headers: { cookie: admin } })).json();
      if (!["pending", "started"].includes(r.status)) break;
      await new Promise((res) => setTimeout(res, 200));
    }
  }, 120_000);

  afterAll(async () => {
    await srv?.stop();
  });

  let problems: string[] = [];
  beforeEach(() => {
    problems = [];
  });
  async function hit(method: string, p: string, init: { headers?: Record<string, string>; body?: BodyInit } = {}): Promise<void> {
    let res: Response;
    try {
      res = await fetch(`${srv.baseUrl}${p}`, { method, headers: init.headers, body: init.body, redirect: "manual", signal: AbortSignal.timeout(15_000) });
    } catch (err) {
      problems.push(`${method} ${p.slice(0, 120)} ${JSON.stringify(init.headers ?? {}).slice(0, 120)}: no answer (${(err as Error).message})`);
      return;
    }
    const type = res.headers.get("content-type") ?? "";
    const text = type.includes("event-stream") ? "" : await res.text();
    if (type.includes("event-stream")) await res.body?.cancel();
    if (res.status >= 500 || /\n\s+at .+:\d+:\d+/.test(text)) problems.push(`${method} ${p.slice(0, 120)} ${JSON.stringify(init.headers ?? {}).slice(0, 120)} → ${res.status} ${text.slice(0, 200)}`);
  }

  /** Runs `tasks` a few at a time (the machine is shared). */
  async function pool(tasks: (() => Promise<void>)[], width = 4): Promise<void> {
    let next = 0;
    await Promise.all(Array.from({ length: width }, async () => {
      while (next < tasks.length) await tasks[next++]();
    }));
  }

  const getRoutes = () => [
    "/",
    "/login",
    "/runbooks",
    "/runbooks/stripe-webhooks",
    "/runbooks/..%2F..%2Fpackage.json",
    "/runbook-assets/..%2F..%2Fpackage.json",
    "/runbook-assets/%00",
    "/incidents",
    "/incidents/new",
    `/incidents/${incidentId}`,
    `/incidents/${incidentId}/as-of`,
    `/incidents/${incidentId}/report`,
    `/incidents/${incidentId}/report.md`,
    "/incidents/%FF%FE",
    "/reports",
    "/audit",
    "/audit/export",
    "/settings/tokens",
    "/admin/users",
    `/runs/${runId}`,
    "/runs/'%20or%201=1",
    "/api/probes",
    "/api/probes/demo.queue-depth",
    "/api/probes/demo.queue-depth/history",
    "/api/probes/%E0%A4%A",
    "/api/probes/stream",
    "/api/incidents",
    `/api/incidents/${incidentId}`,
    "/api/actions",
    "/api/actions/demo.flush-cache",
    "/api/actions/%00",
    `/api/runs/${runId}`,
  ];

  const postRoutes = () => [
    "/login",
    "/logout",
    "/api/actions/demo.flush-cache",
    "/api/actions/demo.purge-queue",
    "/api/actions/nope.nope",
    "/api/actions/demo.flush-cache/preview",
    `/api/runs/${runId}/cancel`,
    `/api/runs/${runId}/approval`,
    `/api/runs/${runId}/review`,
    "/api/incidents",
    `/api/incidents/${incidentId}/events`,
    "/incidents/new",
    `/incidents/${incidentId}`,
    `/incidents/${incidentId}/report`,
    "/settings/tokens",
    "/admin/users",
    "/audit",
    `/runs/${runId}`,
  ];

  it("hostile query strings and headers on every GET route: no 5xx, no stack trace, no write", async () => {
    const before = snapshot(srv);
    const auths: Record<string, string>[] = [{}, { cookie: admin }, { authorization: `Bearer ${token}` }];
    const tasks: (() => Promise<void>)[] = [];
    for (const route of getRoutes()) {
      for (const auth of auths) for (const q of QUERIES) tasks.push(() => hit("GET", `${route}?${q}`, { headers: { ...auth, accept: route.startsWith("/api/") ? "application/json" : "text/html" } }));
      for (const h of HEADER_SETS) tasks.push(() => hit("GET", route, { headers: { ...h } }));
      for (const method of ["PUT", "DELETE", "PATCH"]) tasks.push(() => hit(method, route, { headers: { cookie: admin, "content-type": "application/json" }, body: "{}" }));
    }
    await pool(tasks);
    if (snapshot(srv) !== before) problems.push("a state table changed");
    expect(problems).toEqual([]);
  }, 600_000);

  it("hostile bodies on every POST route, signed out, with a session and with a token: 4xx, no stack trace, no partial write", async () => {
    const before = snapshot(srv);
    const tasks: (() => Promise<void>)[] = [];
    for (const route of postRoutes()) {
      // A real sign-out would end the session the other requests use.
      const auths: Record<string, string>[] = route === "/logout" ? [{}] : [{}, { cookie: admin }, { authorization: `Bearer ${token}` }];
      for (const auth of auths) {
        for (const b of BODIES) {
          tasks.push(() => {
            const body = typeof b.body === "function" ? b.body() : b.body;
            return hit("POST", route, { headers: { ...auth, ...(b.type ? { "content-type": b.type } : {}), accept: route.startsWith("/api/") ? "application/json" : "text/html" }, body });
          });
        }
      }
      for (const h of HEADER_SETS) tasks.push(() => hit("POST", route, { headers: { ...h, "content-type": "application/json" }, body: '{"intent":"nope"}' }));
    }
    await pool(tasks);
    if (snapshot(srv) !== before) problems.push("a state table changed: a partial write");
    expect(problems).toEqual([]);
    // The portal still works for a real person afterwards.
    expect((await fetch(`${srv.baseUrl}/api/probes`, { headers: { cookie: admin } })).status).toBe(200);
  }, 600_000);
});
