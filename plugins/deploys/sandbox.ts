import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local server that answers like Vercel, Netlify, Render and Railway for the deploy sites it is
 * seeded with: each provider's documented paths, shapes, error bodies and rollback calls. A
 * rollback becomes live after `settleMs`; a target listed in `refuse` is refused with the message
 * given, in that provider's error shape. The production history (which deployment served when) is
 * what the demo's Sentry sandbox reads to decide how many errors the shop throws.
 */
export type Provider = "vercel" | "netlify" | "render" | "railway";

export interface SandboxDeployment {
  id: string;
  commit: string;
  message: string;
  author: string;
  createdAt: number;
  /** ready: built and could serve; failed: the build failed; building: still building. */
  build: "ready" | "failed" | "building";
  /** Demo fact: this release breaks the webhook handler. */
  faulty?: boolean;
}

/** One environment variable of a sandbox site; `type` follows Vercel's words (sensitive: never returned). */
export interface SandboxEnvVar {
  key: string;
  value: string;
  updatedAt: number;
  type?: "encrypted" | "plain" | "sensitive";
}

export interface SandboxSite {
  name: string;
  env: SandboxEnvVar[];
  provider: Provider;
  /** projectId (vercel, railway), siteId (netlify) or serviceId (render). */
  key: string;
  deployments: SandboxDeployment[];
  /** Who served production from when (oldest first); the last entry is current. */
  production: { id: string; from: number }[];
  refuse: Map<string, string>;
  /** Rollback state per provider. */
  rollback?: { to: string; status: "in-progress" | "succeeded" | "failed"; at: number; newId?: string };
}

export interface DeploysSandbox {
  url: string;
  token: string;
  sites: Map<string, SandboxSite>;
  /** Sets (or, with null, removes) a site's variable as the platform's dashboard would: updatedAt is now. */
  setEnv(site: string, key: string, value: string | null): void;
  /** The deployment serving production on a site now. */
  current(site: string): SandboxDeployment | undefined;
  /** [from, to) periods of production per deployment, oldest first. */
  history(site: string): { deployment: SandboxDeployment; from: number; to: number }[];
  stop(): Promise<void>;
}

export interface SiteSeed {
  name: string;
  provider: Provider;
  key: string;
  deployments: SandboxDeployment[];
  currentId: string;
  /** The site's environment variables (production). */
  env?: SandboxEnvVar[];
  /** When the current one went live (default: its createdAt). */
  refuse?: Record<string, string>;
}

export async function startDeploysSandbox(opts: {
  token?: string;
  sites: SiteSeed[];
  settleMs?: number;
  now?: () => number;
  /** Which kind of Railway token `token` is: a project token is accepted only as Project-Access-Token, the others only as Bearer. */
  railwayTokenKind?: "account" | "workspace" | "team" | "project";
}): Promise<DeploysSandbox> {
  const token = opts.token ?? "sandbox-deploys-token";
  const settleMs = opts.settleMs ?? 400;
  const now = opts.now ?? Date.now;
  const sites = new Map<string, SandboxSite>();
  for (const s of opts.sites) {
    const ready = s.deployments.filter((d) => d.build === "ready").sort((a, b) => a.createdAt - b.createdAt);
    const production = ready.filter((d) => d.createdAt <= s.deployments.find((x) => x.id === s.currentId)!.createdAt).map((d) => ({ id: d.id, from: d.createdAt }));
    sites.set(s.name, { name: s.name, env: (s.env ?? []).map((e) => ({ ...e })), provider: s.provider, key: s.key, deployments: [...s.deployments].sort((a, b) => b.createdAt - a.createdAt), production, refuse: new Map(Object.entries(s.refuse ?? {})) });
  }
  const byKey = (provider: Provider, key: string) => [...sites.values()].find((s) => s.provider === provider && s.key === key);
  const currentId = (s: SandboxSite) => s.production[s.production.length - 1]?.id;
  const find = (s: SandboxSite, id: string) => s.deployments.find((d) => d.id === id);
  let seq = 0;

  /** Starts a rollback: after settleMs the target (or a copy of it, for providers that redeploy) serves production. */
  function startRollback(s: SandboxSite, target: SandboxDeployment, copy: boolean): SandboxDeployment {
    let serving = target;
    if (copy) {
      serving = { ...target, id: s.provider === "render" ? `dep-rb${++seq}${Date.now().toString(36)}` : `${cryptoId()}`, createdAt: now(), build: "building" };
      s.deployments.unshift(serving);
    }
    s.rollback = { to: target.id, status: "in-progress", at: now(), newId: copy ? serving.id : undefined };
    const t = setTimeout(() => {
      if (copy) serving.build = "ready";
      s.production.push({ id: serving.id, from: now() });
      if (s.rollback) s.rollback.status = "succeeded";
    }, settleMs);
    t.unref();
    return serving;
  }

  // ---- provider shapes
  function vercelShape(s: SandboxSite, d: SandboxDeployment) {
    const state = d.build === "ready" ? "READY" : d.build === "failed" ? "ERROR" : "BUILDING";
    return {
      uid: d.id,
      id: d.id,
      name: s.key,
      url: `${s.key}-${d.id.slice(4, 12)}.vercel.app`,
      created: d.createdAt,
      createdAt: d.createdAt,
      state,
      readyState: state,
      target: "production",
      creator: { uid: `usr_${d.author}`, username: d.author },
      meta: { githubCommitSha: d.commit, githubCommitMessage: d.message, githubCommitAuthorName: d.author },
      ...(d.build === "failed" ? { errorMessage: "Command \"npm run build\" exited with 1" } : {}),
    };
  }
  function netlifyShape(s: SandboxSite, d: SandboxDeployment) {
    return {
      id: d.id,
      site_id: s.key,
      state: d.build === "ready" ? "ready" : d.build === "failed" ? "error" : "building",
      context: "production",
      branch: "main",
      commit_ref: d.commit,
      committer: d.author,
      title: d.message,
      created_at: new Date(d.createdAt).toISOString(),
      published_at: s.production.some((p) => p.id === d.id) ? new Date(s.production.find((p) => p.id === d.id)!.from).toISOString() : null,
      error_message: d.build === "failed" ? "Build script returned non-zero exit code: 2" : null,
      deploy_ssl_url: `https://${d.id}--${s.name}.netlify.app`,
    };
  }
  function renderShape(s: SandboxSite, d: SandboxDeployment) {
    const live = currentId(s) === d.id;
    const status = d.build === "failed" ? "build_failed" : d.build === "building" ? "update_in_progress" : live ? "live" : s.production.some((p) => p.id === d.id) ? "deactivated" : "deactivated";
    const iso = new Date(d.createdAt).toISOString();
    return { id: d.id, commit: { id: d.commit, message: d.message, createdAt: iso }, status, trigger: "new_commit", createdAt: iso, updatedAt: iso, finishedAt: d.build === "building" ? null : iso };
  }
  function railwayShape(s: SandboxSite, d: SandboxDeployment) {
    const wasLive = s.production.some((p) => p.id === d.id);
    const status = d.build === "failed" ? "FAILED" : d.build === "building" ? "DEPLOYING" : currentId(s) === d.id ? "SUCCESS" : "REMOVED";
    return { id: d.id, status, createdAt: new Date(d.createdAt).toISOString(), canRollback: d.build === "ready" && (wasLive || status === "REMOVED") && currentId(s) !== d.id, serviceId: s.key, meta: { commitHash: d.commit, commitMessage: d.message, commitAuthor: d.author, branch: "main" } };
  }

  const envId = (i: number) => `env_${(i + 1).toString(36).padStart(6, "0")}`;
  function vercelEnvShape(e: SandboxEnvVar, i: number, decrypt: boolean) {
    const type = e.type ?? "encrypted";
    const readable = type === "plain" || (decrypt && type !== "sensitive");
    return {
      id: envId(i),
      key: e.key,
      type,
      target: ["production"],
      createdAt: e.updatedAt,
      updatedAt: e.updatedAt,
      decrypted: readable && type !== "plain",
      ...(type === "sensitive" ? {} : { value: readable ? e.value : Buffer.from(`enc:${e.key}:${e.updatedAt}`).toString("base64") }),
    };
  }

  type Answer = { status: number; body?: unknown };
  const vercelError = (status: number, code: string, message: string, extra: Record<string, unknown> = {}): Answer => ({ status, body: { error: { code, message, ...extra } } });

  function vercel(method: string, path: string, q: URLSearchParams): Answer {
    let m: RegExpExecArray | null;
    if (method === "GET" && path === "/v6/deployments") {
      const s = byKey("vercel", q.get("projectId") ?? "");
      if (!s) return vercelError(404, "not_found", "Project not found");
      const limit = Number(q.get("limit") ?? 20);
      return { status: 200, body: { deployments: s.deployments.slice(0, limit).map((d) => vercelShape(s, d)), pagination: { count: Math.min(limit, s.deployments.length), next: null, prev: null } } };
    }
    if (method === "GET" && (m = /^\/v13\/deployments\/([^/]+)$/.exec(path))) {
      for (const s of sites.values()) {
        const d = s.provider === "vercel" ? find(s, decodeURIComponent(m[1]!)) : undefined;
        if (d) return { status: 200, body: vercelShape(s, d) };
      }
      return vercelError(404, "not_found", "Deployment not found");
    }
    if (method === "GET" && (m = /^\/v10\/projects\/([^/]+)\/env$/.exec(path))) {
      const s = byKey("vercel", decodeURIComponent(m[1]!));
      if (!s) return vercelError(404, "not_found", "Project not found");
      return { status: 200, body: { envs: s.env.map((e, i) => vercelEnvShape(e, i, q.get("decrypt") === "true")) } };
    }
    if (method === "GET" && (m = /^\/v1\/projects\/([^/]+)\/env\/([^/]+)$/.exec(path))) {
      const s = byKey("vercel", decodeURIComponent(m[1]!));
      const i = s ? s.env.findIndex((_, n) => envId(n) === decodeURIComponent(m![2]!)) : -1;
      if (!s || i < 0) return vercelError(404, "not_found", "Environment Variable not found");
      return { status: 200, body: vercelEnvShape(s.env[i]!, i, true) };
    }
    if (method === "GET" && (m = /^\/v9\/projects\/([^/]+)$/.exec(path))) {
      const s = byKey("vercel", decodeURIComponent(m[1]!));
      if (!s) return vercelError(404, "not_found", "Project not found");
      const r = s.rollback;
      return {
        status: 200,
        body: {
          id: s.key,
          name: s.name,
          targets: { production: { id: currentId(s) } },
          lastRollbackTarget: r ? { fromDeploymentId: null, toDeploymentId: r.to, jobStatus: r.status, requestedAt: r.at } : null,
        },
      };
    }
    if (method === "POST" && (m = /^\/v1\/projects\/([^/]+)\/rollback\/([^/]+)$/.exec(path))) {
      const s = byKey("vercel", decodeURIComponent(m[1]!));
      if (!s) return vercelError(404, "not_found", "Project not found");
      const d = find(s, decodeURIComponent(m[2]!));
      if (!d) return vercelError(404, "not_found", "Deployment not found");
      if (d.build !== "ready") return vercelError(400, "invalid_deployment", "Cannot rollback to a deployment that is not READY");
      const refusal = s.refuse.get(d.id);
      if (refusal) return vercelError(409, "rollback_failed", refusal);
      startRollback(s, d, false);
      return { status: 201, body: {} };
    }
    return vercelError(404, "not_found", "The requested path was not found");
  }

  function netlify(method: string, path: string, q: URLSearchParams): Answer {
    let m: RegExpExecArray | null;
    const err = (status: number, message: string): Answer => ({ status, body: { code: status, message } });
    if ((m = /^\/api\/v1\/sites\/([^/]+)$/.exec(path)) && method === "GET") {
      const s = byKey("netlify", decodeURIComponent(m[1]!));
      if (!s) return err(404, "Not Found");
      const cur = find(s, currentId(s) ?? "");
      return { status: 200, body: { id: s.key, name: s.name, account_id: "acct-sandbox", state: "current", published_deploy: cur ? netlifyShape(s, cur) : null } };
    }
    if ((m = /^\/api\/v1\/sites\/([^/]+)\/deploys$/.exec(path)) && method === "GET") {
      const s = byKey("netlify", decodeURIComponent(m[1]!));
      if (!s) return err(404, "Not Found");
      return { status: 200, body: s.deployments.slice(0, Number(q.get("per_page") ?? 100)).map((d) => netlifyShape(s, d)) };
    }
    if ((m = /^\/api\/v1\/accounts\/([^/]+)\/env$/.exec(path)) && method === "GET") {
      if (decodeURIComponent(m[1]!) !== "acct-sandbox") return err(404, "Not Found");
      const s = byKey("netlify", q.get("site_id") ?? "");
      if (!s) return err(404, "Not Found");
      return {
        status: 200,
        body: s.env.map((e) => ({ key: e.key, scopes: ["builds", "functions", "runtime", "post-processing"], values: [{ id: `val-${e.key.toLowerCase()}`, value: e.value, context: "production" }], is_secret: false, updated_at: new Date(e.updatedAt).toISOString(), updated_by: { id: "u1", full_name: "Sandbox", email: "ops@example.com" } })),
      };
    }
    if ((m = /^\/api\/v1\/deploys\/([^/]+)$/.exec(path)) && method === "GET") {
      for (const s of sites.values()) {
        const d = s.provider === "netlify" ? find(s, decodeURIComponent(m[1]!)) : undefined;
        if (d) return { status: 200, body: netlifyShape(s, d) };
      }
      return err(404, "Not Found");
    }
    if ((m = /^\/api\/v1\/sites\/([^/]+)\/deploys\/([^/]+)\/restore$/.exec(path)) && method === "POST") {
      const s = byKey("netlify", decodeURIComponent(m[1]!));
      const d = s && find(s, decodeURIComponent(m[2]!));
      if (!s || !d) return err(404, "Not Found");
      if (d.build !== "ready") return err(422, "Deploy is not in a ready state and cannot be published");
      const refusal = s.refuse.get(d.id);
      if (refusal) return err(422, refusal);
      startRollback(s, d, false);
      return { status: 200, body: netlifyShape(s, d) };
    }
    return err(404, "Not Found");
  }

  function render(method: string, path: string, q: URLSearchParams, body: any): Answer {
    let m: RegExpExecArray | null;
    const err = (status: number, message: string): Answer => ({ status, body: { id: status === 404 ? "not_found" : "error", message } });
    if ((m = /^\/v1\/services\/([^/]+)\/deploys$/.exec(path)) && method === "GET") {
      const s = byKey("render", decodeURIComponent(m[1]!));
      if (!s) return err(404, "service not found");
      return { status: 200, body: s.deployments.slice(0, Number(q.get("limit") ?? 20)).map((d) => ({ deploy: renderShape(s, d), cursor: d.id })) };
    }
    if ((m = /^\/v1\/services\/([^/]+)\/env-vars$/.exec(path)) && method === "GET") {
      const s = byKey("render", decodeURIComponent(m[1]!));
      if (!s) return err(404, "service not found");
      const limit = Math.min(100, Math.max(1, Number(q.get("limit") ?? 20)));
      const after = q.get("cursor");
      const start = after ? s.env.findIndex((e) => e.key === after) + 1 : 0;
      return { status: 200, body: s.env.slice(start, start + limit).map((e) => ({ envVar: { key: e.key, value: e.value }, cursor: e.key })) };
    }
    if ((m = /^\/v1\/services\/([^/]+)\/deploys\/([^/]+)$/.exec(path)) && method === "GET") {
      const s = byKey("render", decodeURIComponent(m[1]!));
      const d = s && find(s, decodeURIComponent(m[2]!));
      if (!s || !d) return err(404, "deploy not found");
      return { status: 200, body: renderShape(s, d) };
    }
    if ((m = /^\/v1\/services\/([^/]+)\/rollback$/.exec(path)) && method === "POST") {
      const s = byKey("render", decodeURIComponent(m[1]!));
      if (!s) return err(404, "service not found");
      const d = typeof body?.deployId === "string" ? find(s, body.deployId) : undefined;
      if (!d) return err(400, "deployId: must be a deploy of this service");
      if (d.build !== "ready") return err(400, "cannot roll back to a deploy that never went live");
      const refusal = s.refuse.get(d.id);
      if (refusal) return err(409, refusal);
      const created = startRollback(s, d, true);
      return { status: 201, body: renderShape(s, created) };
    }
    return err(404, "not found");
  }

  function railway(body: any): Answer {
    const query = String(body?.query ?? "");
    const v = body?.variables ?? {};
    const gqlError = (message: string): Answer => ({ status: 200, body: { data: null, errors: [{ message, locations: [], path: [] }] } });
    if (/deploymentRollback/.test(query)) {
      for (const s of sites.values()) {
        const d = s.provider === "railway" ? find(s, String(v.id)) : undefined;
        if (!d) continue;
        if (d.build !== "ready") return gqlError("Deployment cannot be rolled back");
        const refusal = s.refuse.get(d.id);
        if (refusal) return gqlError(refusal);
        startRollback(s, d, true);
        return { status: 200, body: { data: { deploymentRollback: true } } };
      }
      return gqlError("Deployment not found");
    }
    if (/\bvariables\s*\(/.test(query)) {
      const site = byKey("railway", String(v.serviceId ?? ""));
      if (!site) return gqlError("Service not found");
      return { status: 200, body: { data: { variables: Object.fromEntries(site.env.map((e) => [e.key, e.value])) } } };
    }
    if (/deployments\s*\(/.test(query)) {
      const site = byKey("railway", String(v.input?.serviceId ?? ""));
      if (!site) return gqlError("Service not found");
      return { status: 200, body: { data: { deployments: { edges: site.deployments.slice(0, Number(v.first ?? 20)).map((d) => ({ node: railwayShape(site, d) })) } } } };
    }
    if (/deployment\s*\(/.test(query)) {
      for (const s of sites.values()) {
        const d = s.provider === "railway" ? find(s, String(v.id)) : undefined;
        if (d) return { status: 200, body: { data: { deployment: railwayShape(s, d) } } };
      }
      return gqlError("Deployment not found");
    }
    return gqlError("Cannot query this field in the sandbox");
  }

  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://sandbox");
      const path = url.pathname;
      const send = (a: Answer) => res.writeHead(a.status, { "content-type": "application/json" }).end(a.body === undefined ? "" : JSON.stringify(a.body));
      const provider: Provider = path.startsWith("/api/v1/") ? "netlify" : path.startsWith("/graphql/") ? "railway" : /^\/v1\/services\//.test(path) ? "render" : "vercel";
      const auth = req.headers.authorization ?? "";
      const railwayProject = provider === "railway" && opts.railwayTokenKind === "project";
      // Railway reads a project token from its own header; sent as Bearer it is not a token Railway knows.
      const authorized = railwayProject ? req.headers["project-access-token"] === token : auth === `Bearer ${token}`;
      if (!authorized) {
        if (provider === "vercel") return send(vercelError(403, "forbidden", "Not authorized", { invalidToken: true }));
        if (provider === "netlify") return send({ status: 401, body: { code: 401, message: "Access Denied: your token is not valid" } });
        if (provider === "render") return send({ status: 401, body: { id: "unauthorized", message: "unauthorized" } });
        return send({ status: 200, body: { data: null, errors: [{ message: "Not Authorized" }] } });
      }
      let body: any = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        return send({ status: 400, body: { message: "invalid JSON" } });
      }
      const method = req.method ?? "GET";
      if (provider === "vercel") return send(vercel(method, path, url.searchParams));
      if (provider === "netlify") return send(netlify(method, path, url.searchParams));
      if (provider === "render") return send(render(method, path, url.searchParams, body));
      return send(railway(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    sites,
    setEnv(site, key, value) {
      const s = sites.get(site);
      if (!s) throw new Error(`no sandbox site "${site}"`);
      const i = s.env.findIndex((e) => e.key === key);
      if (value === null) {
        if (i >= 0) s.env.splice(i, 1);
      } else if (i >= 0) s.env[i] = { ...s.env[i]!, value, updatedAt: now() };
      else s.env.push({ key, value, updatedAt: now() });
    },
    current(site) {
      const s = sites.get(site);
      return s ? find(s, currentId(s) ?? "") : undefined;
    },
    history(site) {
      const s = sites.get(site);
      if (!s) return [];
      return s.production.map((p, i) => ({ deployment: find(s, p.id)!, from: p.from, to: s.production[i + 1]?.from ?? Infinity }));
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

function cryptoId(): string {
  return `${Math.random().toString(16).slice(2, 10)}-${Date.now().toString(16)}`;
}

const sha = (n: number) => Array.from({ length: 40 }, (_, i) => "0123456789abcdef"[(n * 7 + i * 13 + ((n * i) % 11)) % 16]).join("");

/**
 * The shop's deployments as seen at `now`: a good release three hours ago, a failed build, and the
 * current production deployment (40 minutes old) that broke the Stripe webhook handler.
 */
export function shopDeployments(provider: Provider, now: number): SandboxDeployment[] {
  const id = (n: number) =>
    provider === "vercel" ? `dpl_shop${n}${"x".repeat(4)}` : provider === "render" ? `dep-shop${n}` : provider === "netlify" ? `6566shop${n}` : `a1b2c3d4-000${n}-shop`;
  return [
    { id: id(1), commit: sha(1), message: "Add order export for accounting", author: "maria", createdAt: now - 26 * 3_600_000, build: "ready" },
    { id: id(2), commit: sha(2), message: "Fix VAT rounding on invoices", author: "jonas", createdAt: now - 3 * 3_600_000, build: "ready" },
    { id: id(3), commit: sha(3), message: "Upgrade stripe to v23 (build broke on types)", author: "li", createdAt: now - 70 * 60_000, build: "failed" },
    { id: id(4), commit: sha(4), message: "Refactor Stripe webhook handler", author: "li", createdAt: now - 40 * 60_000, build: "ready", faulty: true },
  ];
}
