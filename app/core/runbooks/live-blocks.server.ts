// Runbooks come alive as they are written: ```sql and ```promql fences, and PromQL written in list
// items or inline code, become runnable blocks without any directive. Marking is synchronous and
// part of rendering (a data attribute on the element); whether a candidate is runnable is decided
// per request against the registry: the `sql` service for SQL, Prometheus' own check for PromQL.
import { toString as hastToString } from "hast-util-to-string";
import { PROMQL_SERVICE, type PromqlService, type SqlService } from "../../../plugins/plugin-api";
import type { PluginRegistry } from "../plugins/registry.server";
import { runbooksDir, loadRunbook } from "./runbooks.server";
import { findRunbookFile } from "./source.server";

/** A place in the rendered runbook that may be run: `promql?` still needs Prometheus' check. */
export interface LiveCandidate {
  id: number;
  kind: "sql" | "promql" | "promql?" | "health";
  query: string;
  /** Where it sits: a fence (`pre`), a list item (`li`) or inline code (`code`). */
  at: "pre" | "li" | "code" | "a";
}

/** A candidate the portal can run now. */
export interface LiveBlock {
  id: number;
  kind: "sql" | "promql" | "health";
  query: string;
  at: LiveCandidate["at"];
}

interface El {
  type: "element";
  tagName: string;
  properties: Record<string, any>;
  children: any[];
}
const isEl = (n: any): n is El => n?.type === "element";
const classes = (el: El): string[] => (Array.isArray(el.properties.className) ? el.properties.className.map(String) : []);

/** A label written before the query in a list item: `Query: …`, `PromQL (p95): …`. */
const LABEL = /^[A-Za-z][\w ()/.-]{0,40}:\s+/;
const MAX_QUERY = 2000;
/** A health URL as teams write it (`curl https://shop.example.com/api/health`). */
const HEALTH_URL = /https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?\/[^\s"'<>`]*(?:health|healthz|ready|readyz|livez|status|ping)[^\s"'<>`]*/gi;

/** True when the URL's host (`host` or `host:port`) is on the allow-list; nothing else is ever requested. */
export function hostAllowed(url: string, liveHosts: readonly string[]): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return false;
  if (u.username || u.password) return false;
  const allowed = new Set(liveHosts.map((h) => h.toLowerCase()));
  return allowed.has(u.host.toLowerCase()) || (!u.port && allowed.has(u.hostname.toLowerCase()));
}

/** What the http plugin offers as `http.check`. */
interface HttpCheckService {
  check(url: string, signal?: AbortSignal): Promise<{ status?: string; value: number | null; summary: string }>;
}

/**
 * Cheap shape test before Prometheus is asked: one line, starts like an expression and holds a
 * call, selector or range. A bare word (`Restart`) would parse as a metric name, so it is never
 * offered; everything that passes is still only a candidate until `promql.check()` accepts it.
 */
export function promqlShape(text: string): boolean {
  const t = text.trim();
  if (t.length < 3 || t.length > MAX_QUERY || /[\r\n]/.test(t)) return false;
  if (!/^[A-Za-z_:(]/.test(t)) return false;
  if (!/[({[]/.test(t)) return false;
  // Prose with a parenthesis ("Check the dashboard (Grafana)") has spaces between plain words
  // before any bracket; PromQL's words before the first bracket are operators or aggregations.
  const head = t.slice(0, t.search(/[({[]/)).trim();
  return head === "" || /^[A-Za-z_:][\w:]*$/.test(head) || /^(sum|min|max|avg|count|stddev|stdvar|topk|bottomk|quantile|count_values|group|limitk|limit_ratio)\s+(by|without)$/.test(head);
}

/** Text of a list item without its nested lists and without a leading label. */
function listItemText(li: El): string {
  const own = li.children.filter((c) => !(isEl(c) && (c.tagName === "ul" || c.tagName === "ol")));
  let text = own.map((c) => hastToString(c)).join("").replace(/\s+/g, " ").trim();
  text = text.replace(/^\[[ xX]\]\s*/, "");
  return text.replace(LABEL, "").trim();
}

function hasInlineCode(el: El): boolean {
  return el.children.some((c) => isEl(c) && (c.tagName === "code" || (c.tagName !== "ul" && c.tagName !== "ol" && hasInlineCode(c))));
}

/** Marks the runnable candidates of a rendered (sanitized) tree with `data-live-id`; returns them. */
export function markLiveBlocks(tree: { children: any[] }): LiveCandidate[] {
  const out: LiveCandidate[] = [];
  const add = (el: El, kind: LiveCandidate["kind"], query: string, at: LiveCandidate["at"]) => {
    const id = out.length;
    out.push({ id, kind, query, at });
    // One element may hold several (URLs in a shell fence): `[data-live-id~="3"]` finds each.
    el.properties.dataLiveId = el.properties.dataLiveId ? `${el.properties.dataLiveId} ${id}` : String(id);
  };
  const urls = (el: El, text: string, at: LiveCandidate["at"]) => {
    for (const m of text.matchAll(HEALTH_URL)) add(el, "health", m[0].replace(/[.,;:)'"]+$/, ""), at);
  };
  const walk = (node: any, inPre: boolean) => {
    if (!isEl(node)) return;
    if (node.tagName === "pre") {
      const code = node.children.find(isEl);
      if (code && code.tagName === "code") {
        const lang = classes(code).find((c) => c.startsWith("language-"))?.slice("language-".length).toLowerCase();
        const text = hastToString(code).replace(/\s+$/, "");
        if (text.trim() && (lang === "sql" || lang === "postgresql" || lang === "psql")) add(node, "sql", text, "pre");
        else if (text.trim() && (lang === "promql" || lang === "prometheus")) add(node, "promql", text.trim(), "pre");
        else urls(node, text, "pre");
      }
      return; // nothing inside a fence is a mention
    }
    if (node.tagName === "li" && !hasInlineCode(node)) {
      const text = listItemText(node);
      if (promqlShape(text)) add(node, "promql?", text, "li");
    }
    if (node.tagName === "code" && !inPre) {
      const text = hastToString(node).trim();
      if (promqlShape(text)) add(node, "promql?", text, "code");
      else urls(node, text, "code");
      return;
    }
    if (node.tagName === "a" && typeof node.properties.href === "string" && new RegExp(`^${HEALTH_URL.source}$`, "i").test(node.properties.href)) {
      add(node, "health", node.properties.href, "a");
      return;
    }
    for (const c of node.children) walk(c, inPre);
  };
  for (const c of tree.children) walk(c, false);
  return out;
}

/* ----------------------------------------------------------- PromQL verdicts */

const MAX_CACHED = 2000;
const verdicts = new Map<string, Promise<string | null>>();

/**
 * Prometheus' verdict on one query text, cached per text (the check runs the query once). A
 * transport failure is not cached: the next page view asks again.
 */
export function promqlVerdict(service: PromqlService, query: string): Promise<string | null> {
  const key = query.trim();
  const hit = verdicts.get(key);
  if (hit) return hit;
  const p = service.check(key, AbortSignal.timeout(10_000)).catch((err) => {
    verdicts.delete(key);
    throw err;
  });
  if (verdicts.size >= MAX_CACHED) verdicts.delete(verdicts.keys().next().value as string);
  verdicts.set(key, p);
  return p;
}

export function clearPromqlVerdicts(): void {
  verdicts.clear();
}

export interface LiveVerdicts {
  blocks: LiveBlock[];
  sql: { available: boolean; statementTimeoutMs?: number; maxRows?: number };
  promql: { available: boolean; reason?: string };
  /** PromQL-looking text Prometheus refused, with its words (for the author, not shown inline). */
  refused: { id: number; query: string; error: string }[];
}

/** Which candidates of a rendered runbook can run now, against this registry. */
export async function resolveLiveBlocks(candidates: LiveCandidate[], registry: PluginRegistry, options: { liveHosts?: readonly string[] } = {}): Promise<LiveVerdicts> {
  const http = registry.services.get<HttpCheckService>("http.check");
  const liveHosts = options.liveHosts ?? [];
  const sql = registry.services.get<SqlService>("sql");
  const promql = registry.services.get<PromqlService>(PROMQL_SERVICE);
  const promqlUp = !!promql && !promql.unavailable;
  const blocks: LiveBlock[] = [];
  const refused: LiveVerdicts["refused"] = [];
  await Promise.all(
    candidates.map(async (c) => {
      if (c.kind === "health") {
        if (http && hostAllowed(c.query, liveHosts)) blocks.push({ id: c.id, kind: "health", query: c.query, at: c.at });
        return;
      }
      if (c.kind === "sql") {
        if (sql) blocks.push({ id: c.id, kind: "sql", query: c.query, at: c.at });
        return;
      }
      if (!promqlUp) return;
      if (c.kind === "promql") {
        blocks.push({ id: c.id, kind: "promql", query: c.query, at: c.at });
        return;
      }
      try {
        const error = await promqlVerdict(promql!, c.query);
        if (error === null) blocks.push({ id: c.id, kind: "promql", query: c.query, at: c.at });
        else refused.push({ id: c.id, query: c.query, error });
      } catch {
        // Prometheus did not answer: no button now; the next view asks again.
      }
    }),
  );
  blocks.sort((a, b) => a.id - b.id);
  const described = sql?.describe();
  return {
    blocks,
    sql: { available: !!sql, ...(described ? { statementTimeoutMs: described.statementTimeoutMs, maxRows: described.maxRows } : {}) },
    promql: { available: promqlUp, ...(promql?.unavailable ? { reason: promql.unavailable } : {}) },
    refused,
  };
}

/** The live blocks of one runbook page (path without `.md`), or null when there is no such runbook. */
export async function liveBlocksOf(pagePath: string, registry: PluginRegistry, options: { dir?: string; liveHosts?: readonly string[] } = {}): Promise<LiveVerdicts | null> {
  const file = findRunbookFile(options.dir ?? runbooksDir(), pagePath);
  if (!file) return null;
  return resolveLiveBlocks(loadRunbook(file).rendered.live, registry, options);
}

export class LiveCheckRefused extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * "Check now" on a health URL: the URL is taken from the runbook file on the server (by block id),
 * never from the request, and only read when its host is on `runbooks.liveHosts`.
 */
export async function checkHealthBlock(pagePath: string, id: number, registry: PluginRegistry, options: { dir?: string; liveHosts?: readonly string[] }) {
  const live = await liveBlocksOf(pagePath, registry, { ...options });
  if (!live) throw new LiveCheckRefused("There is no runbook at this address.", 404);
  const block = live.blocks.find((b) => b.id === id && b.kind === "health");
  if (!block) throw new LiveCheckRefused(`block ${id} is not a health URL on an allow-listed host (runbooks.liveHosts)`, 400);
  const http = registry.services.get<HttpCheckService>("http.check")!;
  const readAt = new Date().toISOString();
  try {
    const reading = await http.check(block.query, AbortSignal.timeout(10_000));
    return { url: block.query, status: reading.status ?? "ok", latencyMs: reading.value, summary: reading.summary, readAt };
  } catch (err) {
    // The endpoint answered wrongly or not at all: that is the check's answer, not a portal error.
    return { url: block.query, status: "critical", latencyMs: null, summary: err instanceof Error ? err.message : String(err), readAt };
  }
}
