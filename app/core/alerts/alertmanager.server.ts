import type { Portal } from "../portal.server";
import { scrubText } from "../secrets/index.server";
import type { Matcher } from "./config";

/** What happened when a silence was sent to (or expired in) Alertmanager: its id, or why not. */
export interface MirrorResult {
  url: string;
  id?: string;
  error?: string;
}

const TIMEOUT_MS = 5_000;

function endpoint(portal: Portal, path: string): { url: string; headers: Record<string, string> } | null {
  const am = portal.config.alerts.alertmanager;
  if (!am) return null;
  return { url: `${am.url.replace(/\/+$/, "")}${path}`, headers: am.token ? { Authorization: `Bearer ${am.token}` } : {} };
}

async function call(portal: Portal, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown } | { error: string }> {
  const ep = endpoint(portal, path)!;
  try {
    const res = await fetch(ep.url, {
      method,
      headers: { ...ep.headers, ...(body ? { "Content-Type": "application/json" } : {}), Accept: "application/json" },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text.slice(0, 300);
    }
    return { status: res.status, json };
  } catch (err) {
    return { error: scrubText(err instanceof Error ? err.message : String(err), portal.config.secretValues).slice(0, 300) };
  }
}

/** Creates the silence in Alertmanager (API v2 `POST /api/v2/silences`); null when none is configured. */
export async function mirrorToAlertmanager(portal: Portal, s: { matchers: Matcher[]; startsAt: number; endsAt: number; createdBy: string; comment: string }): Promise<MirrorResult | null> {
  const am = portal.config.alerts.alertmanager;
  if (!am) return null;
  const out = await call(portal, "POST", "/api/v2/silences", {
    matchers: s.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual ?? true })),
    startsAt: new Date(s.startsAt).toISOString(),
    endsAt: new Date(s.endsAt).toISOString(),
    createdBy: `${s.createdBy} (opsdeck)`,
    comment: s.comment,
  });
  if ("error" in out) {
    portal.log.warn({ error: out.error }, "silence not mirrored to Alertmanager");
    return { url: am.url, error: out.error };
  }
  const id = (out.json as { silenceID?: unknown } | null)?.silenceID;
  if (out.status >= 300 || typeof id !== "string") {
    const error = `Alertmanager answered ${out.status}: ${scrubText(typeof out.json === "string" ? out.json : JSON.stringify(out.json), portal.config.secretValues).slice(0, 300)}`;
    portal.log.warn({ error }, "silence not mirrored to Alertmanager");
    return { url: am.url, error };
  }
  return { url: am.url, id };
}

/** Expires the silence in Alertmanager (`DELETE /api/v2/silence/{id}`). */
export async function expireInAlertmanager(portal: Portal, silenceId: string): Promise<MirrorResult | null> {
  const am = portal.config.alerts.alertmanager;
  if (!am) return null;
  const out = await call(portal, "DELETE", `/api/v2/silence/${encodeURIComponent(silenceId)}`);
  if ("error" in out) return { url: am.url, id: silenceId, error: out.error };
  if (out.status >= 300) return { url: am.url, id: silenceId, error: `Alertmanager answered ${out.status}` };
  return { url: am.url, id: silenceId };
}
