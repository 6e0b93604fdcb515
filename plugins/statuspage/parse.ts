/** The three kinds of status page, read into one shape: watched components and incidents. */
import type { ComponentState, ProviderComponent, ProviderIncident } from "./api";

export class MalformedAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MalformedAnswerError";
  }
}

export interface ParsedPage {
  /** Every component the page lists (the caller keeps the watched ones). */
  components: ProviderComponent[];
  incidents: ProviderIncident[];
}

const STATES: readonly ComponentState[] = ["operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"];
const RANK: Record<ComponentState, number> = { operational: 0, under_maintenance: 1, degraded_performance: 2, partial_outage: 3, major_outage: 4 };

export function worse(a: ComponentState, b: ComponentState): ComponentState {
  return RANK[b] > RANK[a] ? b : a;
}

function json(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedAnswerError(`${what} is not JSON`);
  }
}

const str = (v: unknown) => (typeof v === "string" ? v : v == null ? "" : String(v));
function time(v: unknown, fallback: number): number {
  const t = typeof v === "string" ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? t : fallback;
}

/** Atlassian Statuspage `/api/v2/summary.json` (or `incidents.json`): components and incidents with incident_updates. */
export function parseStatuspage(text: string, now: number): ParsedPage {
  const body = json(text, "summary.json") as Record<string, unknown>;
  if (!body || typeof body !== "object" || !Array.isArray(body.components)) throw new MalformedAnswerError("summary.json has no components list (is the url a Statuspage page?)");
  const components = (body.components as Record<string, unknown>[])
    .filter((c) => c && typeof c === "object" && !c.group)
    .map((c) => ({ name: str(c.name), status: (STATES.includes(c.status as ComponentState) ? c.status : "degraded_performance") as ComponentState }));
  return { components, incidents: statuspageIncidents(body.incidents, now) };
}

export function statuspageIncidents(list: unknown, now: number): ProviderIncident[] {
  if (!Array.isArray(list)) return [];
  return list
    .filter((i) => i && typeof i === "object" && i.id)
    .map((i: Record<string, any>) => {
      const updates = (Array.isArray(i.incident_updates) ? i.incident_updates : [])
        .map((u: Record<string, unknown>) => ({ id: str(u.id), at: time(u.display_at ?? u.created_at, now), status: str(u.status), body: str(u.body) }))
        .sort((a: { at: number }, b: { at: number }) => a.at - b.at);
      const status = str(i.status) || "investigating";
      const resolved = status === "resolved" || status === "postmortem";
      return {
        id: str(i.id),
        title: str(i.name),
        status,
        impact: i.impact ? str(i.impact) : null,
        startedAt: time(i.started_at ?? i.created_at, now),
        resolvedAt: resolved ? time(i.resolved_at, updates.at(-1)?.at ?? now) : null,
        link: i.shortlink ? str(i.shortlink) : null,
        components: Array.isArray(i.components) ? i.components.map((c: Record<string, unknown>) => str(c?.name)).filter(Boolean) : [],
        updates,
      };
    });
}

const GCP_STATE: Record<string, ComponentState> = {
  SERVICE_OUTAGE: "major_outage",
  SERVICE_DISRUPTION: "partial_outage",
  SERVICE_INFORMATION: "degraded_performance",
  AVAILABLE: "operational",
};

/**
 * Google Cloud's (and Firebase's) `incidents.json`: every incident, newest first, each with
 * begin / end, status_impact, affected_products and updates. Components are the products of open
 * incidents (a watched product with none is operational).
 */
export function parseGoogleCloud(text: string, base: string, now: number, lookbackMs = 7 * 86_400_000): ParsedPage {
  const body = json(text, "incidents.json");
  if (!Array.isArray(body)) throw new MalformedAnswerError("incidents.json is not a list of incidents");
  const incidents: ProviderIncident[] = [];
  const state = new Map<string, ComponentState>();
  for (const i of body as Record<string, any>[]) {
    if (!i || typeof i !== "object" || !i.id) continue;
    const begin = time(i.begin ?? i.created, now);
    const end = i.end ? time(i.end, now) : null;
    if ((end ?? now) < now - lookbackMs) continue;
    const products = (Array.isArray(i.affected_products) ? i.affected_products : []).map((p: Record<string, unknown>) => str(p?.title)).filter(Boolean);
    if (!products.length && i.service_name) products.push(str(i.service_name));
    const updates = (Array.isArray(i.updates) ? i.updates : [])
      .map((u: Record<string, unknown>, n: number) => ({ id: `${str(u.created ?? u.when)}#${n}`, at: time(u.when ?? u.created, begin), status: str(u.status).toLowerCase().replace(/_/g, " "), body: str(u.text) }))
      .sort((a: { at: number }, b: { at: number }) => a.at - b.at);
    const impact = GCP_STATE[str(i.status_impact ?? i.most_recent_update?.status)] ?? "degraded_performance";
    if (end === null) for (const p of products) state.set(p, worse(state.get(p) ?? "operational", impact));
    incidents.push({
      id: str(i.id),
      title: str(i.external_desc).split("\n")[0].slice(0, 300) || `Incident ${str(i.number)}`,
      // Google's updates carry the impact (SERVICE_DISRUPTION…), not a workflow word; shown as "service disruption".
      status: end === null ? updates.at(-1)?.status || "investigating" : "resolved",
      impact: i.severity ? str(i.severity) : null,
      startedAt: begin,
      resolvedAt: end,
      link: i.uri ? new URL(str(i.uri), base.replace(/incidents\.json$/, "")).toString() : null,
      components: products,
      updates,
    });
  }
  return { components: [...state].map(([name, status]) => ({ name, status })), incidents };
}

function decode(s: string): string {
  return s
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, "$1")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, "&");
}
const plain = (html: string) => decode(html).replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
function tag(xml: string, name: string): string | null {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, "i").exec(xml);
  return m ? m[1] : null;
}
const RESOLVED = /\b(resolved|completed|fixed|has been resolved)\b/i;

/**
 * An RSS 2.0 or Atom feed: each entry an incident (Statuspage's and Google Cloud's feeds put all
 * of an incident's updates in one entry). Open: newer than `windowMs` and not saying resolved.
 */
export function parseFeed(text: string, now: number, windowMs: number): ParsedPage {
  if (!/<(rss|feed)[\s>]/i.test(text)) throw new MalformedAnswerError("the answer is neither an RSS nor an Atom feed");
  const entries = [...text.matchAll(/<(item|entry)(?:\s[^>]*)?>([\s\S]*?)<\/\1>/gi)].map((m) => m[2]);
  const incidents: ProviderIncident[] = [];
  for (const e of entries) {
    const title = plain(tag(e, "title") ?? "");
    const body = plain(tag(e, "description") ?? tag(e, "content") ?? tag(e, "summary") ?? "");
    const link = decode(tag(e, "link") ?? /<link[^>]*href="([^"]+)"/i.exec(e)?.[1] ?? "").trim() || null;
    const at = time(decode(tag(e, "pubDate") ?? tag(e, "updated") ?? tag(e, "published") ?? "").trim(), NaN);
    if (!Number.isFinite(at) || at < now - windowMs) continue;
    const id = decode(tag(e, "guid") ?? tag(e, "id") ?? link ?? title).trim();
    // The newest update leads the text in Statuspage's feeds ("Resolved - …"); Google's end with "resolved".
    const resolved = RESOLVED.test(title) || RESOLVED.test(body.slice(0, 200));
    incidents.push({ id, title, status: resolved ? "resolved" : "investigating", impact: null, startedAt: at, resolvedAt: resolved ? at : null, link, components: [], updates: [{ id: `${at}`, at, status: resolved ? "resolved" : "investigating", body: body.slice(0, 2000) }] });
  }
  return { components: [], incidents };
}
