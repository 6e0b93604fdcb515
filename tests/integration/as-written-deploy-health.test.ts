// Health lines as written on a deploy site (#33): a `curl https://host/path` whose host is one a
// configured deploy site serves production at (its provider lists it), and a host-less
// `GET /api/health` in a runbook whose `service:` names a deploy site the http plugin does not list.
// Read end to end as the page's "Check now" does: the block is taken from the runbook file by id.
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import deploys from "../../plugins/deploys";
import { shopDeployments, startDeploysSandbox, type DeploysSandbox } from "../../plugins/deploys/sandbox";
import httpPlugin from "../../plugins/http";
import { checkHealthBlock, liveBlocksOf } from "~/core/runbooks/live-page.server";
import { testPortal } from "../helpers/portal";

const NOW = Date.now();

describe("health lines on a deploy site's address", () => {
  let app: http.Server;
  let appHost: string;
  let asked: string[] = [];
  let sandbox: DeploysSandbox;
  let t: Awaited<ReturnType<typeof testPortal>>;
  const runbooks = () => path.join(t.dir, "runbooks");

  beforeAll(async () => {
    // The deployed app: it answers its health paths, and 404 to anything else.
    app = http.createServer((req, res) => {
      asked.push(req.url ?? "");
      const ok = req.url === "/api/health" || req.url === "/api/auth/health";
      res.writeHead(ok ? 200 : 404, { "content-type": "application/json" }).end(JSON.stringify(ok ? { status: "ok" } : { error: "not found" }));
    });
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    appHost = `127.0.0.1:${(app.address() as AddressInfo).port}`;
    sandbox = await startDeploysSandbox({
      sites: [
        // The frontend on Vercel: its own *.vercel.app domain, and the app's address as a custom domain.
        { name: "web", provider: "vercel", key: "prj_web", deployments: shopDeployments("vercel", NOW), currentId: "dpl_shop4xxxx", domains: ["web.vercel.app", appHost] },
        // The backend on Render: the service's own address is the app.
        { name: "api", provider: "render", key: "srv-api", deployments: shopDeployments("render", NOW), currentId: "dep-shop4", domains: [`http://${appHost}`] },
      ],
    });
    const site = { token: sandbox.token, apiBase: sandbox.url };
    t = await testPortal({
      plugins: [httpPlugin, deploys],
      config: {
        plugins: {
          // The http plugin lists one service, not the deploy sites: the lines below are read through the deploys plugin.
          http: { services: { status: { url: "http://127.0.0.1:9/", hosts: ["status.example.com"] } } },
          deploys: { sites: { web: { provider: "vercel", projectId: "prj_web", ...site }, api: { provider: "render", serviceId: "srv-api", ...site } } },
        },
      },
      runbooks: {
        "frontend.md": [
          "# Frontend down",
          "",
          "```bash",
          `curl http://${appHost}/api/health`,
          "curl https://web.vercel.app/api/health",
          "curl https://web-git-staging.vercel.app/api/health",
          "curl https://elsewhere.example.com/api/health",
          "```",
          "",
        ].join("\n"),
        "backend.md": ["---", "service: api", "---", "# Backend down", "", "1. Check `GET /api/auth/health` answers 200.", ""].join("\n"),
        "unknown.md": ["---", "service: billing", "---", "# Billing down", "", "1. Check `GET /api/health` answers 200.", ""].join("\n"),
      },
    });
  }, 60_000);
  afterAll(async () => {
    await t?.cleanup();
    await sandbox?.stop();
    app?.close();
  });

  it("a curl of a host the deploy site serves at is live and read as written; a preview branch's or another host is not", async () => {
    const live = (await liveBlocksOf("frontend", t.portal.registry, { dir: runbooks(), liveHosts: [] }))!;
    const health = live.blocks.filter((b) => b.kind === "health");
    expect(health.map((b) => [b.query, b.url])).toEqual([
      [`http://${appHost}/api/health`, undefined],
      ["https://web.vercel.app/api/health", undefined],
    ]);
    asked = [];
    const reading = await checkHealthBlock("frontend", health[0]!.id, t.portal.registry, { dir: runbooks(), liveHosts: [] });
    expect(reading).toMatchObject({ url: `http://${appHost}/api/health`, status: "ok" });
    expect(reading).not.toHaveProperty("readFrom");
    expect(asked).toEqual(["/api/health"]);
    // A line that is not offered is refused by id too: the server never reads a host nobody allowed.
    const ids = new Set(live.blocks.map((b) => b.id));
    const other = Math.max(...ids) + 1;
    await expect(checkHealthBlock("frontend", other, t.portal.registry, { dir: runbooks(), liveHosts: [] })).rejects.toMatchObject({ status: 400 });
  });

  it("a host-less path in a runbook whose service: is a deploy site (no http service of that name) is read at the site's own address", async () => {
    const live = (await liveBlocksOf("backend", t.portal.registry, { dir: runbooks(), liveHosts: [] }))!;
    const health = live.blocks.filter((b) => b.kind === "health");
    expect(health.map((b) => [b.query, b.url])).toEqual([["/api/auth/health", `http://${appHost}/api/auth/health`]]);
    asked = [];
    const reading = await checkHealthBlock("backend", health[0]!.id, t.portal.registry, { dir: runbooks(), liveHosts: [] });
    expect(reading).toMatchObject({ url: "/api/auth/health", readFrom: `http://${appHost}/api/auth/health`, status: "ok" });
    expect(asked).toEqual(["/api/auth/health"]);
  });

  it("a service: that is neither an http service nor a deploy site gets nothing (no guess at the default)", async () => {
    const live = (await liveBlocksOf("unknown", t.portal.registry, { dir: runbooks(), liveHosts: [] }))!;
    expect(live.blocks.filter((b) => b.kind === "health")).toEqual([]);
  });
});
