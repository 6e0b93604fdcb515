import fs from "node:fs";
import type MiniSearch from "minisearch";
import type { RunbookBlock, RunbookPageData, RunbookSummary } from "~/lib/runbook";
import type { WidgetKind, WidgetSlot } from "~/lib/widgets";
import type { PluginRegistry } from "../plugins/registry.server";
import { getPortal, hasPortal } from "../portal.server";
import { ensurePromqlProbe, promqlProbeId } from "../probes/promql.server";
import { DIRECTIVES, decodeRunbook, renderRunbook, type DirectiveName, type RenderedRunbook } from "./render.server";
import { extractRunbook, newSearchIndex, rankedSearch, searchDoc, type RunbookExtract, type SearchDoc } from "./search.server";
import { findRunbookFile, scanRunbooks, scanRunbooksAsync, type RunbookFile } from "./source.server";
import { unconfiguredWidget } from "./unconfigured.server";

export interface LoadedRunbook {
  file: RunbookFile;
  rendered: RenderedRunbook;
  invalidUtf8: boolean;
}

/** Rendered runbooks by absolute file, least recently used first; kept until the file changes. */
const cache = new Map<string, { mtimeMs: number; size: number; tocDepth: number | undefined; loaded: LoadedRunbook; bytes: number }>();
/** Enough for every page an incident touches; 2,000 rendered runbooks would hold ~1 GB. */
const RENDER_CACHE_MAX = 150;
/**
 * And at most this much source behind them: a rendered page holds ~15 times its source (a 60 KB
 * runbook ~0.9 MB), so 150 long ones would have held ~130 MB; this keeps the cache near 30 MB.
 */
const RENDER_CACHE_SOURCE_BYTES = 2 * 1024 * 1024;
let cachedBytes = 0;

export function runbooksDir(): string {
  return getPortal().runbooksDir;
}

/**
 * Reads and renders one file, or returns the cached result when it has not changed. `keep: false`
 * (a pass over every runbook: verification, lint) renders without caching, so that the pages
 * people have open stay in the cache.
 */
export function loadRunbook(file: RunbookFile, options: { keep?: boolean } = {}): LoadedRunbook {
  const tocDepth = hasPortal() ? getPortal().config.runbooks.tocDepth : undefined;
  const hit = cache.get(file.abs);
  if (hit && hit.mtimeMs === file.mtimeMs && hit.size === file.size && hit.tocDepth === tocDepth) {
    cache.delete(file.abs);
    cache.set(file.abs, hit);
    return hit.loaded;
  }
  // A file seen changed here is looked at again by the next search, not after the rescan interval.
  if (hit) for (const state of indexes.values()) state.scannedAt = 0;
  const { text, invalidUtf8 } = decodeRunbook(fs.readFileSync(file.abs));
  // Links to sibling runbooks that do not exist are marked, not left as links to a 404 (#33).
  const root = file.abs.replace(/\\/g, "/").endsWith(`/${file.file}`) ? file.abs.slice(0, file.abs.length - file.file.length) : null;
  const exists = root === null ? undefined : (f: string) => findRunbookFile(root, f.replace(/\.md$/i, "")) !== null;
  const loaded: LoadedRunbook = { file, rendered: renderRunbook(text, { file: file.file, tocDepth, exists }), invalidUtf8 };
  if (options.keep === false) {
    if (hit) {
      cache.delete(file.abs); // stale
      cachedBytes -= hit.bytes;
    }
    return loaded;
  }
  const bytes = text.length;
  cache.delete(file.abs);
  cache.set(file.abs, { mtimeMs: file.mtimeMs, size: file.size, tocDepth, loaded, bytes });
  cachedBytes += bytes - (hit?.bytes ?? 0);
  // Least recently used out first, by count and by the size of the sources (a rendered page holds several times its source).
  while (cache.size > RENDER_CACHE_MAX || (cachedBytes > RENDER_CACHE_SOURCE_BYTES && cache.size > 1)) {
    const [oldest, entry] = cache.entries().next().value!;
    cache.delete(oldest);
    cachedBytes -= entry.bytes;
  }
  return loaded;
}

function summary(file: RunbookFile, r: { frontMatter: RenderedRunbook["frontMatter"]; title: string }): RunbookSummary {
  const fm = r.frontMatter;
  return {
    path: file.path,
    title: r.title,
    owner: fm.owner ?? null,
    service: fm.service ?? null,
    severity: fm.severity ?? null,
    tags: fm.tags,
    plugins: fm.plugins,
    updatedAt: new Date(file.mtimeMs).toISOString(),
  };
}

/** The directives of a runbook as widget slots, before checking the registry. */
function parsedSlots(r: Pick<RenderedRunbook, "directives">): WidgetSlot[] {
  const slots: WidgetSlot[] = [];
  r.directives.forEach((d, i) => {
    if (d.problem || !(d.name in DIRECTIVES)) return;
    const attr = DIRECTIVES[d.name as DirectiveName];
    const { [attr]: probeOrAction, ...attrs } = d.attributes;
    // `::slo{id="x"}` shows the core probe slo.x.
    const id = d.name === "slo" ? `slo.${probeOrAction}` : (probeOrAction ?? promqlProbeId(attrs.promql ?? "", attrs.unit));
    slots.push({ kind: d.name as WidgetKind, id, attrs, line: d.line, key: `${d.name}-${i}` });
  });
  return slots;
}

/**
 * Turns directive places into widget slots checked against the registry; an unknown directive or
 * id becomes a visible warning block instead.
 */
const configuredPlugins = (registry: PluginRegistry) => new Set(registry.plugins.map((p) => p.id));

export function resolveBlocks(r: RenderedRunbook, registry: PluginRegistry): { blocks: RunbookBlock[]; slots: WidgetSlot[] } {
  const byIndex = new Map(parsedSlots(r).map((s) => [Number(s.key.slice(s.key.lastIndexOf("-") + 1)), s]));
  const slots: WidgetSlot[] = [];
  const blocks: RunbookBlock[] = r.blocks.map((b, i): RunbookBlock => {
    if (b.type === "html") return { type: "html", key: `html-${i}`, html: b.html };
    if (b.type === "warning") return { type: "warning", key: `warning-${i}`, message: b.message, line: b.line };
    const d = r.directives[b.index];
    const slot = byIndex.get(b.index);
    if (!slot) return { type: "warning", key: `warning-${i}`, message: d.problem ?? `Directive ::${d.name} cannot be shown`, line: d.line };
    let resolved: WidgetSlot;
    if (slot.kind === "action") {
      const action = registry.actions.get(slot.id);
      if (!action) {
        const widget = unconfiguredWidget(slot.id, "action", configuredPlugins(registry));
        if (widget) return { type: "unconfigured", key: `unconfigured-${i}`, line: d.line, widget };
        return { type: "warning", key: `warning-${i}`, line: d.line, message: `Unknown action "${slot.id}" in ::action — no installed plugin provides it` };
      }
      resolved = { ...slot, title: action.def.title, risk: action.risk };
    } else {
      if (slot.attrs.promql !== undefined && !d.attributes.probe) {
        const problem = ensurePromqlProbe(registry, slot.id, slot.attrs);
        if (problem) return { type: "warning", key: `warning-${i}`, line: d.line, message: `::${slot.kind}{promql}: ${problem}` };
      }
      const probe = registry.probes.get(slot.id);
      if (!probe) {
        const widget = unconfiguredWidget(slot.id, "probe", configuredPlugins(registry));
        if (widget) return { type: "unconfigured", key: `unconfigured-${i}`, line: d.line, widget };
        // An SLO is no plugin's: its probe exists when slos.<name> is configured.
        if (slot.kind === "slo") return { type: "warning", key: `warning-${i}`, line: d.line, message: `Unknown SLO "${slot.id.slice(4)}" in ::slo — no slos.${slot.id.slice(4)} in the config` };
        return { type: "warning", key: `warning-${i}`, line: d.line, message: `Unknown probe "${slot.id}" in ::${slot.kind} — no installed plugin provides it` };
      }
      resolved = { ...slot, title: probe.def.title };
    }
    slots.push(resolved);
    return { type: "slot", key: resolved.key, slot: resolved };
  });
  return { blocks, slots };
}

export interface RunbookLookupOptions {
  dir?: string;
  registry?: PluginRegistry;
}

/** One runbook page's data by its path (without `.md`), or null when there is no such runbook. */
export function getRunbook(pagePath: string, options: RunbookLookupOptions = {}): (RunbookPageData & { slots: WidgetSlot[] }) | null {
  const dir = options.dir ?? runbooksDir();
  const file = findRunbookFile(dir, pagePath);
  if (!file) return null;
  const loaded = loadRunbook(file);
  const { blocks, slots } = resolveBlocks(loaded.rendered, options.registry ?? getPortal().registry);
  const warnings: string[] = [];
  if (loaded.invalidUtf8) warnings.push("This file is not valid UTF-8: the bytes that could not be read are shown as �. Save it as UTF-8 to fix this.");
  for (const w of loaded.rendered.warnings) warnings.push(`Line ${w.line}: ${w.message}`);
  return { ...summary(loaded.file, loaded.rendered), blocks, toc: loaded.rendered.toc, warnings, slots };
}

export type RunbookListEntry = RunbookSummary & { slots: WidgetSlot[] };

/* ------------------------------------------------------------------ index and search */

/**
 * One folder's runbooks as search and the index see them: each file read once with the light
 * extractor (search.server), kept until its mtime or size changes, and updated in the MiniSearch
 * index one file at a time. The folder is walked again at most every RESCAN_MS.
 */
interface IndexedDoc {
  entry: RunbookListEntry;
  text: string;
  /** Front matter `alert:` names. */
  alerts: string[];
  /** Heading texts as the light extractor reads them (markup stripped). */
  headings: string[];
}

interface IndexState {
  dir: string;
  scannedAt: number;
  mini: MiniSearch<SearchDoc>;
  files: Map<string, { mtimeMs: number; size: number }>;
  docs: Map<string, IndexedDoc>;
  /** Derived from docs; dropped whenever a file is added, changed or removed. */
  sorted?: RunbookListEntry[];
  facets?: { total: number; plugins: string[]; tags: string[] };
  /** A background rescan in flight. */
  rescanning?: Promise<void>;
}

const indexes = new Map<string, IndexState>();
const RESCAN_MS = 2_000;

function indexFile(state: IndexState, file: RunbookFile): void {
  let x: RunbookExtract;
  try {
    x = extractRunbook(decodeRunbook(fs.readFileSync(file.abs)).text, file.file);
  } catch {
    return; // removed between scan and read
  }
  if (state.docs.has(file.path)) state.mini.discard(file.path);
  state.mini.add(searchDoc(file.path, x));
  state.files.set(file.path, { mtimeMs: file.mtimeMs, size: file.size });
  // Kept for as long as the file is unchanged: detached from the file's source (JSON copies).
  const kept = JSON.parse(JSON.stringify({ entry: { ...summary(file, x), slots: parsedSlots(x) }, alerts: x.frontMatter.alert ?? [], headings: x.headings })) as Omit<IndexedDoc, "text">;
  state.docs.set(file.path, { ...kept, text: x.text });
  state.sorted = state.facets = undefined;
}

/** Brings the index up to date with a scan of the folder. */
function applyScan(state: IndexState, files: RunbookFile[]): void {
  const seen = new Set<string>();
  for (const file of files) {
    seen.add(file.path);
    const known = state.files.get(file.path);
    if (!known || known.mtimeMs !== file.mtimeMs || known.size !== file.size) indexFile(state, file);
  }
  for (const p of [...state.docs.keys()]) {
    if (seen.has(p)) continue;
    state.mini.discard(p);
    state.docs.delete(p);
    state.files.delete(p);
    state.sorted = state.facets = undefined;
  }
}

/**
 * The folder's index. Built at once the first time, and rescanned at once after a page saw a file
 * change; otherwise, every RESCAN_MS, rescanned in the background while this answer uses what is
 * known (a scan stats every file: 2,000 of them were a slow search every two seconds).
 */
function indexFor(dir: string, now = Date.now()): IndexState {
  let state = indexes.get(dir);
  if (state && state.scannedAt !== 0) {
    if (now - state.scannedAt >= RESCAN_MS && !state.rescanning) {
      const s = state;
      const scannedAt = s.scannedAt;
      s.rescanning = scanRunbooksAsync(dir)
        .then((files) => {
          // Unless a rescan at once happened meanwhile (its files are newer than these).
          if (indexes.get(dir) === s && s.scannedAt === scannedAt) {
            applyScan(s, files);
            s.scannedAt = Date.now();
          }
        })
        .catch(() => {})
        .finally(() => (s.rescanning = undefined));
    }
    return state;
  }
  if (!state) {
    state = { dir, scannedAt: 0, mini: newSearchIndex(), files: new Map(), docs: new Map() };
    indexes.set(dir, state);
  }
  applyScan(state, scanRunbooks(dir));
  state.scannedAt = Date.now();
  return state;
}

const byTitle = new Intl.Collator(undefined).compare;

/** The folder's entries by title, sorted once per change of the folder. */
function sortedEntries(index: IndexState): RunbookListEntry[] {
  index.sorted ??= [...index.docs.values()].map((d) => d.entry).sort((a, b) => byTitle(a.title, b.title));
  return index.sorted;
}

/** Every runbook with its parsed directive slots (probes helper builds "probe → runbooks" from it). */
export function listRunbooks(options: { dir?: string } = {}): RunbookListEntry[] {
  return [...sortedEntries(indexFor(options.dir ?? runbooksDir()))];
}

export interface RunbookMetadata extends RunbookListEntry {
  alerts: string[];
  /** Heading texts with inline markup stripped (`*`, `_`, backticks, links): a heading's exact text needs the page rendered. */
  headings: string[];
}

/**
 * Every runbook's front matter, widget slots and headings as the search index read them (no
 * rendering), by path: what alert linking and the alerts page look through.
 */
export function runbookMetadata(options: { dir?: string } = {}): RunbookMetadata[] {
  const index = indexFor(options.dir ?? runbooksDir());
  return [...index.docs.values()].map((d) => ({ ...d.entry, alerts: d.alerts, headings: d.headings })).sort((a, b) => byTitle(a.path, b.path));
}

/** How many runbooks the folder holds, and every plugin and tag they name (sorted): the index page's filters. */
export function runbookFacets(options: { dir?: string } = {}): { total: number; plugins: string[]; tags: string[] } {
  const index = indexFor(options.dir ?? runbooksDir());
  if (!index.facets) {
    const plugins = new Set<string>();
    const tags = new Set<string>();
    for (const { entry } of index.docs.values()) {
      for (const p of entry.plugins) plugins.add(p);
      for (const t of entry.tags) tags.add(t);
    }
    index.facets = { total: index.docs.size, plugins: [...plugins].sort(), tags: [...tags].sort() };
  }
  return index.facets;
}

export interface RunbookSearchResult extends RunbookListEntry {
  score: number;
}

/** Written out, not spread: one fixed shape (a spread copy of each of 2,000 hits was ~4 times the size). */
function withScore(e: RunbookListEntry, score: number): RunbookSearchResult {
  return { path: e.path, title: e.title, owner: e.owner, service: e.service, severity: e.severity, tags: e.tags, plugins: e.plugins, updatedAt: e.updatedAt, slots: e.slots, score };
}

function snippet(text: string, terms: string[]): string {
  const lower = text.toLowerCase();
  let at = -1;
  for (const t of terms) {
    const i = lower.indexOf(t.toLowerCase());
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  if (at < 0) return text.slice(0, 160).replace(/\s+/g, " ").trim();
  const start = Math.max(0, at - 70);
  const end = Math.min(text.length, at + 110);
  return `${start > 0 ? "…" : ""}${text.slice(start, end).replace(/\s+/g, " ").trim()}${end < text.length ? "…" : ""}`;
}

/**
 * Full-text search (MiniSearch: stems, prefixes, close spellings, whole ids) with optional plugin
 * and tag filters; `troubled` names probes in warn or critical now, whose runbooks rank higher.
 * `snippet(path)` gives a result's excerpt around the words it matched: asked for the rows shown,
 * not for every match (2,000 of them read the whole text of every runbook).
 */
export function searchRunbooks(
  query: string,
  filters: { plugin?: string; tag?: string; dir?: string; troubled?: ReadonlySet<string> } = {},
): { results: RunbookSearchResult[]; tookMs: number; fuzzy: boolean; snippet(path: string): string } {
  const started = performance.now();
  const index = indexFor(filters.dir ?? runbooksDir());
  const keep = (e: RunbookListEntry) => (!filters.plugin || e.plugins.includes(filters.plugin)) && (!filters.tag || e.tags.includes(filters.tag));
  const q = query.trim();
  let fuzzy = false;
  let results: RunbookSearchResult[];
  let hits: { id: unknown; terms: string[] }[] = [];
  if (!q) {
    results = sortedEntries(index)
      .filter(keep)
      .map((e) => withScore(e, 0));
  } else {
    const troubled = filters.troubled;
    const inTrouble = troubled?.size ? (p: string) => !!index.docs.get(p)?.entry.slots.some((s) => s.kind !== "action" && troubled.has(s.id)) : undefined;
    const ranked = rankedSearch(index.mini, q, inTrouble);
    fuzzy = ranked.fuzzy;
    hits = ranked.hits;
    results = [];
    for (const h of ranked.hits) {
      const doc = index.docs.get(String(h.id));
      if (!doc || !keep(doc.entry)) continue;
      results.push(withScore(doc.entry, h.score));
    }
  }
  const tookMs = performance.now() - started;
  let termsOf: Map<string, string[]> | undefined;
  return {
    results,
    tookMs,
    fuzzy,
    snippet(path: string) {
      termsOf ??= new Map(hits.map((h) => [String(h.id), h.terms]));
      const terms = termsOf.get(path);
      const doc = index.docs.get(path);
      if (!q || !terms || !doc) return "";
      return snippet(doc.text, terms.length ? terms : q.split(/\s+/));
    },
  };
}

/** Kept this long per portal: search asks on every keystroke, probes are read every few seconds at most. */
const TROUBLED_TTL_MS = 2_000;
const troubledCache = new WeakMap<object, { at: number; set: Promise<Set<string>> }>();

/** Probes whose latest reading on this instance is warn or critical (never reads a probe). */
export function troubledProbes(portal = getPortal()): Promise<Set<string>> {
  const hit = troubledCache.get(portal);
  if (hit && Date.now() - hit.at < TROUBLED_TTL_MS) return hit.set;
  const set = readTroubledProbes(portal);
  troubledCache.set(portal, { at: Date.now(), set });
  set.catch(() => troubledCache.delete(portal));
  return set;
}

async function readTroubledProbes(portal: ReturnType<typeof getPortal>): Promise<Set<string>> {
  const { probeEngine } = await import("../probes/service.server");
  const engine = probeEngine(portal);
  const out = new Set<string>();
  await Promise.all(
    [...portal.registry.probes.keys()].map(async (id) => {
      const outcome = engine.peek(id);
      if (!outcome) return;
      const status = await engine.statusOf(id, outcome).catch(() => "unknown");
      if (status === "warn" || status === "critical") out.add(id);
    }),
  );
  return out;
}

/**
 * Boot step: reads every runbook for search and the index in the background (front matter,
 * headings, directives, text — no rendering; pages render when opened), a batch per turn of the
 * event loop so requests are answered meanwhile.
 */
export async function warmRunbooks(portal: { runbooksDir: string; log: { warn(obj: unknown, msg?: string): void } }): Promise<() => Promise<void>> {
  let stopped = false;
  const dir = portal.runbooksDir;
  const timer = setTimeout(async () => {
    try {
      if (indexes.has(dir)) return;
      const state: IndexState = { dir, scannedAt: 0, mini: newSearchIndex(), files: new Map(), docs: new Map() };
      const files = scanRunbooks(dir);
      for (let i = 0; i < files.length; i++) {
        if (stopped) return;
        if (i % 50 === 0) await new Promise((r) => setImmediate(r));
        if (indexes.has(dir)) return; // a request built it meanwhile
        indexFile(state, files[i]);
      }
      if (!indexes.has(dir)) {
        state.scannedAt = Date.now();
        indexes.set(dir, state);
      }
    } catch (err) {
      portal.log.warn({ err }, "runbooks: building the search index failed; the first search builds it");
    }
  }, 50);
  timer.unref();
  return async () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * Runbooks whose text names any of the terms (a probe's id, the resource it reads), whole words,
 * case-insensitive; best first: more mentions, and a title sharing words with `about`. For the
 * overview when no runbook shows a probe in a widget.
 */
export function runbooksMentioning(terms: string[], about = "", options: { dir?: string } = {}): { path: string; title: string }[] {
  const wanted = [...new Set(terms.map((t) => t.trim().toLowerCase()).filter((t) => t.length >= 4))];
  if (!wanted.length) return [];
  const patterns = wanted.map((t) => new RegExp(`(^|[^a-z0-9])${t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^a-z0-9])`, "g"));
  const aboutWords = new Set(about.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length >= 4));
  const index = indexFor(options.dir ?? runbooksDir());
  const scored: { path: string; title: string; score: number }[] = [];
  for (const [path, doc] of index.docs) {
    const text = `${doc.entry.title}\n${doc.text}`.toLowerCase();
    const hits = patterns.reduce((n, re) => n + (text.match(re)?.length ?? 0), 0);
    if (!hits) continue;
    const shared = doc.entry.title.toLowerCase().split(/[^a-z0-9]+/).filter((w) => aboutWords.has(w)).length;
    scored.push({ path, title: doc.entry.title, score: hits + 3 * shared });
  }
  return scored.sort((a, b) => b.score - a.score || a.title.localeCompare(b.title)).map(({ path, title }) => ({ path, title }));
}
