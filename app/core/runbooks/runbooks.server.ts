import fs from "node:fs";
import MiniSearch from "minisearch";
import type { RunbookBlock, RunbookPageData, RunbookSummary } from "~/lib/runbook";
import type { WidgetKind, WidgetSlot } from "~/lib/widgets";
import type { PluginRegistry } from "../plugins/registry.server";
import { getPortal, hasPortal } from "../portal.server";
import { ensurePromqlProbe, promqlProbeId } from "../probes/promql.server";
import { DIRECTIVES, decodeRunbook, renderRunbook, type DirectiveName, type RenderedRunbook } from "./render.server";
import { findRunbookFile, scanRunbooks, type RunbookFile } from "./source.server";
import { unconfiguredWidget } from "./unconfigured.server";

export interface LoadedRunbook {
  file: RunbookFile;
  rendered: RenderedRunbook;
  invalidUtf8: boolean;
}

/** Parsed runbooks by absolute file, kept until the file's mtime or size changes. */
const cache = new Map<string, { mtimeMs: number; size: number; tocDepth: number | undefined; loaded: LoadedRunbook }>();

export function runbooksDir(): string {
  return getPortal().runbooksDir;
}

/** Reads and renders one file, or returns the cached result when it has not changed. */
export function loadRunbook(file: RunbookFile): LoadedRunbook {
  const tocDepth = hasPortal() ? getPortal().config.runbooks.tocDepth : undefined;
  const hit = cache.get(file.abs);
  if (hit && hit.mtimeMs === file.mtimeMs && hit.size === file.size && hit.tocDepth === tocDepth) return hit.loaded;
  const { text, invalidUtf8 } = decodeRunbook(fs.readFileSync(file.abs));
  const loaded: LoadedRunbook = { file, rendered: renderRunbook(text, { file: file.file, tocDepth }), invalidUtf8 };
  cache.set(file.abs, { mtimeMs: file.mtimeMs, size: file.size, tocDepth, loaded });
  return loaded;
}

function summary(l: LoadedRunbook): RunbookSummary {
  const fm = l.rendered.frontMatter;
  return {
    path: l.file.path,
    title: l.rendered.title,
    owner: fm.owner ?? null,
    service: fm.service ?? null,
    severity: fm.severity ?? null,
    tags: fm.tags,
    plugins: fm.plugins,
    updatedAt: new Date(l.file.mtimeMs).toISOString(),
  };
}

/** The directives of a runbook as widget slots, before checking the registry. */
function parsedSlots(r: RenderedRunbook): WidgetSlot[] {
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
  return { ...summary(loaded), blocks, toc: loaded.rendered.toc, warnings, slots };
}

export type RunbookListEntry = RunbookSummary & { slots: WidgetSlot[] };

/** Every runbook with its parsed directive slots (probes helper builds "probe → runbooks" from it). */
export function listRunbooks(options: { dir?: string } = {}): RunbookListEntry[] {
  const dir = options.dir ?? runbooksDir();
  const out: RunbookListEntry[] = [];
  for (const file of scanRunbooks(dir)) {
    try {
      const loaded = loadRunbook(file);
      out.push({ ...summary(loaded), slots: parsedSlots(loaded.rendered) });
    } catch {
      // A file removed between scan and read: skip it.
    }
  }
  return out.sort((a, b) => a.title.localeCompare(b.title));
}

/* ------------------------------------------------------------------ search */

interface SearchDoc {
  id: string;
  title: string;
  headings: string;
  tags: string;
  plugins: string;
  owner: string;
  service: string;
  text: string;
}

let searchIndex: { signature: string; mini: MiniSearch<SearchDoc>; docs: Map<string, { entry: RunbookListEntry; text: string }> } | null = null;

function indexFor(dir: string) {
  const files = scanRunbooks(dir);
  const signature = `${dir}\n${files.map((f) => `${f.abs}:${f.mtimeMs}:${f.size}`).join("\n")}`;
  if (searchIndex?.signature === signature) return searchIndex;
  const mini = new MiniSearch<SearchDoc>({
    fields: ["title", "headings", "tags", "plugins", "owner", "service", "text"],
    searchOptions: { boost: { title: 4, headings: 2, tags: 2, plugins: 2 }, prefix: true, combineWith: "AND" },
  });
  const docs = new Map<string, { entry: RunbookListEntry; text: string }>();
  for (const file of files) {
    let loaded: LoadedRunbook;
    try {
      loaded = loadRunbook(file);
    } catch {
      continue;
    }
    const entry = { ...summary(loaded), slots: parsedSlots(loaded.rendered) };
    const r = loaded.rendered;
    docs.set(file.path, { entry, text: r.text });
    mini.add({
      id: file.path,
      title: r.title,
      headings: r.headings.join("\n"),
      tags: entry.tags.join(" "),
      plugins: entry.plugins.join(" "),
      owner: entry.owner ?? "",
      service: entry.service ?? "",
      text: r.text,
    });
  }
  searchIndex = { signature, mini, docs };
  return searchIndex;
}

export interface RunbookSearchResult extends RunbookListEntry {
  score: number;
  snippet: string;
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

/** Full-text search (MiniSearch) with optional plugin and tag filters. Exact/prefix first, fuzzy if nothing. */
export function searchRunbooks(
  query: string,
  filters: { plugin?: string; tag?: string; dir?: string } = {},
): { results: RunbookSearchResult[]; tookMs: number; fuzzy: boolean } {
  const started = performance.now();
  const index = indexFor(filters.dir ?? runbooksDir());
  const keep = (e: RunbookListEntry) => (!filters.plugin || e.plugins.includes(filters.plugin)) && (!filters.tag || e.tags.includes(filters.tag));
  const q = query.trim();
  let fuzzy = false;
  let results: RunbookSearchResult[];
  if (!q) {
    results = [...index.docs.values()].filter((d) => keep(d.entry)).map((d) => ({ ...d.entry, score: 0, snippet: "" }));
    results.sort((a, b) => a.title.localeCompare(b.title));
  } else {
    let hits = index.mini.search(q);
    if (!hits.length) {
      fuzzy = true;
      hits = index.mini.search(q, { fuzzy: 0.2 });
    }
    results = [];
    for (const h of hits) {
      const doc = index.docs.get(String(h.id));
      if (!doc || !keep(doc.entry)) continue;
      results.push({ ...doc.entry, score: h.score, snippet: snippet(doc.text, h.terms.length ? h.terms : q.split(/\s+/)) });
    }
  }
  return { results, tookMs: performance.now() - started, fuzzy };
}

/**
 * Boot step: parses every runbook and builds the search index in the background, one file per
 * turn of the event loop, so the first responder to open a long runbook does not wait for it.
 */
export async function warmRunbooks(portal: { runbooksDir: string; log: { warn(obj: unknown, msg?: string): void } }): Promise<() => Promise<void>> {
  let stopped = false;
  const dir = portal.runbooksDir;
  const timer = setTimeout(async () => {
    try {
      for (const file of scanRunbooks(dir)) {
        if (stopped) return;
        await new Promise((r) => setImmediate(r));
        loadRunbook(file);
      }
      if (!stopped) indexFor(dir);
    } catch (err) {
      portal.log.warn({ err }, "runbooks: warming the cache failed; pages will parse on first view");
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
