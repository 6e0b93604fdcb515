import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn, startServer, type RunningServer } from "../helpers/server";

// Seeded secrets: an HTTP check sends both as headers to an upstream that echoes every header it
// gets back in its answer, so the secrets come back inside the probe's summary and rows.
const TOKEN = "tok_SEEDED_0123456789abcdef";
const AUTHORIZATION = `Bearer ${TOKEN}`;
const API_KEY = "key_SEEDED_fedcba9876543210";
/** A secret action input (demo.rotate-key's `newSecret`). */
const NEW_SECRET = "NEWSECRET_SEEDED_5551234";
const SECRETS = [AUTHORIZATION, TOKEN, API_KEY, NEW_SECRET];

function leaks(text: string): string[] {
  return SECRETS.filter((s) => text.includes(s) || text.includes(encodeURIComponent(s)));
}

async function readFor(url: string, cookie: string, ms: number): Promise<string> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { cookie }, signal: controller.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    /* aborted on purpose */
  } finally {
    clearTimeout(timer);
  }
  return text;
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe("seeded secrets never leave the portal (echoing upstream, every exit)", () => {
  let upstream: http.Server;
  let received: http.IncomingHttpHeaders[] = [];
  let srv: RunningServer;
  let runbooks: string;
  let admin: string;
  let incidentId: string;

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      received.push(req.headers);
      res.setHeader("content-type", "application/json");
      // Echoes what it was sent: the auth header as its "status", the key, and every header.
      res.end(JSON.stringify({ status: req.headers.authorization, key: req.headers["x-api-key"], headers: req.headers, note: `got ${req.headers.authorization} and ${req.headers["x-api-key"]}` }));
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    const port = (upstream.address() as AddressInfo).port;
    runbooks = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-secret-rb-"));
    fs.writeFileSync(path.join(runbooks, "echo.md"), "---\ntitle: Echo check\nplugins: [http]\n---\n## Detect\n::status{probe=\"http.echo\"}\n::table{probe=\"http.echo\"}\n");
    srv = await startServer({
      runbooksDir: runbooks,
      config: {
        app: { demo: true },
        plugins: {
          http: {
            checks: {
              echo: {
                title: "Echo upstream",
                url: `http://127.0.0.1:${port}/health`,
                headers: { Authorization: "Bearer ${ECHO_TOKEN}", "X-Api-Key": "${ECHO_KEY}" },
                expectJson: { status: "healthy", key: "none", note: "fine" },
                every: "2s",
              },
            },
          },
        },
      },
      env: { ECHO_TOKEN: TOKEN, ECHO_KEY: API_KEY, LOG_LEVEL: "info" },
    });
    admin = await signIn(srv.baseUrl, "admin");
  }, 120_000);

  afterAll(async () => {
    await srv?.stop();
    await new Promise((r) => upstream?.close(r));
    fs.rmSync(runbooks, { recursive: true, force: true });
  });

  const get = async (p: string, cookie = admin) => {
    const res = await fetch(`${srv.baseUrl}${p}`, { headers: { cookie, accept: p.startsWith("/api/") ? "application/json" : "text/html" } });
    return { status: res.status, text: await res.text() };
  };

  it("probe readings of an upstream that echoes its secret headers show [redacted] in the API, overview, runbook page and SSE stream (defect 1)", async () => {
    const reading = await get("/api/probes/http.echo");
    expect(reading.status).toBe(200);
    // Not vacuous: the upstream got the secrets, and their echo is in the reading, scrubbed.
    expect(received.some((h) => h.authorization === AUTHORIZATION && h["x-api-key"] === API_KEY)).toBe(true);
    expect(reading.text).toContain("[redacted]");
    expect(leaks(reading.text)).toEqual([]);
    const body = JSON.parse(reading.text);
    expect(body.summary).toContain("status is \"[redacted]\"");
    expect(JSON.stringify(body.rows)).toContain("[redacted]");
    for (const p of ["/api/probes", "/", "/runbooks/echo"]) {
      const page = await get(p);
      expect(page.status, p).toBe(200);
      expect(leaks(page.text), p).toEqual([]);
    }
    const stream = await readFor(`${srv.baseUrl}/api/probes/stream?v=http.echo&v=http.echo%23%3E%201%23`, admin, 3000);
    expect(stream).toContain("event: reading");
    expect(stream).toContain("[redacted]");
    expect(leaks(stream)).toEqual([]);
  }, 60_000);

  it("a secret typed into an incident's title, note and report is scrubbed on the incident, list, report, report.md and as-of pages (defect 1)", async () => {
    const created = await fetch(`${srv.baseUrl}/api/incidents`, {
      method: "POST",
      headers: { cookie: admin, "content-type": "application/json" },
      body: JSON.stringify({ title: `Echo leaks ${API_KEY}`, severity: "P2", runbook: "echo" }),
    });
    expect(created.status).toBe(201);
    incidentId = (await created.json()).id;
    const note = await fetch(`${srv.baseUrl}/api/incidents/${incidentId}/events`, {
      method: "POST",
      headers: { cookie: admin, "content-type": "application/json" },
      body: JSON.stringify({ type: "note", text: `pasted the header ${AUTHORIZATION} by mistake` }),
    });
    expect(note.status).toBe(201);
    const report = await fetch(`${srv.baseUrl}/incidents/${incidentId}/report`, {
      method: "POST",
      headers: { cookie: admin },
      body: new URLSearchParams({ intent: "report", summary: `The key ${API_KEY} leaked`, rootCause: `token ${TOKEN}` }),
    });
    expect(report.status).toBe(200);
    for (const p of [`/incidents/${incidentId}`, "/incidents", `/incidents/${incidentId}/report`, `/incidents/${incidentId}/report.md`, `/incidents/${incidentId}/as-of?at=${Date.now()}`, `/api/incidents/${incidentId}`, "/api/incidents"]) {
      const page = await get(p);
      expect(page.status, p).toBe(200);
      expect(leaks(page.text), p).toEqual([]);
    }
    expect((await get(`/incidents/${incidentId}`)).text).toContain("Echo leaks [redacted]");
  }, 60_000);

  it("no page, JSON route, SSE stream, log line, report, audit export or database file holds a seeded secret", async () => {
    // Let the sampler store samples and a transition of the echo probe.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const h = JSON.parse((await get("/api/probes/http.echo/history?range=1h")).text);
      if (h.samples.length >= 2 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    // A secret action input: its run, run log, result and audit entries must not hold it.
    const run = await fetch(`${srv.baseUrl}/api/actions/demo.rotate-key`, {
      method: "POST",
      headers: { cookie: admin, "content-type": "application/json" },
      body: JSON.stringify({ input: { keyName: "api-signing", newSecret: NEW_SECRET }, confirm: "api-signing", idempotencyKey: "seeded-secrets-rotate-1", incidentId }),
    });
    expect(run.status).toBeLessThan(300);
    const { runId } = await run.json();
    for (let i = 0; i < 100; i++) {
      const r = JSON.parse((await get(`/api/runs/${runId}`)).text);
      if (!["pending", "started"].includes(r.status)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // A secret in a URL is scrubbed from the request log line too.
    await get(`/runbooks/${encodeURIComponent(API_KEY)}`);
    const pages = [
      "/",
      "/runbooks",
      "/runbooks/echo",
      "/incidents",
      `/incidents/${incidentId}`,
      `/incidents/${incidentId}/report`,
      `/incidents/${incidentId}/report.md`,
      `/incidents/${incidentId}/as-of?at=${Date.now()}`,
      "/reports",
      "/audit",
      "/admin/users",
      "/settings/tokens",
      "/api/probes",
      "/api/probes/http.echo",
      "/api/probes/http.echo/history?range=1h",
      "/api/incidents",
      `/api/incidents/${incidentId}`,
      `/runs/${runId}`,
      `/api/runs/${runId}`,
      "/audit/export?format=ndjson",
      "/audit/export?format=csv",
    ];
    for (const p of pages) {
      const page = await get(p);
      expect(page.status, p).toBeLessThan(500);
      expect(leaks(page.text), p).toEqual([]);
    }
    expect(leaks(await readFor(`${srv.baseUrl}/api/probes/stream?v=http.echo`, admin, 2500))).toEqual([]);
    const log = srv.output();
    expect(log.length).toBeGreaterThan(0);
    expect(log).toContain("[redacted]");
    expect(leaks(log)).toEqual([]);
    const files = filesUnder(path.join(srv.dir, "data"));
    expect(files.some((f) => f.endsWith("opsdeck.sqlite"))).toBe(true);
    for (const f of files) {
      const bytes = fs.readFileSync(f);
      for (const s of SECRETS) expect(bytes.includes(Buffer.from(s)), `${s} in ${path.relative(srv.dir, f)}`).toBe(false);
    }
  }, 90_000);
});
