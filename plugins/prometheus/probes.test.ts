import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { isSecretSchema } from "../plugin-api";
import { createPromClient, PrometheusError } from "./client";
import { PrometheusConfigSchema } from "./config";
import { PRESETS, queriesWithPresets } from "./presets";
import { instantReading } from "./probes";
import plugin from "./index";
import { openMetrics } from "./server";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** A server that records the request and answers as given (for auth headers and error shapes only). */
async function answering(status: number, body: string) {
  const seen: { url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      seen.push({ url: req.url ?? "", headers: req.headers, body: raw });
      res.writeHead(status, { "content-type": "application/json" }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => new Promise((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe("prometheus plugin", () => {
  it("config: bearer and basic-auth secrets are marked; presets are the four seed panels", () => {
    const shape = (PrometheusConfigSchema as any)._zod.def.shape ?? (PrometheusConfigSchema as any).shape;
    expect(isSecretSchema(shape.bearerToken._zod.def.innerType)).toBe(true);
    expect(isSecretSchema(shape.basicAuth._zod.def.innerType.shape.password)).toBe(true);
    const parsed = PrometheusConfigSchema.safeParse({ url: "http://prom:9090", presets: ["http-latency", "nope"] });
    expect(parsed.success).toBe(false);
    expect(PrometheusConfigSchema.safeParse({ url: "http://p", bearerToken: "t0ken", basicAuth: { username: "u", password: "p" } }).success).toBe(false);
    const q = queriesWithPresets({ "webhook-retries": { promql: "1", thresholds: {}, every: "1m" } }, ["stripe-webhooks", "billing"]);
    expect(Object.keys(q).sort()).toEqual(["invoice-failures", "refund-spike", "webhook-error-ratio", "webhook-retries"]);
    expect(q["webhook-retries"]!.promql).toBe("1"); // a configured query of the same name wins
    expect(PRESETS["http-latency"]["http-latency-p95"]!.thresholds).toEqual({ warn: "> 0.3" });
    expect(PRESETS["stripe-webhooks"]["webhook-error-ratio"]!.thresholds).toEqual({ warn: "> 2", critical: "> 2 for 10m" });
    expect(PRESETS.checkout["checkout-failures"]!.thresholds).toEqual({ warn: "> 5", critical: "> 5 for 10m" });
  });

  it("instant vectors: one series gives its value; several give a table and the worst value", () => {
    const one = instantReading({ resultType: "vector", result: [{ metric: {}, value: [1, "0.25"] }] }, "s");
    expect(one).toEqual({ value: 0.25, summary: "0.25 s", rows: undefined });
    const several = instantReading(
      {
        resultType: "vector",
        result: [
          { metric: { status: "error" }, value: [1, "3"] },
          { metric: { status: "received" }, value: [1, "40"] },
          { metric: { status: "retry" }, value: [1, "NaN"] },
        ],
      },
      "/min",
    );
    expect(several.value).toBe(40);
    expect(several.summary).toBe('3 series; highest 40 /min · {status="received"}');
    expect(several.rows).toEqual([
      { status: "error", value: 3 },
      { status: "received", value: 40 },
      { status: "retry", value: "NaN" },
    ]);
    const low = instantReading({ resultType: "vector", result: [{ metric: { a: "1" }, value: [1, "5"] }, { metric: { a: "2" }, value: [1, "2"] }] }, undefined, { warn: "< 3" });
    expect(low.value).toBe(2);
    expect(instantReading({ resultType: "vector", result: [] }, "s")).toEqual({ value: null, summary: "No data: the query matches no series" });
    expect(instantReading({ resultType: "scalar", result: [1, "NaN"] }, "s").value).toBeNull();
  });

  it("the client sends bearer or basic auth, and errors carry Prometheus' errorType and error", async () => {
    const bad = await answering(400, JSON.stringify({ status: "error", errorType: "bad_data", error: 'invalid parameter "query": 1:5: parse error: unexpected end of input' }));
    const bearer = createPromClient({ url: bad.url, bearerToken: "s3cret-bearer", timeoutMs: 2000 });
    const err = await bearer.query("rate(x[5m]").catch((e) => e);
    expect(err).toBeInstanceOf(PrometheusError);
    expect(err).toMatchObject({ errorType: "bad_data", error: 'invalid parameter "query": 1:5: parse error: unexpected end of input', providerStatus: 400 });
    expect(bad.seen[0]!.headers.authorization).toBe("Bearer s3cret-bearer");
    expect(new URLSearchParams(bad.seen[0]!.body).get("timeout")).toBe("2000ms");
    expect(String(err)).not.toContain("s3cret");

    const denied = await answering(401, "Unauthorized");
    const basic = createPromClient({ url: denied.url, basicAuth: { username: "ops", password: "pw-123" }, timeoutMs: 2000 });
    await expect(basic.alerts()).rejects.toMatchObject({ errorType: "http", error: "HTTP 401: authentication failed" });
    expect(denied.seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from("ops:pw-123").toString("base64")}`);
  });

  it("writes OpenMetrics that promtool reads (label values escaped)", () => {
    expect(openMetrics([{ name: "m", labels: { a: 'x"y' }, points: [[10, 1], [70, 2]] }])).toBe('# TYPE m unknown\nm{a="x\\"y"} 1 10\nm{a="x\\"y"} 2 70\n# EOF\n');
  });

  it("demo mode without the binary: one warning probe says how to install it, and PromQL widgets say so too", async () => {
    const before = process.env.PROMETHEUS_BIN;
    process.env.PROMETHEUS_BIN = "/nonexistent/prometheus";
    try {
      const log = { debug() {}, info() {}, warn() {}, error() {} };
      const demo = await plugin.demo!({ dataDir: "/tmp/unused", log });
      const config = PrometheusConfigSchema.parse(demo.config);
      const instance = await plugin.setup({ config, log, deps: {}, demo: true, dataDir: "/tmp/unused" });
      expect(instance.probes!.map((p) => p.id)).toEqual(["setup"]);
      const reading = await instance.probes![0]!.read({ signal: AbortSignal.timeout(1000), log, now: () => new Date() });
      expect(reading.status).toBe("warn");
      expect(reading.summary).toContain("apt-get install -y prometheus");
      const service = instance.provides!.promql as { unavailable?: string; adhocProbe(id: string, q: string): { read: (c: unknown) => Promise<{ summary: string }> } };
      expect(service.unavailable).toContain("apt-get install -y prometheus");
      expect((await service.adhocProbe("q-1", "up").read({})).summary).toContain("apt-get install -y prometheus");
      await demo.stop();
    } finally {
      if (before === undefined) delete process.env.PROMETHEUS_BIN;
      else process.env.PROMETHEUS_BIN = before;
    }
  });
});
