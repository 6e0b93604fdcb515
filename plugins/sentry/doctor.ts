import { doctorCheck, type DoctorCheck, type DoctorContext } from "../plugin-api";
import type { SentryConfig } from "./config";

const NEEDED_SCOPES = ["org:read", "project:read", "event:read"];

/** The token's scopes (Sentry's API root tells them) and the configured project. */
export async function sentryDoctor({ config, signal }: DoctorContext<SentryConfig>): Promise<DoctorCheck[]> {
  const base = `${config.url.replace(/\/$/, "")}/api/0`;
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${config.token}`, accept: "application/json" }, signal });
    const text = await res.text();
    let detail = text.slice(0, 200);
    try {
      detail = String(JSON.parse(text)?.detail ?? detail);
    } catch {}
    if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}: ${detail}`), { status: res.status });
    return JSON.parse(text);
  };
  const reach = (err: unknown) =>
    (err as { status?: number }).status === 401
      ? "plugins.sentry.token is not a valid auth token: create one (Settings → Auth Tokens, or an internal integration) with org:read, project:read and event:read"
      : `make ${config.url} reachable from the portal, or correct plugins.sentry.url`;
  const scopes = await doctorCheck("token scopes", reach, async () => {
    const root = (await get("/")) as { auth?: { scopes?: string[] } | null };
    const have = root.auth?.scopes;
    if (!have) throw Object.assign(new Error("Sentry did not recognise the token (no auth in its answer)"), { status: 401 });
    const missing = NEEDED_SCOPES.filter((s) => !have.includes(s) && !have.includes(s.replace(/:read$/, ":admin")) && !have.includes(s.replace(/:read$/, ":write")));
    if (missing.length) throw Object.assign(new Error(`the token lacks ${missing.join(", ")} (it has ${have.join(", ") || "no scopes"})`), { missing });
    return `token has ${NEEDED_SCOPES.join(", ")}`;
  });
  if (!scopes.ok && /lacks/.test(scopes.detail)) scopes.fix = `create a token with ${NEEDED_SCOPES.join(", ")} and set it in plugins.sentry.token (Sentry cannot add scopes to an existing token)`;
  const project = await doctorCheck(
    "project",
    (err) => ((err as { status?: number }).status === 404 ? `no project "${config.project}" in organization "${config.org}": correct plugins.sentry.org / plugins.sentry.project (the slugs in the project's URL)` : reach(err)),
    async () => {
      const p = (await get(`/projects/${encodeURIComponent(config.org)}/${encodeURIComponent(config.project)}/`)) as { id: string; slug: string };
      return `${config.org}/${p.slug} (id ${p.id})`;
    },
  );
  return [scopes, project];
}
