import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeploysConfigSchema, type SiteConfig } from "./config";
import { readSiteEnv } from "./env-vars";
import { ProviderAuthError } from "./providers/provider";
import { shopDeployments, startDeploysSandbox, type DeploysSandbox } from "./sandbox";
import { providerFor } from "./sites";

// Railway's token kinds and the header each needs (docs.railway.com, Public API): account and
// workspace/team tokens as Authorization: Bearer, a project token as Project-Access-Token.
const NOW = Date.now();
const TOKEN = "0b6d7f2e-4c1a-4d0e-9a51-6f3e2c1b7a90";
const KINDS = ["account", "workspace", "team", "project"] as const;

const sandboxes = new Map<string, DeploysSandbox>();
const seen: { authorization?: string; project?: string }[] = [];
let spy: http.Server;
let spyUrl = "";

beforeAll(async () => {
  for (const kind of KINDS) {
    sandboxes.set(
      kind,
      await startDeploysSandbox({
        token: TOKEN,
        railwayTokenKind: kind,
        sites: [
          {
            name: "api",
            provider: "railway",
            key: "svc-api",
            deployments: shopDeployments("railway", NOW),
            currentId: shopDeployments("railway", NOW)[3]!.id,
            env: [{ key: "NODE_ENV", value: "production", updatedAt: NOW }],
          },
        ],
      }),
    );
  }
  // What the client sends, header by header, on its way to the project-token sandbox.
  const target = new URL(sandboxes.get("project")!.url);
  spy = http.createServer((req, res) => {
    seen.push({ authorization: req.headers.authorization, project: req.headers["project-access-token"] as string | undefined });
    const fwd = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(fwd);
  });
  await new Promise<void>((r) => spy.listen(0, "127.0.0.1", r));
  spyUrl = `http://127.0.0.1:${(spy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => spy.close(() => r()));
  for (const s of sandboxes.values()) await s.stop();
});

const site = (apiBase: string, tokenKind?: (typeof KINDS)[number]): SiteConfig =>
  DeploysConfigSchema.parse({ sites: { api: { provider: "railway", projectId: "prj-api", serviceId: "svc-api", environmentId: "env-production", token: TOKEN, apiBase, ...(tokenKind ? { tokenKind } : {}) } } }).sites.api!;

describe("Railway token kinds", () => {
  it.each(KINDS)("a %s token is sent in its header: deployments and variables are read", async (kind) => {
    const cfg = site(sandboxes.get(kind)!.url, kind);
    const current = await providerFor("api", cfg).current();
    expect(current).toMatchObject({ id: shopDeployments("railway", NOW)[3]!.id, state: "ready" });
    const env = await readSiteEnv("api", cfg, "production");
    expect(env.vars.map((v) => v.name)).toEqual(["NODE_ENV"]);
  });

  it("the kind defaults to account; a project token configured as one is refused as Railway refuses it", async () => {
    const cfg = site(sandboxes.get("project")!.url);
    expect(cfg).toMatchObject({ tokenKind: "account" });
    await expect(providerFor("api", cfg).list(5)).rejects.toBeInstanceOf(ProviderAuthError);
    await expect(readSiteEnv("api", cfg, "production")).rejects.toBeInstanceOf(ProviderAuthError);
    // And an account token sent as a project token is refused too.
    await expect(providerFor("api", site(sandboxes.get("account")!.url, "project")).list(5)).rejects.toBeInstanceOf(ProviderAuthError);
  });

  it("a project token goes only in Project-Access-Token, never as Bearer", async () => {
    seen.length = 0;
    await providerFor("api", site(spyUrl, "project")).list(5);
    expect(seen).toEqual([{ authorization: undefined, project: TOKEN }]);
  });

  it("an unknown kind is refused at start, naming the kinds", () => {
    const bad = DeploysConfigSchema.safeParse({ sites: { api: { provider: "railway", projectId: "p", serviceId: "s", environmentId: "e", token: TOKEN, tokenKind: "personal" } } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path.join(".")).toBe("sites.api.tokenKind");
    expect(bad.error!.issues[0]!.message).toMatch(/account.*workspace.*team.*project/);
  });
});
