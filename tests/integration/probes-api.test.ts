import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, sessionCookie } from "~/core/auth.server";
import { probeEngine, startProbeSampling } from "~/core/probes/service.server";
import { loader as listLoader } from "~/routes/api.probes._index";
import { loader as readingLoader } from "~/routes/api.probes.$probeId";
import { loader as historyLoader } from "~/routes/api.probes.$probeId.history";
import { loader as streamLoader } from "~/routes/api.probes.stream";
import { loader as overviewLoader } from "~/routes/_index";
import { fixturePlugin } from "../helpers/probe-fixture";
import { DIALECTS, makeRequest, testPortal } from "../helpers/portal";

const RUNBOOK = ["---", "title: Queue triage", "plugins: [fq]", "---", "## Detect", '::status{probe="fq.backlog"}', '::chart{probe="fq.backlog" range="1h"}', ""].join("\n");

async function call(loader: (args: any) => Promise<unknown>, url: string, params: Record<string, string>, cookie?: string): Promise<Response> {
  try {
    return (await loader({ request: makeRequest(url, { cookie }), params, context: {} })) as Response;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

describe.each(DIALECTS)("probe JSON API on %s", (dialect) => {
  const fx = fixturePlugin("fq", [
    { id: "backlog", every: "1m", thresholds: { warn: "> 0", critical: "> 5" } },
    { id: "broken", every: "1m" },
  ]);
  let env: Awaited<ReturnType<typeof testPortal>>;
  let cookie: string;

  beforeAll(async () => {
    fx.state.value.backlog = 7;
    fx.state.mode.broken = "fail";
    env = await testPortal({ dialect, plugins: [fx.plugin], runbooks: { "queue-triage.md": RUNBOOK }, steps: [startProbeSampling] });
    const r = await login(env.portal.store, env.portal.config, { username: "viewer", password: "test-password", address: "127.0.0.1" });
    if (!r.ok) throw new Error("sign-in failed");
    cookie = sessionCookie(makeRequest("/"), r.token, 60).split(";")[0];
    // The sampler (leader of its own database) stores a first sample of each probe.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const n = await env.portal.store.db.selectFrom("probe_samples").select(({ fn }) => fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
      if (Number(n.n) >= 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(async () => env?.cleanup());

  it("answers 401 JSON without a session", async () => {
    const res = await call(readingLoader, "/api/probes/fq.backlog", { probeId: "fq.backlog" });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("application/json");
  });

  it("GET /api/probes lists every probe with its status", async () => {
    const res = await call(listLoader, "/api/probes", {}, cookie);
    expect(res.status).toBe(200);
    const list = (await res.json()) as { id: string; title: string; status: string }[];
    expect(list.map((p) => ({ id: p.id, status: p.status }))).toEqual([
      { id: "fq.backlog", status: "critical" },
      { id: "fq.broken", status: "unknown" },
    ]);
    expect(list[0].title).toBe("Fixture backlog");
  });

  it("GET /api/probes/:id returns the reading; unknown ids 404 JSON; bad thresholds 400", async () => {
    const res = await call(readingLoader, "/api/probes/fq.backlog", { probeId: "fq.backlog" }, cookie);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ id: "fq.backlog", status: "critical", value: 7, summary: "7 items pending", unit: "items" });
    expect(Date.parse(body.observedAt)).toBeGreaterThan(Date.now() - 60_000);

    const overridden = await call(readingLoader, "/api/probes/fq.backlog?warn=%3E%20100", { probeId: "fq.backlog" }, cookie);
    expect((await overridden.json()).status).toBe("critical"); // critical "> 5" still applies

    const missing = await call(readingLoader, "/api/probes/fq.nope", { probeId: "fq.nope" }, cookie);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'unknown probe "fq.nope"' });

    const bad = await call(readingLoader, "/api/probes/fq.backlog?critical=lots", { probeId: "fq.backlog" }, cookie);
    expect(bad.status).toBe(400);
    expect((await bad.json()).fieldErrors.critical[0]).toMatch(/not a threshold/);

    const broken = await (await call(readingLoader, "/api/probes/fq.broken", { probeId: "fq.broken" }, cookie)).json();
    expect(broken).toMatchObject({ status: "unknown", value: null, observedAt: null });
    expect(broken.error).toMatch(/source is down/);
  });

  it("history answers stored samples for charts; a bad range is 400", async () => {
    const res = await call(historyLoader, "/api/probes/fq.backlog/history?range=1h", { probeId: "fq.backlog" }, cookie);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.thresholds).toEqual({ warn: "> 0", critical: "> 5" });
    expect(body.samples.length).toBeGreaterThanOrEqual(1);
    expect(body.samples[0]).toMatchObject({ value: 7, status: "critical" });
    const bad = await call(historyLoader, "/api/probes/fq.backlog/history?range=forever", { probeId: "fq.backlog" }, cookie);
    expect(bad.status).toBe(400);
  });

  it("the sampler stored the first reading after start as a sample, not as a transition", async () => {
    const samples = await env.portal.store.db.selectFrom("probe_samples").selectAll().where("probe_id", "=", "fq.backlog").execute();
    expect(samples.length).toBeGreaterThanOrEqual(1);
    const rows = await env.portal.store.db.selectFrom("probe_transitions").selectAll().orderBy("probe_id").execute();
    expect(rows).toEqual([]);
  });

  it("the stream sends each reading as an event, and unknown probes as invalid", async () => {
    const controller = new AbortController();
    const request = makeRequest("/api/probes/stream?v=fq.backlog&v=fq.backlog%23%3E%20100%23%3E%20200&v=fq.nope", { cookie, signal: controller.signal });
    const res = (await streamLoader({ request, params: {}, context: {} } as any)) as Response;
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    let text = "";
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (text.match(/event: reading/g) ?? []).length < 2) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    const events = text
      .split("\n\n")
      .filter((b) => b.startsWith("event:"))
      .map((b) => ({ event: b.split("\n")[0].slice(7), data: JSON.parse(b.split("\n")[1].slice(6)) }));
    expect(events).toContainEqual({ event: "invalid", data: { key: "fq.nope", error: 'unknown probe "fq.nope"' } });
    const byKey = Object.fromEntries(events.filter((e) => e.event === "reading").map((e) => [e.data.key, e.data.reading]));
    expect(byKey["fq.backlog"].status).toBe("critical");
    expect(byKey["fq.backlog#> 100#> 200"].status).toBe("ok"); // the widget's own thresholds
  });

  it("the overview shows each plugin's worst status and the runbooks that show a failing probe", async () => {
    const res = (await overviewLoader({ request: makeRequest("/", { cookie }), params: {}, context: {} } as any)) as Response;
    const body = await res.json();
    expect(body.systems).toEqual([expect.objectContaining({ id: "fq", status: "critical", probes: 2 })]);
    expect(body.systems.flatMap((s: { rows: unknown[] }) => s.rows)).toEqual([expect.objectContaining({ id: "fq.backlog", status: "critical", runbooks: [{ path: "queue-triage", title: "Queue triage" }] })]);
    expect(body.unknown.map((u: { id: string }) => u.id)).toEqual(["fq.broken"]);
  });

  it("readings for many concurrent API calls share one upstream read", async () => {
    const before = fx.state.reads.backlog;
    probeEngine(env.portal); // same engine as the routes
    await Promise.all(Array.from({ length: 50 }, () => call(readingLoader, "/api/probes/fq.backlog", { probeId: "fq.backlog" }, cookie)));
    expect(fx.state.reads.backlog).toBe(before); // fresh cache: no new read at all
  });
});
