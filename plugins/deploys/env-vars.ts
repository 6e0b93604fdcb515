import type { SiteEnvVar, SiteEnvironment } from "./api";
import type { SiteConfig } from "./config";
import { ProviderAuthError, ProviderError, requestJson } from "./providers/provider";
import { railwayAuthHeaders } from "./providers/railway";

// Each platform's documented env-var read, with the site's own token:
// Vercel  GET /v10/projects/{idOrName}/env (values encrypted) + GET /v1/projects/{idOrName}/env/{id} (decrypted; never for `sensitive`)
// Netlify GET /api/v1/sites/{site_id} (account_id, name) + GET /api/v1/accounts/{account_id}/env?site_id=… ([{ key, scopes, values: [{ value, context }], updated_at }])
// Render  GET /v1/services/{serviceId}/env-vars?limit&cursor ([{ envVar: { key, value }, cursor }])
// Railway POST /graphql/v2 query variables(projectId, environmentId, serviceId) → a JSON map of name → value
// Values are handed to the caller and nowhere else: no log, no error text (errors name the platform and status only).

const MAX_PAGES = 50;

export async function readSiteEnv(site: string, cfg: SiteConfig, environment: string, signal?: AbortSignal): Promise<SiteEnvironment> {
  switch (cfg.provider) {
    case "vercel":
      return vercelEnv(cfg, environment, signal);
    case "netlify":
      return netlifyEnv(cfg, environment, signal);
    case "render":
      return renderEnv(cfg, signal);
    case "railway":
      return railwayEnv(cfg, signal);
  }
  throw new Error(`deploy site "${site}": unknown provider`);
}

async function vercelEnv(cfg: Extract<SiteConfig, { provider: "vercel" }>, environment: string, signal?: AbortSignal): Promise<SiteEnvironment> {
  const base = (cfg.apiBase ?? "https://api.vercel.com").replace(/\/$/, "");
  const team = cfg.teamId ? `?teamId=${encodeURIComponent(cfg.teamId)}` : "";
  const pid = encodeURIComponent(cfg.projectId);
  const call = (path: string) => requestJson("Vercel", `${base}${path}${team}`, { token: cfg.token, signal }, (b) => b?.error?.message);
  const [project, list] = await Promise.all([call(`/v9/projects/${pid}`), call(`/v10/projects/${pid}/env`)]);
  const envs = ((list.body?.envs ?? []) as any[]).filter((e) => !Array.isArray(e.target) || e.target.includes(environment));
  const vars = await mapLimit(envs, 8, async (e): Promise<SiteEnvVar> => {
    const updatedAt = typeof e.updatedAt === "number" ? e.updatedAt : null;
    if (e.type === "sensitive") return { name: String(e.key), value: null, updatedAt, unreadable: "a sensitive variable: Vercel never returns its value" };
    if (e.type === "plain" && typeof e.value === "string") return { name: String(e.key), value: e.value, updatedAt };
    const one = await call(`/v1/projects/${pid}/env/${encodeURIComponent(String(e.id))}`);
    if (one.body?.decrypted === false || typeof one.body?.value !== "string") return { name: String(e.key), value: null, updatedAt, unreadable: "Vercel did not decrypt it for this token" };
    return { name: String(e.key), value: one.body.value, updatedAt };
  });
  const name = String(project.body?.name ?? cfg.projectId);
  return { vars, settingsUrl: `https://vercel.com/~/${encodeURIComponent(name)}/settings/environment-variables` };
}

async function netlifyEnv(cfg: Extract<SiteConfig, { provider: "netlify" }>, environment: string, signal?: AbortSignal): Promise<SiteEnvironment> {
  const base = (cfg.apiBase ?? "https://api.netlify.com").replace(/\/$/, "");
  const call = (path: string) => requestJson("Netlify", `${base}/api/v1${path}`, { token: cfg.token, signal }, (b) => b?.message);
  const site = (await call(`/sites/${encodeURIComponent(cfg.siteId)}`)).body;
  if (!site?.account_id) throw new ProviderError("Netlify", 200, "the site answer carries no account_id");
  const list = await call(`/accounts/${encodeURIComponent(site.account_id)}/env?site_id=${encodeURIComponent(cfg.siteId)}&context_name=${encodeURIComponent(environment)}`);
  const vars: SiteEnvVar[] = [];
  for (const e of (list.body ?? []) as any[]) {
    if (Array.isArray(e.scopes) && !e.scopes.some((s: string) => s === "builds" || s === "functions" || s === "runtime")) continue;
    const values = (e.values ?? []) as { value?: string; context?: string }[];
    const v = values.find((x) => x.context === environment) ?? values.find((x) => x.context === "all");
    if (!v) continue;
    const updatedAt = e.updated_at ? Date.parse(e.updated_at) : null;
    vars.push(typeof v.value === "string" ? { name: String(e.key), value: v.value, updatedAt } : { name: String(e.key), value: null, updatedAt, unreadable: "a secret value Netlify does not return" });
  }
  return { vars, settingsUrl: `https://app.netlify.com/sites/${encodeURIComponent(String(site.name ?? cfg.siteId))}/configuration/env` };
}

async function renderEnv(cfg: Extract<SiteConfig, { provider: "render" }>, signal?: AbortSignal): Promise<SiteEnvironment> {
  const base = (cfg.apiBase ?? "https://api.render.com").replace(/\/$/, "");
  const svc = encodeURIComponent(cfg.serviceId);
  const vars: SiteEnvVar[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const url = `${base}/v1/services/${svc}/env-vars?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const rows = ((await requestJson("Render", url, { token: cfg.token, signal }, (b) => b?.message)).body ?? []) as { envVar?: { key: string; value: string }; cursor?: string }[];
    for (const r of rows) if (r.envVar) vars.push({ name: String(r.envVar.key), value: typeof r.envVar.value === "string" ? r.envVar.value : null, updatedAt: null });
    if (rows.length < 100 || !rows.at(-1)?.cursor) break;
    cursor = rows.at(-1)!.cursor!;
  }
  return { vars, settingsUrl: `https://dashboard.render.com/web/${svc}/env` };
}

async function railwayEnv(cfg: Extract<SiteConfig, { provider: "railway" }>, signal?: AbortSignal): Promise<SiteEnvironment> {
  const url = `${(cfg.apiBase ?? "https://backboard.railway.com").replace(/\/$/, "")}/graphql/v2`;
  const query = "query variables($projectId: String!, $environmentId: String!, $serviceId: String) { variables(projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId) }";
  const { status, body } = await requestJson("Railway", url, { method: "POST", token: cfg.token, auth: railwayAuthHeaders(cfg), signal, body: { query, variables: { projectId: cfg.projectId, environmentId: cfg.environmentId, serviceId: cfg.serviceId } } }, (b) => b?.errors?.[0]?.message);
  const errors = body?.errors as { message: string }[] | undefined;
  if (errors?.length) {
    if (errors.some((e) => /not authori[sz]ed|unauthenticated|invalid token/i.test(e.message))) throw new ProviderAuthError("Railway", status);
    throw new ProviderError("Railway", status, errors.map((e) => e.message).join("; "));
  }
  const map = (body?.data?.variables ?? {}) as Record<string, unknown>;
  const vars = Object.entries(map).map(([name, value]): SiteEnvVar => ({ name, value: typeof value === "string" ? value : null, updatedAt: null }));
  return {
    vars,
    settingsUrl: `https://railway.com/project/${encodeURIComponent(cfg.projectId)}/service/${encodeURIComponent(cfg.serviceId)}/variables?environmentId=${encodeURIComponent(cfg.environmentId)}`,
  };
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
