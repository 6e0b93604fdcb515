// Runbooks come alive as they are written: ```sql and ```promql fences, and PromQL written in list
// items or inline code, become runnable blocks without any directive. Marking is synchronous and
// part of rendering (a data attribute on the element); whether a candidate is runnable is decided
// per request against the registry: the `sql` service for SQL, Prometheus' own check for PromQL.
import { toString as hastToString } from "hast-util-to-string";

import { documentReaderRef, type DocumentReader } from "../../../plugins/firestore/api";
import { httpCheckRef, type HttpCheckService } from "../../../plugins/http/api";
import { mongoQueryRef, type MongoQueryService } from "../../../plugins/mongodb/api";
import { promqlRef, type PromqlService } from "../../../plugins/prometheus/api";
import { sqlRef, type SqlService } from "../../../plugins/supabase/api";
import type { PluginRegistry } from "../plugins/registry.server";
import { parseRedisCli, redisCliLine } from "./redis-cli.server";
import { markPlatformCommands, resolvePlatformCandidate } from "./platform-commands.server";
import { appenvRef } from "../../../plugins/appenv/api";
import { deploysRef, type DeploysService } from "../../../plugins/deploys/api";
import { checklistVariable, codeNames, ENV_HEADING, envStatementInShell, envStatementsIn, listedVariable, type EnvStatement } from "./env-statements.server";

export type { LiveBlock, LiveCandidate, MentionAction } from "./live-block-types.server";
import type { LiveBlock, LiveCandidate } from "./live-block-types.server";

/** The pipeline action a runnable block's button files. */
const RUNS_THROUGH: Partial<Record<LiveBlock["kind"], string>> = { sql: "supabase.query", mongo: "mongodb.query", promql: "prometheus.query", redis: "redis.read" };

interface El {
  type: "element";
  tagName: string;
  properties: Record<string, any>;
  children: any[];
  position?: any;
}
const isEl = (n: any): n is El => n?.type === "element";
const classes = (el: El): string[] => (Array.isArray(el.properties.className) ? el.properties.className.map(String) : []);

/** A label written before the query in a list item: `Query: …`, `PromQL (p95): …`. */
const LABEL = /^[A-Za-z][\w ()/.-]{0,40}:\s+/;
const MAX_QUERY = 2000;
/** A health URL as teams write it (`curl https://shop.example.com/api/health`). */
const HEALTH_URL = /https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?\/[^\s"'<>`]*(?:health|healthz|ready|readyz|livez|status|ping)[^\s"'<>`]*/gi;

/**
 * A host-less health path as written (`GET /api/health`, `/api/auth/health`, `curl $APP_URL/api/health`):
 * the path, read against the runbook's service. Nothing but a health-shaped path qualifies.
 */
export function hostlessHealthPath(text: string): string | null {
  const m = /^((?:GET|HEAD)\s+|curl\s+(?:-(?:s|S|f|i|v|sS|fsS|X\s+GET)\s+)*)?(["']?\$\{?[A-Z][A-Z0-9_]*\}?)?(\/[A-Za-z0-9._~/-]*?\b(?:health|healthz|ready|readyz|livez|status|ping))\/?["']?$/.exec(text.trim());
  if (!m) return null;
  // A bare `/status` or `/ping` may be a chat command: without a method, curl or base it needs a path of two segments or a health word.
  if (!m[1] && !m[2] && !/\/[^/]+\/|health|healthz|readyz|livez/.test(m[3]!)) return null;
  return m[3]!;
}

/** A link whose whole target is a health URL. */
const WHOLE_HEALTH_URL = new RegExp(`^${HEALTH_URL.source}$`, "i");

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

/**
 * Cheap shape test for a mongosh query (`db.orders.countDocuments({ … })`): the plugin's parser
 * decides whether it runs. PromQL never starts with `db.` followed by a call chain.
 */
export function mongoShape(text: string): boolean {
  const t = text.trim();
  if (t.length < 8 || t.length > 20_000) return false;
  return /^db\s*(?:\.\s*[A-Za-z_$][\w$]*|\.getCollection\(\s*["'][^"']+["']\s*\)|\[\s*["'][^"']+["']\s*\])\s*\.\s*[A-Za-z]+\s*\(/.test(t) && /\)\s*;?$/.test(t);
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

/* ------------------------------------------------------------ live mentions */

const PATH_IN_TEXT = /(?<![\w/:.@$#%-])[a-z][A-Za-z0-9_-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_-]*)+(?![\w/-]|\.\w)/g;
const STRIPE_IN_TEXT = /(?<![\w-])(?:pi|ch|evt|re|dp)_[A-Za-z0-9_]{6,}(?![\w-])/g;

/**
 * A Firestore document path as runbooks name one (`opsHealth/autoReleaseProtected`,
 * `orders/wx-1035`): collection/document pairs (an even number of segments), starting with a
 * lower-case collection name, and looking like names rather than prose: a camelCase segment, or
 * a collection of four letters or more whose document id carries a digit, `-` or `_`. So
 * "and/or", "read/write", "HTTP/2" and "p95/p99" are never offered.
 */
export function firestorePathShape(text: string): boolean {
  const t = text.trim();
  if (t.length < 3 || t.length > 400) return false;
  if (!/^[a-z][A-Za-z0-9_-]*(\/[A-Za-z0-9_][A-Za-z0-9_-]*)+$/.test(t)) return false;
  const segments = t.split("/");
  if (segments.length % 2 !== 0 || segments.length > 20) return false;
  if (segments.some((s) => /[a-z][A-Z]/.test(s))) return true;
  return segments.every((s, i) => i % 2 === 1 || s.length >= 4) && segments.some((s, i) => i % 2 === 1 && /[\d_-]/.test(s));
}

/** A Stripe object id that has something to open: payment intent, charge, event, refund, dispute. */
export function stripeIdShape(text: string): boolean {
  const t = text.trim();
  return /^(pi|ch|evt|re|dp)_[A-Za-z0-9_]{6,}$/.test(t) && /\d/.test(t.slice(t.indexOf("_")));
}

/** Live mentions in one stretch of prose: `[index, text, kind]`, in order. */
export function mentionsIn(text: string): { index: number; text: string; kind: "firestore" | "stripe" }[] {
  const out: { index: number; text: string; kind: "firestore" | "stripe" }[] = [];
  // Most prose holds neither a path nor an id: both need a "/" or a "_".
  if (!text.includes("/") && !text.includes("_")) return out;
  for (const m of text.matchAll(STRIPE_IN_TEXT)) if (stripeIdShape(m[0])) out.push({ index: m.index!, text: m[0], kind: "stripe" });
  for (const m of text.matchAll(PATH_IN_TEXT)) {
    if (!firestorePathShape(m[0])) continue;
    if (out.some((o) => m.index! < o.index + o.text.length && o.index < m.index! + m[0].length)) continue;
    out.push({ index: m.index!, text: m[0], kind: "firestore" });
  }
  return out.sort((a, b) => a.index - b.index);
}

/** What a Stripe id opens: a payment (or its charge, refund, dispute) → recheck; an event → its delivery (resend dialog). */
export function stripeMentionAction(id: string): { actionId: string; input: Record<string, string>; label: string } {
  if (id.startsWith("evt_")) return { actionId: "stripe.resend-event", input: { eventId: id }, label: `Delivery of ${id}` };
  return { actionId: "stripe.recheck-payment", input: { paymentIntentId: id }, label: `Re-check ${id}` };
}

/** Text of a list item without its nested lists and without a leading label. */
function listItemText(li: El): string {
  let raw = "";
  for (const c of li.children) if (!(isEl(c) && (c.tagName === "ul" || c.tagName === "ol"))) raw += hastToString(c);
  // PromQL holds a call, selector or range: an item without a bracket is never one.
  if (!/[({[]/.test(raw)) return "";
  let text = raw.replace(/\s+/g, " ").trim();
  text = text.replace(/^\[[ xX]\]\s*/, "");
  // A sentence's full stop is prose: Prometheus is asked about the query without it.
  return text.replace(LABEL, "").trim().replace(/(?<!\.)\.$/, "");
}

/**
 * A mongosh query in a list item: the whole item, or its first line when the next line of the
 * runbook ran on into the item's paragraph ("- Query: db.orders.find(…)\nImmediate mitigation:").
 */
function mongoInListItem(li: El, text: string): string | null {
  if (mongoShape(text)) return text;
  let raw = "";
  for (const c of li.children) if (!(isEl(c) && (c.tagName === "ul" || c.tagName === "ol"))) raw += hastToString(c);
  const first = raw.trim().split(/\r?\n/)[0]!.replace(/^\[[ xX]\]\s*/, "").replace(LABEL, "").trim();
  return mongoShape(first) ? first : null;
}

/** A block's own text with inline code kept in backticks, without its nested lists. */
function ownText(el: El): string {
  let out = "";
  for (const c of el.children) {
    if (c?.type === "text") out += c.value;
    else if (isEl(c) && c.tagName === "code") out += `\`${hastToString(c)}\``;
    else if (isEl(c) && c.tagName !== "ul" && c.tagName !== "ol" && c.tagName !== "pre") out += ownText(c);
  }
  return out;
}

/**
 * Metric selectors a sentence names, as PromQL writes them: `invoice_issue_total{status="failure"}`
 * in "Metric: invoice_issue_total{status="failure"} increasing." A metric name with an underscore
 * and at least one label matcher, not in inline code (that is read as code) and not followed by a
 * range (`[5m]`, no instant value) or a call. Prometheus still has to accept the exact text.
 */
const MATCHER = `\\s*[a-zA-Z_][a-zA-Z0-9_]*\\s*(?:=~|!~|!=|=)\\s*"[^"\\n]*"`;
const SELECTOR_IN_TEXT = new RegExp(`(?<![\\w:{}."'\`/-])[a-zA-Z_:][a-zA-Z0-9:]*_[a-zA-Z0-9_:]*\\{${MATCHER}(?:\\s*,${MATCHER})*\\s*,?\\s*\\}(?![\\w{(\\[\`])`, "g");

export function selectorsInText(text: string): string[] {
  // Inline code is read as code: its text is left out here.
  const prose = text.replace(/`[^`]*`/g, " ");
  return [...new Set([...prose.matchAll(SELECTOR_IN_TEXT)].map((m) => m[0]))];
}

function hasInlineCode(el: El): boolean {
  return el.children.some((c) => isEl(c) && (c.tagName === "code" || (c.tagName !== "ul" && c.tagName !== "ol" && hasInlineCode(c))));
}

/** Marks the runnable candidates of a rendered (sanitized) tree with `data-live-id`; returns them. */
export function markLiveBlocks(tree: { children: any[] }): LiveCandidate[] {
  const out: LiveCandidate[] = [];
  let block: El | undefined;
  let lineHint: number | undefined;
  // Environment statements: the last heading (an env checklist fence follows one), the list item
  // being read (its own text names the variables its nested items list) and, per item, the
  // variable the previous item named (a sentence's "it").
  let heading = "";
  let parentItemText = "";
  let inItem = false;
  const itemSubject = new WeakMap<El, string>();
  // A metric selector named in prose is offered at its first mention only.
  const selectorsSeen = new Set<string>();
  const add = (el: El, kind: LiveCandidate["kind"], query: string, at: LiveCandidate["at"], env?: EnvStatement, within?: number | null) => {
    const id = out.length;
    const line = lineHint ?? el.position?.start?.line;
    const b = block?.position?.start?.line && block.position.end?.line ? { start: block.position.start.line as number, end: block.position.end.line as number, tag: block.tagName } : undefined;
    out.push({ id, kind, query, at, ...(env ? { env } : {}), ...(line ? { line } : {}), ...(b ? { block: b } : {}), ...(within !== undefined ? { inProse: true, ...(within !== null ? { within } : {}) } : {}) });
    // One element may hold several (URLs in a shell fence): `[data-live-id~="3"]` finds each.
    el.properties.dataLiveId = el.properties.dataLiveId ? `${el.properties.dataLiveId} ${id}` : String(id);
  };
  const urls = (el: El, text: string, at: LiveCandidate["at"]) => {
    for (const m of text.matchAll(HEALTH_URL)) add(el, "health", m[0].replace(/[.,;:)'"]+$/, ""), at);
  };
  /** Cuts the mentions out of a text node into marked spans; returns the nodes that replace it. */
  const splitText = (node: any): any[] | null => {
    const value = String(node.value ?? "");
    const found = mentionsIn(value);
    if (!found.length) return null;
    const parts: any[] = [];
    let at = 0;
    for (const m of found) {
      if (m.index > at) parts.push({ type: "text", value: value.slice(at, m.index) });
      const span: El = { type: "element", tagName: "span", properties: { className: ["live-mention", `live-mention-${m.kind}`] }, children: [{ type: "text", value: m.text }] };
      const startLine = node.position?.start?.line;
      lineHint = startLine ? startLine + (value.slice(0, m.index).match(/\n/g)?.length ?? 0) : undefined;
      add(span, m.kind, m.text, "text");
      lineHint = undefined;
      parts.push(span);
      at = m.index + m.text.length;
    }
    if (at < value.length) parts.push({ type: "text", value: value.slice(at) });
    return parts;
  };
  const walk = (node: any, inPre: boolean) => {
    if (!isEl(node)) return;
    const outer = block;
    if (node.tagName === "li" || node.tagName === "table") block = node;
    // A wrapper the renderer made (a top-level fence's `div.code-block`) has no source position: the fence inside is the block.
    else if (!block?.position?.start && /^(p|pre|h[1-6]|blockquote|dl|div)$/.test(node.tagName)) block = node;
    try {
      visit(node, inPre);
    } finally {
      block = outer;
    }
  };
  const visit = (node: El, inPre: boolean) => {
    if (node.tagName === "pre") {
      const code = node.children.find(isEl);
      if (code && code.tagName === "code") {
        const lang = classes(code).find((c) => c.startsWith("language-"))?.slice("language-".length).toLowerCase();
        const text = hastToString(code).replace(/\s+$/, "");
        if (text.trim() && (lang === "sql" || lang === "postgresql" || lang === "psql")) add(node, "sql", text, "pre");
        else if (text.trim() && (lang === "promql" || lang === "prometheus")) add(node, "promql", text.trim(), "pre");
        else if ((lang === "js" || lang === "javascript" || lang === "mongodb" || lang === "mongo" || lang === "mongosh") && mongoShape(text)) add(node, "mongo", text.trim(), "pre");
        else {
          if (!lang || /^(sh|bash|shell|console|zsh|shell-session|terminal|text|plaintext|redis|env|dotenv)$/.test(lang)) {
            const checklist = ENV_HEADING.test(heading);
            const first = node.position?.start?.line;
            for (const [i, line] of text.split("\n").entries()) {
              // The fence's own line is the opening ```: its i-th text line is i + 1 below it.
              lineHint = first ? first + 1 + i : undefined;
              const cli = redisCliLine(line);
              if (cli) add(node, "redis", cli, "pre");
              const path = /^\s*curl\b/.test(line) ? hostlessHealthPath(line.replace(/\s+#.*$/, "")) : null;
              if (path) add(node, "health", path, "pre");
              const env = envStatementInShell(line) ?? (checklist ? checklistVariable(line) : null);
              if (env) add(node, "env", env.text, "pre", env);
            }
            lineHint = undefined;
          }
          urls(node, text, "pre");
        }
      }
      return; // nothing inside a fence is a mention
    }
    // The item as a whole asked about as PromQL: a selector it names is offered only if Prometheus refuses the whole.
    let wholeQuery: number | undefined;
    let isMongo = false;
    if (node.tagName === "li" && !hasInlineCode(node)) {
      const text = listItemText(node);
      const mongo = text.startsWith("db") ? mongoInListItem(node, text) : null;
      isMongo = !!mongo;
      if (mongo) add(node, "mongo", mongo, "li");
      else if (promqlShape(text)) {
        wholeQuery = out.length;
        add(node, "promql?", text, "li");
      }
    }
    if (node.tagName === "code" && !inPre) {
      const text = hastToString(node).trim();
      if (stripeIdShape(text)) add(node, "stripe", text, "code");
      else if (firestorePathShape(text)) add(node, "firestore", text, "code");
      else if (mongoShape(text)) add(node, "mongo", text, "code");
      else if (promqlShape(text)) add(node, "promql?", text, "code");
      else if (redisCliLine(text)) add(node, "redis", redisCliLine(text)!, "code");
      else if (hostlessHealthPath(text)) add(node, "health", hostlessHealthPath(text)!, "code");
      else urls(node, text, "code");
      return;
    }
    if (/^h[1-6]$/.test(node.tagName)) heading = hastToString(node);
    // A list item's own text, or a paragraph's outside a list item: the environment statements it makes.
    const outerItem = parentItemText;
    if (node.tagName === "li" || (node.tagName === "p" && !inItem)) {
      const text = ownText(node);
      const found = envStatementsIn(text, itemSubject.get(node));
      const listed = node.tagName === "li" ? listedVariable(text, parentItemText) : null;
      if (listed && !found.some((f) => f.name === listed.name)) found.push(listed);
      for (const env of found) add(node, "env", env.text, node.tagName === "li" ? "li" : "text", env);
      if (!isMongo) {
        for (const selector of selectorsInText(text)) {
          if (selectorsSeen.has(selector)) continue;
          selectorsSeen.add(selector);
          add(node, "promql?", selector, node.tagName === "li" ? "li" : "text", undefined, wholeQuery ?? null);
        }
      }
      if (node.tagName === "li") parentItemText = text;
    }
    const outerInItem = inItem;
    if (node.tagName === "li") inItem = true;
    if (node.tagName === "ul" || node.tagName === "ol") {
      let previous: string | undefined;
      for (const c of node.children) {
        if (!isEl(c) || c.tagName !== "li") continue;
        if (previous) itemSubject.set(c, previous);
        const names = codeNames(ownText(c));
        previous = names.length === 1 ? names[0] : undefined;
      }
    }
    if (node.tagName === "a" && typeof node.properties.href === "string" && WHOLE_HEALTH_URL.test(node.properties.href)) {
      add(node, "health", node.properties.href, "a");
      return;
    }
    // Links, headings and scripts keep their text as written: a mention there is not offered.
    if (node.tagName === "a" || /^(h[1-6]|script|style|svg|math|kbd|samp|var)$/.test(node.tagName)) return;
    for (let i = 0; i < node.children.length; i++) {
      const c = node.children[i];
      if (c?.type === "text") {
        const parts = splitText(c);
        if (parts) {
          node.children.splice(i, 1, ...parts);
          i += parts.length - 1;
        }
        continue;
      }
      walk(c, inPre);
    }
    parentItemText = outerItem;
    inItem = outerInItem;
  };
  for (const c of tree.children) walk(c, false);
  markPlatformCommands(tree, out);
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
  mongo?: { available: boolean; maxTimeMS?: number; maxRows?: number };
  promql: { available: boolean; reason?: string };
  /** PromQL-looking text Prometheus refused, with its words (for the author, not shown inline). */
  refused: { id: number; query: string; error: string }[];
}

/**
 * The top-level collections the firestore plugin is configured to read (queries, health
 * documents, orders, Stripe events), lower-cased first segments. A path in prose is offered only
 * when it starts with one of them: "auth/rate-limit" in a sentence is no document.
 */
export function knownFirestoreCollections(config: unknown): Set<string> {
  const out = new Set<string>();
  const c = (config ?? {}) as Record<string, any>;
  const first = (p: unknown) => typeof p === "string" && p.trim() && out.add(p.trim().split("/")[0]!);
  for (const q of Object.values(c.queries ?? {})) first((q as any)?.collection);
  for (const h of Object.values(c.opsHealth ?? {})) first((h as any)?.document);
  first(c.orders?.collection);
  first(c.stripeEvents?.collection);
  return out;
}

/**
 * Hosts a health URL may be read on: `runbooks.liveHosts`, and the host of each configured http
 * check (its owner already allowed the portal to request it). The ad-hoc read sends no headers.
 */
export function healthHosts(registry: Pick<PluginRegistry, "configs">, liveHosts: readonly string[]): string[] {
  const out = new Set(liveHosts);
  const checks = ((registry.configs?.http ?? {}) as { checks?: Record<string, { url?: unknown }> }).checks ?? {};
  for (const c of Object.values(checks)) {
    try {
      if (typeof c?.url === "string") out.add(new URL(c.url).host);
    } catch {
      // an unparsable URL was refused by the http plugin's config already
    }
  }
  return [...out];
}

/** Each deploy service's answers about its sites' addresses, kept a minute (a page view asks once, not once per line). */
const siteAddresses = new WeakMap<DeploysService, Map<string, { at: number; urls: Promise<string[]> }>>();

/**
 * Where a deploy site serves production: the addresses its provider lists, else the URL of the
 * deployment serving production (a provider that lists no domains). Nothing when the provider
 * does not answer.
 */
function deploySiteAddresses(deploys: DeploysService, site: string): Promise<string[]> {
  let bySite = siteAddresses.get(deploys);
  if (!bySite) siteAddresses.set(deploys, (bySite = new Map()));
  let hit = bySite.get(site);
  if (!hit || Date.now() - hit.at > 60_000) {
    const signal = AbortSignal.timeout(5_000);
    const listed = deploys.publicUrls ? deploys.publicUrls(site, signal).catch((): string[] => []) : Promise.resolve<string[]>([]);
    const urls = listed.then(async (urls) => (urls.length ? urls : [await deploys.current(site, signal).then((d) => d?.url ?? null, () => null)].filter((u): u is string => !!u)));
    hit = { at: Date.now(), urls };
    bySite.set(site, hit);
  }
  return hit.urls;
}

/**
 * A host-less path against the deploy site named like the runbook's service, when the http plugin
 * lists no such service: the site's first address (its provider's own domain).
 */
async function deploySiteUrl(registry: PluginRegistry, path: string, service: string | undefined): Promise<string | undefined> {
  const deploys = service ? registry.services.get(deploysRef) : undefined;
  if (!deploys || !service || !deploys.sites().includes(service)) return undefined;
  const base = (await deploySiteAddresses(deploys, service))[0];
  if (!base) return undefined;
  return `${/^https?:\/\//.test(base) ? base : `https://${base}`}`.replace(/\/+$/, "") + path;
}

/** True when a URL's host is one a configured deploy site serves production at (its provider says so). */
async function onDeploySite(registry: PluginRegistry, url: string): Promise<boolean> {
  const deploys = registry.services.get(deploysRef);
  if (!deploys || !/^https?:\/\//i.test(url)) return false;
  const hosts = (await Promise.all(deploys.sites().map((site) => deploySiteAddresses(deploys, site)))).flat().flatMap((u) => {
    try {
      return [new URL(/^https?:\/\//i.test(u) ? u : `https://${u}`).host];
    } catch {
      return [];
    }
  });
  return hostAllowed(url, hosts);
}

/** Which candidates of a rendered runbook can run now, against this registry. */
export async function resolveLiveBlocks(candidates: LiveCandidate[], registry: PluginRegistry, options: { liveHosts?: readonly string[]; service?: string } = {}): Promise<LiveVerdicts> {
  const http = registry.services.get(httpCheckRef);
  const appenv = registry.services.get(appenvRef);
  const liveHosts = healthHosts(registry, options.liveHosts ?? []);
  const sql = registry.services.get(sqlRef);
  const promql = registry.services.get(promqlRef);
  const promqlUp = !!promql && !promql.unavailable;
  const documents = registry.services.get(documentReaderRef);
  const mongo = registry.services.get(mongoQueryRef);
  let collections: Set<string> | undefined;
  const knownCollection = (path: string) => (collections ??= knownFirestoreCollections(registry.configs?.firestore)).has(path.split("/")[0]!);
  const blocks: LiveBlock[] = [];
  const refused: LiveVerdicts["refused"] = [];
  // A resource named twice on a page gets its live reading once, at its first mention.
  const seen = new Set<string>();
  const first = (c: LiveCandidate) => !seen.has(`${c.kind}:${c.query}`) && !!seen.add(`${c.kind}:${c.query}`);
  await Promise.all(
    candidates.map(async (c) => {
      if (c.kind === "firestore") {
        // Inside code a path is meant as one; in prose only when it starts with a known collection.
        if (documents && (c.at !== "text" || knownCollection(c.query)) && first(c)) blocks.push({ id: c.id, kind: "firestore", query: c.query, at: c.at });
        return;
      }
      if (c.kind === "stripe") {
        const a = stripeMentionAction(c.query);
        const reg = registry.actions.get(a.actionId);
        if (reg && first(c)) blocks.push({ id: c.id, kind: "stripe", query: c.query, at: c.at, action: { id: a.actionId, input: a.input, label: a.label, risk: reg.risk } });
        return;
      }
      if (c.kind === "platform") {
        // A deploy or backup action prefilled for the site or target the runbook means; none when nothing configured fits.
        const b = await resolvePlatformCandidate(c, registry, options.service);
        if (b && first({ ...c, query: JSON.stringify(b.action ?? b.input) })) blocks.push(b);
        return;
      }
      if (c.kind === "redis") {
        const meaning = parseRedisCli(c.query);
        if (!meaning) return;
        if (meaning.kind === "refused") {
          // Said once per command: "no button, and why", where the runbook writes it.
          if (first({ ...c, query: meaning.command })) blocks.push({ id: c.id, kind: "redis", query: c.query, at: c.at, refused: meaning.why });
          return;
        }
        if (meaning.kind === "read") {
          if (registry.actions.has("redis.read") && first({ ...c, query: JSON.stringify(meaning.input) })) blocks.push({ id: c.id, kind: "redis", query: c.query, at: c.at, input: meaning.input, label: meaning.label });
          return;
        }
        const reg = registry.actions.get(meaning.actionId);
        if (reg && first({ ...c, query: `${meaning.actionId}:${JSON.stringify(meaning.input)}` })) blocks.push({ id: c.id, kind: "redis", query: c.query, at: c.at, action: { id: meaning.actionId, input: meaning.input, label: meaning.label, risk: reg.risk } });
        return;
      }
      if (c.kind === "health") {
        if (!http) return;
        // A URL on a service's public host, or a host-less path: read at the service's address.
        const located = http.locate?.(c.query, options.service) ?? (c.query.startsWith("/") ? await deploySiteUrl(registry, c.query, options.service) : undefined);
        if (located) blocks.push({ id: c.id, kind: "health", query: c.query, at: c.at, ...(located !== c.query ? { url: located } : {}) });
        else if (!c.query.startsWith("/") && (hostAllowed(c.query, liveHosts) || (await onDeploySite(registry, c.query)))) blocks.push({ id: c.id, kind: "health", query: c.query, at: c.at });
        return;
      }
      if (c.kind === "env") {
        // Offered where the app-environment check has a rule of the kind stated; else lint --suggest proposes one.
        if (!appenv?.rulesFor || !c.env) return;
        const stated = c.env.rules;
        // A variable listed as one to have ("any") is offered where the check requires it (else an unset one would get no verdict at all).
        const services = appenv.rulesFor(c.env.name).filter((s) => (stated === "any" ? s.rules.includes("required") : s.rules.some((r) => stated.includes(r) || (r === "oneOf" && stated.includes("equals")))));
        if (services.length) blocks.push({ id: c.id, kind: "env", query: c.query, at: c.at, env: { name: c.env.name, rules: stated, services: services.map((s) => s.service) } });
        return;
      }
      if (c.kind === "sql") {
        if (sql) blocks.push({ id: c.id, kind: "sql", query: c.query, at: c.at });
        return;
      }
      if (c.kind === "mongo") {
        if (!mongo) return;
        const error = mongo.check(c.query);
        if (error === null) blocks.push({ id: c.id, kind: "mongo", query: c.query, at: c.at });
        else refused.push({ id: c.id, query: c.query, error });
        return;
      }
      if (!promqlUp) return;
      if (c.kind === "promql") {
        blocks.push({ id: c.id, kind: "promql", query: c.query, at: c.at });
        return;
      }
      try {
        const error = await promqlVerdict(promql!, c.query);
        if (error === null) blocks.push({ id: c.id, kind: "promql", query: c.query, at: c.at, ...(c.inProse ? { label: c.query } : {}) });
        else refused.push({ id: c.id, query: c.query, error });
      } catch {
        // Prometheus did not answer: no button now; the next view asks again.
      }
    }),
  );
  // A selector inside a list item that runs as a whole query is that query's part, not a block of its own.
  const ran = new Set(blocks.map((b) => b.id));
  const within = new Map(candidates.filter((c) => c.within !== undefined).map((c) => [c.id, c.within!]));
  for (let i = blocks.length - 1; i >= 0; i--) if (within.has(blocks[i]!.id) && ran.has(within.get(blocks[i]!.id)!)) blocks.splice(i, 1);
  blocks.sort((a, b) => a.id - b.id);
  for (const b of blocks) {
    const action = RUNS_THROUGH[b.kind];
    const reg = action ? registry.actions.get(action) : undefined;
    if (action && reg && !(b.kind === "redis" && !b.input)) b.runs = { action, risk: reg.risk };
  }
  const described = sql?.describe();
  const mongoLimits = mongo?.describe();
  return {
    blocks,
    sql: { available: !!sql, ...(described ? { statementTimeoutMs: described.statementTimeoutMs, maxRows: described.maxRows } : {}) },
    mongo: { available: !!mongo, ...(mongoLimits ?? {}) },
    promql: { available: promqlUp, ...(promql?.unavailable ? { reason: promql.unavailable } : {}) },
    refused,
  };
}
