import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local server that answers like Vercel, Netlify, Render and Railway for the deploy sites it is
 * seeded with: each provider's documented paths, shapes, error bodies and rollback calls. A
 * rollback becomes live after `settleMs`; a target listed in `refuse` is refused with the message
 * given, in that provider's error shape. A redeploy makes a new deployment that builds and then
 * serves production after `settleMs`; a restart is recorded and brings a crashed service back;
 * both write the build and runtime log lines the providers' log endpoints return. The production history (which deployment served when) is
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
  /** How it came to be, when the sandbox made it ("redeploy of dpl_…"). */
  origin?: string;
}

/** One runtime log line of a sandbox site. */
export interface SandboxLogLine {
  at: number;
  level: "info" | "warn" | "error";
  text: string;
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
  /** Where the site serves production: the provider's own address first, then custom domains (`host` or `scheme://host`). */
  domains: string[];
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
  /** The service's instances have crashed (Railway shows its deployment CRASHED); a restart or a new deploy brings it back. */
  crashed: boolean;
  /** Restarts asked for through the API, oldest first. */
  restarts: { at: number; deploymentId: string | undefined; done: boolean }[];
  /** Runtime log, oldest first. */
  runtimeLog: SandboxLogLine[];
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
  /** Breaks a site's running service (as an out-of-memory crash would): a restart or a new deploy brings it back. */
  crash(site: string, reason?: string): void;
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
  /** Start with the service crashed. */
  crashed?: boolean;
  /** Where the site serves production (`host` or `scheme://host`), its own address first; default the provider's domain for the site's name. */
  domains?: string[];
}

const OWN_DOMAIN: Record<Provider, (name: string) => string> = {
  vercel: (n) => `${n}.vercel.app`,
  netlify: (n) => `https://${n}.netlify.app`,
  render: (n) => `https://${n}.onrender.com`,
  railway: (n) => `${n}.up.railway.app`,
};
const hostOf = (d: string) => d.replace(/^https?:\/\//i, "").replace(/\/.*$/, "");
const withScheme = (d: string) => (/^https?:\/\//i.test(d) ? d.replace(/\/+$/, "") : `https://${d}`);

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
    const site: SandboxSite = { name: s.name, domains: s.domains ?? [OWN_DOMAIN[s.provider](s.name)], env: (s.env ?? []).map((e) => ({ ...e })), provider: s.provider, key: s.key, deployments: [...s.deployments].sort((a, b) => b.createdAt - a.createdAt), production, refuse: new Map(Object.entries(s.refuse ?? {})), crashed: false, restarts: [], runtimeLog: [] };
    sites.set(s.name, site);
    const live = s.deployments.find((x) => x.id === s.currentId)!;
    bootLines(site, live, production[production.length - 1]?.from ?? live.createdAt);
    if (live.faulty) {
      for (let i = 3; i >= 1; i--) site.runtimeLog.push({ at: now() - i * 4 * 60_000, level: "error", text: "POST /api/webhooks/stripe 500: TypeError: Cannot read properties of undefined (reading 'object')" });
    }
    if (s.crashed) crashSite(site, "JavaScript heap out of memory", now() - 2 * 60_000);
  }
  const byKey = (provider: Provider, key: string) => [...sites.values()].find((s) => s.provider === provider && s.key === key);
  const currentId = (s: SandboxSite) => s.production[s.production.length - 1]?.id;
  const find = (s: SandboxSite, id: string) => s.deployments.find((d) => d.id === id);
  let seq = 0;

  /** The lines a service writes when a deployment starts serving; one carries a connection URL with its password (the read scrubs it). */
  function bootLines(s: SandboxSite, d: SandboxDeployment, at: number) {
    s.runtimeLog.push(
      { at, level: "info", text: `==> Starting service with commit ${d.commit.slice(0, 7)} (${d.id})` },
      { at: at + 800, level: "info", text: "connecting to postgres://shop_app:pg-Sandbox-Pass-42@db.shop.internal:5432/shop" },
      { at: at + 1500, level: "info", text: "Listening on port 10000" },
    );
  }
  function crashSite(s: SandboxSite, reason: string, at = now()) {
    s.crashed = true;
    s.runtimeLog.push({ at, level: "error", text: `FATAL ERROR: ${reason}` }, { at: at + 200, level: "error", text: "==> Instance exited with status 134; the service is down" });
  }
  /** The build log of a deployment, as a build service writes it. */
  function buildLog(d: SandboxDeployment): SandboxLogLine[] {
    const t = d.createdAt;
    const lines: SandboxLogLine[] = [
      { at: t, level: "info", text: `Cloning github.com/shop/shop (Branch: main, Commit: ${d.commit.slice(0, 7)})` },
      { at: t + 2_000, level: "info", text: "Running \"npm ci\"" },
      { at: t + 20_000, level: "info", text: "added 812 packages in 18s" },
      { at: t + 21_000, level: "info", text: "Running \"npm run build\"" },
    ];
    if (d.build === "failed") lines.push({ at: t + 60_000, level: "error", text: "src/stripe.ts(14,7): error TS2322: Type 'Stripe.Event' is not assignable to type 'WebhookEvent'." }, { at: t + 61_000, level: "error", text: "Error: Command \"npm run build\" exited with 1" });
    else if (d.build === "ready") lines.push({ at: t + 75_000, level: "info", text: "Build completed in 54s" }, { at: t + 80_000, level: "info", text: "Deployment completed" });
    return lines;
  }

  /**
   * A redeploy: a new deployment of `from`'s commit (or the newest commit, for "latest") that
   * builds, then serves production after settleMs; its instances start fresh (a crash is over).
   */
  function startRedeploy(s: SandboxSite, from: SandboxDeployment | "latest", origin: string): SandboxDeployment {
    const src = from === "latest" ? s.deployments[0]! : from;
    const n = ++seq;
    const id =
      s.provider === "vercel" ? `dpl_re${n}${Date.now().toString(36)}` : s.provider === "render" ? `dep-re${n}${Date.now().toString(36)}` : s.provider === "netlify" ? `6566re${n}${Date.now().toString(16)}` : `${cryptoId()}-re${n}`;
    const made: SandboxDeployment = { id, commit: src.commit, message: src.message, author: src.author, createdAt: now(), build: "building", faulty: src.faulty, origin };
    s.deployments.unshift(made);
    const t = setTimeout(() => {
      made.build = "ready";
      s.production.push({ id: made.id, from: now() });
      s.crashed = false;
      bootLines(s, made, now());
    }, settleMs);
    t.unref();
    return made;
  }

  /** A restart: recorded now; after settleMs the instances run again (a crashed service recovers). */
  function startRestart(s: SandboxSite) {
    const r = { at: now(), deploymentId: currentId(s), done: false };
    s.restarts.push(r);
    s.runtimeLog.push({ at: r.at, level: "info", text: "==> Restart requested through the API; stopping instances" });
    const t = setTimeout(() => {
      r.done = true;
      s.crashed = false;
      const d = find(s, currentId(s) ?? "");
      if (d) bootLines(s, d, now());
    }, settleMs);
    t.unref();
  }

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
    const status = d.build === "failed" ? "FAILED" : d.build === "building" ? "DEPLOYING" : currentId(s) === d.id ? (s.crashed ? "CRASHED" : "SUCCESS") : "REMOVED";
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

  /** A Vercel deployment by id or by its URL's host name (GET /v13/deployments/{idOrUrl}). */
  function vercelDeployment(idOrUrl: string): { s: SandboxSite; d: SandboxDeployment } | undefined {
    const host = idOrUrl.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
    for (const s of sites.values()) {
      if (s.provider !== "vercel") continue;
      const d = find(s, idOrUrl) ?? s.deployments.find((x) => vercelShape(s, x).url === host);
      if (d) return { s, d };
    }
    return undefined;
  }

  /** Vercel's runtime-logs stream: one JSON object a line (the sandbox ends the stream after the lines it has). */
  function vercelRuntimeLogs(path: string): { status: number; text: string } | null {
    const m = /^\/v1\/projects\/([^/]+)\/deployments\/([^/]+)\/runtime-logs$/.exec(path);
    if (!m) return null;
    const s = byKey("vercel", decodeURIComponent(m[1]!));
    const d = s && find(s, decodeURIComponent(m[2]!));
    if (!s || !d) return { status: 404, text: JSON.stringify({ error: { code: "not_found", message: "Deployment not found" } }) };
    const lines = s.runtimeLog.map((l, i) => JSON.stringify({ level: l.level, message: l.text, rowId: `row_${i}`, source: "serverless", timestampInMs: l.at, domain: `${s.key}.vercel.app`, messageTruncated: false }));
    return { status: 200, text: lines.join("\n") + (lines.length ? "\n" : "") };
  }

  function vercel(method: string, path: string, q: URLSearchParams, body: any): Answer {
    let m: RegExpExecArray | null;
    if (method === "GET" && path === "/v6/deployments") {
      const s = byKey("vercel", q.get("projectId") ?? "");
      if (!s) return vercelError(404, "not_found", "Project not found");
      const limit = Number(q.get("limit") ?? 20);
      return { status: 200, body: { deployments: s.deployments.slice(0, limit).map((d) => vercelShape(s, d)), pagination: { count: Math.min(limit, s.deployments.length), next: null, prev: null } } };
    }
    if (method === "GET" && (m = /^\/v13\/deployments\/([^/]+)$/.exec(path))) {
      const hit = vercelDeployment(decodeURIComponent(m[1]!));
      return hit ? { status: 200, body: vercelShape(hit.s, hit.d) } : vercelError(404, "not_found", "Deployment not found");
    }
    if (method === "POST" && path === "/v13/deployments") {
      const b = body ?? {};
      if (typeof b.name !== "string" || !b.name) return vercelError(400, "bad_request", "Invalid request: missing required property `name`.");
      if (typeof b.deploymentId !== "string") return vercelError(400, "bad_request", "Invalid request: this sandbox only redeploys (`deploymentId`); files and gitSource are not accepted.");
      const hit = vercelDeployment(b.deploymentId);
      if (!hit) return vercelError(404, "not_found", "Deployment not found");
      if (hit.d.build === "failed") return vercelError(400, "deployment_not_ready", "Cannot redeploy a deployment whose build failed; push a fix instead");
      const made = startRedeploy(hit.s, hit.d, `redeploy of ${hit.d.id}`);
      return { status: 200, body: { ...vercelShape(hit.s, made), readyState: "QUEUED", state: "QUEUED", target: b.target === "production" ? "production" : null } };
    }
    if (method === "GET" && (m = /^\/v3\/deployments\/([^/]+)\/events$/.exec(path))) {
      const hit = vercelDeployment(decodeURIComponent(m[1]!));
      if (!hit) return vercelError(404, "not_found", "Deployment not found");
      const limit = Number(q.get("limit") ?? 100);
      let events = buildLog(hit.d).map((l, i) => ({ type: l.level === "error" ? "stderr" : "stdout", created: l.at, payload: { id: `evt_${i}`, date: l.at, text: l.text, deploymentId: hit.d.id } }));
      if (q.get("direction") === "backward") events = events.reverse();
      return { status: 200, body: limit > 0 ? events.slice(0, limit) : events };
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
    if (method === "GET" && (m = /^\/v9\/projects\/([^/]+)\/domains$/.exec(path))) {
      const s = byKey("vercel", decodeURIComponent(m[1]!));
      if (!s) return vercelError(404, "not_found", "Project not found");
      const domains = s.domains.map((d) => ({ name: hostOf(d), apexName: hostOf(d).split(".").slice(-2).join("."), projectId: s.key, verified: true, redirect: null, redirectStatusCode: null, gitBranch: null, customEnvironmentId: null, createdAt: 0, updatedAt: 0 }));
      // A preview branch's domain, which production=true leaves out.
      const preview = { name: `${s.name}-git-staging.vercel.app`, apexName: "vercel.app", projectId: s.key, verified: true, redirect: null, redirectStatusCode: null, gitBranch: "staging", customEnvironmentId: null, createdAt: 0, updatedAt: 0 };
      return { status: 200, body: { domains: q.get("production") === "true" ? domains : [...domains, preview], pagination: { count: domains.length, next: null, prev: null } } };
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
      const [own, custom, ...aliases] = s.domains;
      return {
        status: 200,
        body: { id: s.key, name: s.name, account_id: "acct-sandbox", state: "current", url: own && withScheme(own).replace(/^https:/, "http:"), ssl_url: own && withScheme(own), custom_domain: custom ? hostOf(custom) : null, domain_aliases: aliases.map(hostOf), published_deploy: cur ? netlifyShape(s, cur) : null },
      };
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
    if ((m = /^\/api\/v1\/sites\/([^/]+)\/builds$/.exec(path)) && method === "POST") {
      const s = byKey("netlify", decodeURIComponent(m[1]!));
      if (!s) return err(404, "Not Found");
      const made = startRedeploy(s, "latest", "build of the latest commit");
      return { status: 200, body: { id: `bld${made.id}`, deploy_id: made.id, sha: made.commit, done: false, error: null, created_at: new Date(made.createdAt).toISOString() } };
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
    if ((m = /^\/v1\/services\/([^/]+)$/.exec(path)) && method === "GET") {
      const s = byKey("render", decodeURIComponent(m[1]!));
      if (!s) return err(404, "service not found");
      return { status: 200, body: { id: s.key, name: s.name, ownerId: "tea-sandbox", type: "web_service", suspended: "not_suspended", branch: "main", serviceDetails: { numInstances: 1, url: s.domains[0] ? withScheme(s.domains[0]) : null } } };
    }
    if ((m = /^\/v1\/services\/([^/]+)\/custom-domains$/.exec(path)) && method === "GET") {
      const s = byKey("render", decodeURIComponent(m[1]!));
      if (!s) return err(404, "service not found");
      return { status: 200, body: s.domains.slice(1).map((d, i) => ({ customDomain: { id: `cdm-${i}`, name: hostOf(d), domainType: "apex", publicSuffix: hostOf(d).split(".").pop(), verificationStatus: "verified", createdAt: new Date(0).toISOString() }, cursor: `cdm-${i}` })) };
    }
    if ((m = /^\/v1\/services\/([^/]+)\/deploys$/.exec(path)) && method === "POST") {
      const s = byKey("render", decodeURIComponent(m[1]!));
      if (!s) return err(404, "service not found");
      if (body?.clearCache !== undefined && body.clearCache !== "clear" && body.clearCache !== "do_not_clear") return err(400, "clearCache: must be clear or do_not_clear");
      let from: SandboxDeployment | "latest" = "latest";
      if (body?.commitId !== undefined) {
        const c = typeof body.commitId === "string" ? s.deployments.find((d) => d.commit === body.commitId && d.build === "ready") : undefined;
        if (!c) return err(400, "commitId: not a commit of this service's branch that built");
        from = c;
      }
      const made = startRedeploy(s, from, from === "latest" ? "deploy of the latest commit" : `deploy of commit ${from.commit.slice(0, 7)}`);
      return { status: 201, body: { ...renderShape(s, made), status: "created", trigger: "api" } };
    }
    if ((m = /^\/v1\/services\/([^/]+)\/restart$/.exec(path)) && method === "POST") {
      const s = byKey("render", decodeURIComponent(m[1]!));
      if (!s) return err(404, "service not found");
      startRestart(s);
      return { status: 202 };
    }
    if (path === "/v1/logs" && method === "GET") {
      if (q.get("ownerId") !== "tea-sandbox") return err(400, "ownerId: required, the workspace of the resources");
      const resources = q.getAll("resource");
      const s = resources.length === 1 ? byKey("render", resources[0]!) : undefined;
      if (!s) return err(400, "resource: one service id of this workspace is required");
      const types = q.getAll("type");
      const want = (t: string) => !types.length || types.includes(t);
      const all = [
        ...(want("build") ? s.deployments.flatMap((d) => buildLog(d).map((l) => ({ ...l, type: "build" }))) : []),
        ...(want("app") ? s.runtimeLog.map((l) => ({ ...l, type: "app" })) : []),
      ].sort((a, b) => a.at - b.at);
      const limit = Math.min(100, Math.max(1, Number(q.get("limit") ?? 20)));
      const page = q.get("direction") === "forward" ? all.slice(0, limit) : all.slice(-limit).reverse();
      return {
        status: 200,
        body: {
          hasMore: all.length > limit,
          nextStartTime: page.length ? new Date(page[page.length - 1]!.at).toISOString() : null,
          nextEndTime: page.length ? new Date(page[page.length - 1]!.at).toISOString() : null,
          logs: page.map((l, i) => ({ id: `log-${l.at}-${i}`, message: l.text, timestamp: new Date(l.at).toISOString(), labels: [{ name: "resource", value: s.key }, { name: "type", value: l.type }, { name: "level", value: l.level }, { name: "instance", value: `${s.key}-abc12` }] })),
        },
      };
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
    if (/deploymentRedeploy/.test(query) || /deploymentRestart/.test(query)) {
      const restart = /deploymentRestart/.test(query);
      for (const s of sites.values()) {
        const d = s.provider === "railway" ? find(s, String(v.id)) : undefined;
        if (!d) continue;
        if (restart) {
          if (currentId(s) !== d.id) return gqlError("Deployment is not the active deployment of its service");
          startRestart(s);
          return { status: 200, body: { data: { deploymentRestart: true } } };
        }
        if (d.build !== "ready") return gqlError("Deployment cannot be redeployed");
        const made = startRedeploy(s, d, `redeploy of ${d.id}`);
        return { status: 200, body: { data: { deploymentRedeploy: { id: made.id, status: "BUILDING" } } } };
      }
      return gqlError("Deployment not found");
    }
    if (/\b(buildLogs|deploymentLogs)\s*\(/.test(query)) {
      const build = /\bbuildLogs\s*\(/.test(query);
      for (const s of sites.values()) {
        const d = s.provider === "railway" ? find(s, String(v.deploymentId)) : undefined;
        if (!d) continue;
        const lines = build ? buildLog(d) : s.runtimeLog;
        const limit = Number(v.limit ?? 100);
        return { status: 200, body: { data: { [build ? "buildLogs" : "deploymentLogs"]: lines.slice(-limit).map((l) => ({ timestamp: new Date(l.at).toISOString(), message: l.text, severity: l.level })) } } };
      }
      return gqlError("Deployment not found");
    }
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
    if (/\bdomains\s*\(/.test(query)) {
      const site = byKey("railway", String(v.serviceId ?? ""));
      if (!site) return gqlError("Service not found");
      const [own, ...custom] = site.domains;
      return { status: 200, body: { data: { domains: { serviceDomains: own ? [{ id: "sd-0", domain: hostOf(own) }] : [], customDomains: custom.map((d, i) => ({ id: `cd-${i}`, domain: hostOf(d) })) } } } };
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
      const provider: Provider = path.startsWith("/api/v1/") ? "netlify" : path.startsWith("/graphql/") ? "railway" : /^\/v1\/(services\/|logs$)/.test(path) ? "render" : "vercel";
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
      if (provider === "vercel" && method === "GET") {
        const stream = vercelRuntimeLogs(path);
        if (stream) return res.writeHead(stream.status, { "content-type": stream.status === 200 ? "application/stream+json" : "application/json" }).end(stream.text);
      }
      if (provider === "vercel") return send(vercel(method, path, url.searchParams, body));
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
    crash(site, reason = "JavaScript heap out of memory") {
      const s = sites.get(site);
      if (!s) throw new Error(`no sandbox site "${site}"`);
      crashSite(s, reason);
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
