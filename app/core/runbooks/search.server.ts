import path from "node:path";
import MiniSearch, { type SearchResult } from "minisearch";
import YAML from "yaml";
import { DIRECTIVES, FrontMatterSchema, type DirectiveName, type DirectiveRef, type FrontMatter } from "./render.server";

/**
 * What search and the index need of a runbook, read without the markdown pipeline (a few regular
 * expressions over the source): front matter as the renderer reads it, the title, headings, leaf
 * directives and plain-ish text. ~0.2 ms for a 20 KB file against ~30 ms for a full render, so
 * 2,000 runbooks are indexed at start and each one is rendered only when opened.
 */
export interface RunbookExtract {
  frontMatter: FrontMatter;
  title: string;
  headings: string[];
  directives: DirectiveRef[];
  text: string;
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const LEAF_DIRECTIVE = /^\s{0,3}::([A-Za-z][\w-]*)(?:\[[^\]]*\])?(\{.*\})?\s*$/;
const CONTENTS_HEADING = /^(?:table of contents|contents|toc|inhalt|inhaltsverzeichnis)$/i;

/** A value YAML reads as this very string: starts with a letter, no indicator or quote, not a boolean or null. */
const PLAIN_SCALAR = /^[A-Za-z][^:#,[\]{}&*!|>'"%@`\\]*$/;
const NOT_A_STRING = /^(?:true|false|null|yes|no|on|off|y|n)$/i;
const plainScalar = (s: string) => PLAIN_SCALAR.test(s) && !NOT_A_STRING.test(s);

/**
 * Front matter made only of `key: value` and `key: [a, b]` lines of plain words, read as YAML
 * reads them (the yaml parser was most of reading 2,000 runbooks' front matter); null when
 * anything else is there (quotes, comments, nesting, numbers…): then YAML reads it.
 */
export function plainFrontMatter(yaml: string): Record<string, string | string[]> | null {
  const out: Record<string, string | string[]> = {};
  for (const line of yaml.split("\n")) {
    if (!line.trim()) continue;
    const m = /^([A-Za-z_][\w-]*):[ \t]+(\S.*?)[ \t]*$/.exec(line);
    if (!m || Object.hasOwn(out, m[1])) return null;
    const v = m[2];
    if (v.startsWith("[")) {
      if (!v.endsWith("]")) return null;
      const inner = v.slice(1, -1).trim();
      const items = inner ? inner.split(",").map((i) => i.trim()) : [];
      if (!items.every(plainScalar)) return null;
      out[m[1]] = items;
    } else if (plainScalar(v)) out[m[1]] = v;
    else return null;
  }
  return out;
}

function readFrontMatter(source: string): { frontMatter: FrontMatter; bodyStart: number } {
  const m = /^---[ \t]*\n([\s\S]*?)\n---[ \t]*(?:\n|$)/.exec(source);
  const none = { frontMatter: { plugins: [], tags: [] }, bodyStart: 0 };
  if (!m) return none;
  let raw: unknown;
  try {
    raw = plainFrontMatter(m[1]) ?? YAML.parse(m[1]) ?? {};
  } catch {
    return { ...none, bodyStart: m[0].length };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ...none, bodyStart: m[0].length };
  const parsed = FrontMatterSchema.safeParse(raw);
  if (parsed.success) return { frontMatter: parsed.data, bodyStart: m[0].length };
  const out: FrontMatter = { plugins: [], tags: [] };
  for (const key of Object.keys(FrontMatterSchema.shape) as (keyof typeof FrontMatterSchema.shape)[]) {
    const field = FrontMatterSchema.shape[key].safeParse((raw as Record<string, unknown>)[key]);
    if (field.success && field.data !== undefined) (out as unknown as Record<string, unknown>)[key] = field.data;
  }
  return { frontMatter: out, bodyStart: m[0].length };
}

/** `{probe="a.b" range='1h' unit=s #id .class}` as remark-directive reads it. */
export function directiveAttributes(braced: string): Record<string, string> {
  const out: Record<string, string> = {};
  const s = braced.slice(1, -1);
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i])) i++;
    if (i >= s.length) break;
    const key = /^[#.]?[A-Za-z_:][\w.:-]*/.exec(s.slice(i));
    if (!key) break;
    i += key[0].length;
    if (key[0][0] === "#") {
      out.id = key[0].slice(1);
      continue;
    }
    if (key[0][0] === ".") {
      out.class = out.class ? `${out.class} ${key[0].slice(1)}` : key[0].slice(1);
      continue;
    }
    if (s[i] !== "=") {
      out[key[0]] = "";
      continue;
    }
    i++;
    const q = s[i];
    if (q === '"' || q === "'") {
      const end = s.indexOf(q, i + 1);
      if (end < 0) break;
      out[key[0]] = s.slice(i + 1, end);
      i = end + 1;
    } else {
      const v = /^[^\s"'=<>`}]+/.exec(s.slice(i));
      out[key[0]] = v?.[0] ?? "";
      i += v?.[0].length ?? 0;
    }
  }
  return out;
}

function directiveRef(name: string, attributes: Record<string, string>, line: number): DirectiveRef {
  const ref: DirectiveRef = { name, attributes, line };
  if (!(name in DIRECTIVES)) ref.problem = `Unknown directive "::${name}" — expected ::status, ::chart, ::table or ::action`;
  else {
    const attr = DIRECTIVES[name as DirectiveName];
    const promql = attr === "probe" && !attributes.probe && attributes.promql !== undefined;
    if (promql && !attributes.promql.trim()) ref.problem = `::${name}{promql=""} needs a query`;
    else if (!attributes[attr] && !promql) ref.problem = `::${name} needs a ${attr}="…" attribute`;
  }
  return ref;
}

/**
 * A heading's text as the page shows it, for the common markup: links and images by their text,
 * code without backticks, emphasis without its `*` and `_` (an `_` inside a word, as in
 * `pg_replication_lag`, is a letter).
 */
export function headingText(markdown: string): string {
  return markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[*`]/g, "")
    .replace(/(^|[^\p{L}\p{N}_])_+|_+(?=[^\p{L}\p{N}_]|$)/gu, "$1")
    .replace(/\\([!-/:-@[-`{-~])/g, "$1")
    .trim();
}

export function extractRunbook(rawSource: string, file: string): RunbookExtract {
  const source = rawSource.replace(/\r\n?/g, "\n");
  const { frontMatter, bodyStart } = readFrontMatter(source);
  const headings: string[] = [];
  const directives: DirectiveRef[] = [];
  const text: string[] = [];
  let firstH1: string | undefined;
  let fence: string | null = null;
  let line = source.slice(0, bodyStart).split("\n").length - (bodyStart ? 1 : 0);
  for (const l of source.slice(bodyStart).split("\n")) {
    line++;
    const f = FENCE.exec(l);
    if (f) {
      if (fence === null) fence = f[1][0];
      else if (fence === f[1][0]) fence = null;
      continue;
    }
    if (fence !== null) {
      text.push(l);
      continue;
    }
    const h = HEADING.exec(l);
    if (h) {
      const heading = headingText(h[2]);
      if (!CONTENTS_HEADING.test(heading)) {
        headings.push(heading);
        if (h[1].length === 1) firstH1 ??= heading;
      }
      continue;
    }
    const d = LEAF_DIRECTIVE.exec(l);
    if (d) {
      directives.push(directiveRef(d[1], d[2] ? directiveAttributes(d[2]) : {}, line));
      continue;
    }
    text.push(l.replace(/<!--.*?-->|<\/?[A-Za-z][^>]*>/g, " ").replace(/\]\([^)\s]*\)/g, "]").replace(/[|*`#>[\]]+/g, " "));
  }
  const title = frontMatter.title || firstH1 || path.posix.basename(file, ".md");
  return { frontMatter, title, headings, directives, text: text.join("\n").replace(/\n{3,}/g, "\n\n") };
}

/* -------------------------------------------------------------- words */

const STOP = new Set("a an and are as at be by do does for from has have how i if in into is it its my no not of on or our so that the their then there this to was we what when where which who why will with you your".split(" "));

/** A compact Porter-style suffix stripper: enough that fail, failed, failing and failures meet. */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3 || !/^[a-z]+$/.test(w)) return w;
  if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("ies") && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us") && !w.endsWith("is")) w = w.slice(0, -1);
  const vowel = (s: string) => /[aeiouy]/.test(s);
  for (const suffix of ["ingly", "edly", "ing", "ed"]) {
    if (w.endsWith(suffix) && vowel(w.slice(0, -suffix.length)) && w.length - suffix.length >= 3) {
      w = w.slice(0, -suffix.length);
      if (/(at|bl|iz)$/.test(w)) w += "e";
      else if (/([^aeiouylsz])\1$/.test(w)) w = w.slice(0, -1);
      break;
    }
  }
  for (const [suffix, repl] of [
    ["ational", "ate"], ["ization", "ize"], ["fulness", "ful"], ["iveness", "ive"], ["ousness", "ous"], ["ation", "ate"],
    ["ement", ""], ["ment", ""], ["ness", ""], ["ures", "ure"], ["ure", ""], ["ity", ""], ["ive", ""], ["ly", ""], ["er", ""], ["e", ""],
  ] as const) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 4) return w.slice(0, -suffix.length) + repl;
  }
  if (w.endsWith("y") && w.length > 4 && !vowel(w[w.length - 2])) w = `${w.slice(0, -1)}i`;
  return w;
}

/** Words and ids: `user_123`, `stripe.webhook-backlog`, `rate_limit:user_123:daily` kept whole. */
const TOKEN = /[\p{L}\p{N}]+(?:[_.\-:/][\p{L}\p{N}]+)*/gu;
const JOINERS = /[_.\-:/]/;

/** Indexing: each joined token and its parts, so `search-reindex` is found by itself and by `reindex`. */
export function tokenizeForIndex(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const t = m[0];
    out.push(t);
    if (!JOINERS.test(t)) continue;
    // `rate_limit:user_123:daily`: its segments (`user_123`) and every word.
    if (/[:/]/.test(t)) for (const seg of t.split(/[:/]+/)) if (seg && JOINERS.test(seg)) out.push(seg);
    for (const part of t.split(/[_.\-:/]+/)) if (part) out.push(part);
  }
  return out;
}

/** Queries: joined tokens stay whole (exact ids); parts only when nothing matches (see searchRunbooks). */
export function tokenizeQuery(text: string): string[] {
  return [...text.matchAll(TOKEN)].map((m) => m[0]);
}

/**
 * A copy of a string that holds no reference to a longer one. V8 keeps a substring of 13 or more
 * characters as a view of its parent: a heading or id kept from a runbook would keep the whole
 * file's source alive (21 MB of sources at 2,000 runbooks).
 */
export function detached(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

/**
 * Index terms by word, stemmed once: a collection repeats a few ten thousand words millions of
 * times. Detached, since the index keeps them. Bounded.
 */
const terms = new Map<string, string>();
const TERMS_MAX = 100_000;

export function processTerm(term: string): string | null {
  const t = term.toLowerCase();
  let out = terms.get(t);
  if (out === undefined) {
    if (STOP.has(t)) return null;
    if (terms.size >= TERMS_MAX) terms.clear();
    const key = detached(t);
    terms.set(key, (out = JOINERS.test(key) ? key : detached(stem(key))));
  }
  return out;
}

/* -------------------------------------------------------------- index */

export interface SearchDoc {
  id: string;
  title: string;
  alerts: string;
  ids: string;
  headings: string;
  tags: string;
  plugins: string;
  owner: string;
  service: string;
  text: string;
}

/** Probe and action ids, job, key and queue names named by the runbook's widgets. */
export function directiveIds(directives: readonly DirectiveRef[]): string[] {
  const ids = new Set<string>();
  for (const d of directives) for (const [k, v] of Object.entries(d.attributes)) if (k !== "label" && k !== "title" && k !== "promql" && v && v.length <= 120) ids.add(v);
  return [...ids];
}

/** The body is indexed word for word up to here; after it, each further word once. */
export const BODY_INDEXED_CHARS = 8_000;

/**
 * The body as the index reads it: the first BODY_INDEXED_CHARS as written (how often a word
 * occurs there counts in the ranking), then every other word of the body once, so a word found
 * only deep in a 60 KB runbook is still found, at a fraction of the cost of indexing each
 * occurrence (most of a 2,000-runbook start went into adding the long ones' words one by one).
 */
export function indexedBody(text: string): string {
  if (text.length <= BODY_INDEXED_CHARS) return text;
  const cut = text.lastIndexOf(" ", BODY_INDEXED_CHARS);
  const head = text.slice(0, cut > 0 ? cut : BODY_INDEXED_CHARS);
  const seen = new Set<string>();
  for (const m of text.slice(head.length).matchAll(TOKEN)) seen.add(m[0].toLowerCase());
  for (const m of head.matchAll(TOKEN)) seen.delete(m[0].toLowerCase());
  return seen.size ? `${head}\n${[...seen].join(" ")}` : head;
}

export function searchDoc(id: string, x: RunbookExtract): SearchDoc {
  return {
    id,
    title: x.title,
    alerts: (x.frontMatter.alert ?? []).join(" "),
    ids: directiveIds(x.directives).join(" "),
    headings: x.headings.join("\n"),
    tags: x.frontMatter.tags.join(" "),
    plugins: x.frontMatter.plugins.join(" "),
    owner: x.frontMatter.owner ?? "",
    service: x.frontMatter.service ?? "",
    text: indexedBody(x.text),
  };
}

/** Close spellings are looked for in words of five letters or more, never in ids. */
const fuzzyWord = (term: string) => term.length >= 5 && !JOINERS.test(term);

export function newSearchIndex(): MiniSearch<SearchDoc> {
  return new MiniSearch<SearchDoc>({
    fields: ["title", "alerts", "ids", "headings", "tags", "plugins", "owner", "service", "text"],
    tokenize: tokenizeForIndex,
    processTerm,
    searchOptions: {
      tokenize: tokenizeQuery,
      processTerm,
      boost: { title: 5, alerts: 4, ids: 3, headings: 2, tags: 2, plugins: 2, service: 1.5 },
      prefix: (term) => term.length >= 3,
      fuzzy: (term) => (fuzzyWord(term) ? 0.2 : false),
      combineWith: "OR",
    },
  });
}

/**
 * Exact and prefix matches first; close spellings only for the words that matched nothing
 * ("webhok"), searched again with fuzzy matching for those words alone. Looking for close
 * spellings of every word walked the whole term tree for each and was most of a search's time.
 */
function searchClose(index: MiniSearch<SearchDoc>, query: string): SearchResult[] {
  const hits = index.search(query, { fuzzy: false });
  const unmatched = new Set(tokenizeQuery(query).map(processTerm).filter((t): t is string => !!t && fuzzyWord(t)));
  for (let i = 0; i < hits.length && unmatched.size; i++) for (const t of hits[i]!.queryTerms) unmatched.delete(t);
  return unmatched.size ? index.search(query, { fuzzy: (term) => (unmatched.has(term) ? 0.2 : false) }) : hits;
}

/**
 * Ranked hits: every query word matched counts most (a runbook naming all of "paddle notifications
 * failing" beats one saying "paddle" often), then MiniSearch's BM25 score, then trouble: a runbook
 * whose probes are in warn or critical now counts double when it matches every word of the query.
 * Trouble alone does not lift a runbook that matches only some of the words over one that names
 * them all (it put the demo's troubled order-health first for "coupon leak").
 */
const TROUBLE_LIFT = 2;
export function rankedSearch(index: MiniSearch<SearchDoc>, query: string, troubled: (id: string) => boolean = () => false): { hits: SearchResult[]; fuzzy: boolean } {
  const words = tokenizeQuery(query).map(processTerm).filter((t): t is string => !!t);
  if (!words.length) return { hits: [], fuzzy: false };
  let hits = searchClose(index, query);
  let fuzzy = false;
  if (!hits.length) {
    // No id matched whole: try its parts (`search-reindex-late` → search, reindex, late).
    hits = searchClose(index, query.replace(/[_.\-:/]+/g, " "));
    fuzzy = true;
  }
  const wanted = new Set(words.flatMap((w) => [w, ...w.split(/[_.\-:/]+/)]));
  const score = (h: SearchResult) => {
    // queryTerms holds each matched query term once (no Set per hit: a search scores ~2,000).
    let matched = 0;
    for (const t of h.queryTerms) if (wanted.has(t)) matched++;
    const coverage = Math.min(1, matched / words.length);
    return h.score * (0.25 + coverage * coverage) * (coverage === 1 && troubled(String(h.id)) ? TROUBLE_LIFT : 1);
  };
  // MiniSearch's results are this search's own objects: scored in place.
  const scored = hits;
  for (const h of scored) h.score = score(h);
  scored.sort((a, b) => b.score - a.score);
  fuzzy ||= scored.length > 0 && scored.every((h) => h.queryTerms.every((t) => !h.terms.includes(t)));
  return { hits: scored, fuzzy };
}
