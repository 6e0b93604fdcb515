import http from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoRequest } from "../plugin-api";
import { BackupsConfigSchema } from "./config";
import { createGcpClient, folderOf, GcpExportsSchema, gcpExportProbes, type GcpExportsConfig } from "./gcp-exports";
import { demoExports, gcpSandboxHandler } from "./gcp-sandbox";

// The watch against the sandbox of the two APIs, over real HTTP.
const WHERE = { project: "wildlife-exchange-demo", bucket: "wx-firestore-exports", prefix: "exports/", token: "test-gcp-token-0123456789" };
const NOW = Date.parse("2026-11-27T10:00:00Z");
let dataAt = NOW;
let server: http.Server;
let base = "";

beforeAll(async () => {
  const handler = gcpSandboxHandler(() => demoExports(dataAt, WHERE));
  server = http.createServer((req, res) => {
    const out = handler({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers as DemoRequest["headers"], body: Buffer.alloc(0) });
    res.writeHead(out.status, out.headers).end(JSON.stringify(out.body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const config = (over: Partial<GcpExportsConfig> = {}): GcpExportsConfig => GcpExportsSchema.parse({ ...WHERE, adminUrl: `${base}/gcp/firestore`, storageUrl: `${base}/gcp/storage`, ...over });
const read = async (id: string, c: GcpExportsConfig, now = NOW) => {
  const p = gcpExportProbes(c).find((x) => x.id === id)!;
  return p.read({ signal: AbortSignal.timeout(5_000), log: pino({ level: "silent" }), now: () => new Date(now) });
};

describe("managed Firestore exports (Admin API operations and the bucket)", () => {
  it("reads today's export, checks it against its complete folder, and names the failed export and the folder that lost its metadata", async () => {
    dataAt = NOW;
    const r = await read("gcp-exports", config());
    // Today's export ran at 02:00 UTC and took about a minute: 8 hours ago.
    expect(r.value).toBeGreaterThan(7.9);
    expect(r.value).toBeLessThan(8.1);
    expect(r.summary).toMatch(/^newest complete export 8 h ago \(14028 documents, 25\.\d MB\)/);
    expect(r.summary).toMatch(/1 export FAILED in the last 7 days \(2026-11-24: Quota exceeded/);
    expect(r.summary).toMatch(/1 successful export's folder is missing or incomplete/);
    expect(r.status).toBe("warn");
    const rows = r.rows as Record<string, string>[];
    expect(rows[0]).toMatchObject({ state: "SUCCESSFUL", "in bucket": "complete", output: expect.stringMatching(/^gs:\/\/wx-firestore-exports\/exports\/2026-11-27T02:00/) });
    expect(rows.find((x) => x.state === "FAILED")).toMatchObject({ error: expect.stringMatching(/Quota exceeded/), "in bucket": "folder missing" });
    expect(rows.find((x) => x.started.startsWith("2026-11-18"))).toMatchObject({ "in bucket": "incomplete (no overall_export_metadata)" });
    // Older than the bucket's lifecycle keeps dailies (30 days): gone, unless a Sunday or a first of the month.
    expect(rows).toHaveLength(30);
  });

  it("before today's export the newest is yesterday's; an export still running is not taken for one", async () => {
    dataAt = Date.parse("2026-11-27T02:01:00Z");
    const r = await read("gcp-exports", config(), dataAt);
    expect((r.rows as Record<string, string>[])[0]).toMatchObject({ state: "PROCESSING", "in bucket": "folder missing" });
    expect(r.value).toBeGreaterThan(23.9);
    expect(r.value).toBeLessThan(24.1);
  });

  it("no export for three days: the figure grows past both thresholds", async () => {
    dataAt = NOW;
    const r = await read("gcp-exports", config(), NOW + 3 * 86_400_000);
    expect(r.value).toBeGreaterThan(2 * 26);
    expect(gcpExportProbes(config()).find((p) => p.id === "gcp-exports")!.thresholds).toEqual({ warn: "> 26", critical: "> 52" });
  });

  it("lists the bucket's export folders with sizes, and the incomplete one", async () => {
    dataAt = NOW;
    const r = await read("gcp-export-folders", config());
    const rows = r.rows as Record<string, unknown>[];
    expect(r.value).toBe(rows.length);
    expect(rows.length).toBeGreaterThanOrEqual(30);
    expect(r.status).toBe("warn");
    expect(r.summary).toMatch(/1 incomplete: exports\/2026-11-18T02:00/);
    expect(rows[0]).toMatchObject({ folder: expect.stringMatching(/^gs:\/\/wx-firestore-exports\/exports\/2026-11-27T02:00/), complete: "yes", objects: 11 });
  });

  it("both probes of one round share one listing of the bucket; the next round lists it again", async () => {
    dataAt = NOW;
    const urls: string[] = [];
    const c = config();
    const counting: typeof fetch = (input, init) => (urls.push(String(input)), fetch(input, init));
    const probes = gcpExportProbes(c, createGcpClient(c, { fetch: counting }));
    const round = (now: number) => Promise.all(probes.map((p) => p.read({ signal: AbortSignal.timeout(5_000), log: pino({ level: "silent" }), now: () => new Date(now) })));
    const topListings = () => urls.filter((u) => u.includes("/storage/v1/") && u.includes("delimiter")).length;
    await round(NOW);
    expect(topListings()).toBe(1);
    await round(NOW + 5 * 60_000);
    expect(topListings()).toBe(2);
  });

  it("a wrong token is the API's own 401 message, and the token is never in it", async () => {
    dataAt = NOW;
    const err = await read("gcp-exports", config({ token: "wrong-token-000000" })).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/HTTP 401 — Request is missing required authentication credential/);
    expect((err as Error).message).not.toContain("wrong-token");
  });

  it("another project or bucket: the API's 403 or 404 says which", async () => {
    const e1 = await read("gcp-exports", config({ project: "someone-else-prod" })).catch((e: Error) => e);
    expect((e1 as Error).message).toMatch(/HTTP 403 — The caller does not have permission on project someone-else-prod/);
    const e2 = await read("gcp-export-folders", config({ bucket: "no-such-bucket" })).catch((e: Error) => e);
    expect((e2 as Error).message).toMatch(/HTTP 404 — The specified bucket does not exist/);
  });

  it("config: a credential is required and project and bucket are checked; without a gcp section nothing is watched", () => {
    const bad = BackupsConfigSchema.safeParse({ gcp: { project: "X", bucket: "gs://b", token: "" } });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["gcp.project", "gcp.bucket", "gcp.token"]));
    const none = BackupsConfigSchema.safeParse({ gcp: { project: "shop-prod", bucket: "b-exports" } });
    expect(none.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([expect.stringMatching(/^gcp\.clientEmail: set a service account .* or a static token$/)]);
    const two = BackupsConfigSchema.safeParse({ gcp: { project: "shop-prod", bucket: "b-exports", token: "t", applicationDefault: true } });
    expect(two.error!.issues.map((i) => i.message)).toEqual(["set only one credential, not applicationDefault and token"]);
    const half = BackupsConfigSchema.safeParse({ gcp: { project: "shop-prod", bucket: "b-exports", clientEmail: "x@shop-prod.iam.gserviceaccount.com" } });
    expect(half.error!.issues.map((i) => i.path.join("."))).toEqual(["gcp.privateKey"]);
    expect(BackupsConfigSchema.parse({}).gcp).toBeUndefined();
  });

  it("folderOf maps an operation's output to its folder in the watched bucket only", () => {
    const op = (uri: string) => ({ name: "x", metadata: { outputUriPrefix: uri } });
    expect(folderOf(op("gs://b/exports/2026-11-27T02:00:04_1"), "b")).toBe("exports/2026-11-27T02:00:04_1/");
    expect(folderOf(op("gs://other/exports/x"), "b")).toBeNull();
    expect(folderOf(op("gs://b/"), "b")).toBeNull();
  });
});
