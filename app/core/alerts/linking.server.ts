import { listRunbooks, loadRunbook } from "../runbooks/runbooks.server";
import { scanRunbooks } from "../runbooks/source.server";
import type { IncomingAlert } from "./incoming";

export interface RunbookLink {
  /** Runbook path without `.md`. */
  path: string;
  title: string;
  /** The page address, with the heading's anchor when a heading names the alert. */
  href: string;
  match: "runbook_url" | "front matter" | "heading" | "service";
  plugins: string[];
  /** Probe ids of the runbook's widgets (status, chart, table): the evidence to keep. */
  probes: string[];
  service: string | null;
}

interface Entry {
  path: string;
  title: string;
  service: string | null;
  plugins: string[];
  probes: string[];
  alerts: string[];
  headings: Map<string, string>;
}

interface RunbookIndex {
  byPath: Map<string, Entry>;
  byAlert: Map<string, Entry>;
  byHeading: Map<string, { entry: Entry; id: string }>;
  byService: Map<string, Entry>;
}

const TTL_MS = 5_000;
const indexes = new Map<string, { at: number; index: RunbookIndex }>();

function pageHref(p: string): string {
  return `/runbooks/${p.split("/").map(encodeURIComponent).join("/")}`;
}

function buildIndex(dir: string): RunbookIndex {
  const index: RunbookIndex = { byPath: new Map(), byAlert: new Map(), byHeading: new Map(), byService: new Map() };
  const slots = new Map(listRunbooks({ dir }).map((r) => [r.path, r]));
  for (const file of scanRunbooks(dir)) {
    let rendered;
    try {
      rendered = loadRunbook(file).rendered;
    } catch {
      continue;
    }
    const summary = slots.get(file.path);
    const entry: Entry = {
      path: file.path,
      title: rendered.title,
      service: rendered.frontMatter.service ?? null,
      plugins: rendered.frontMatter.plugins,
      probes: [...new Set((summary?.slots ?? []).filter((s) => s.kind !== "action").map((s) => s.id))],
      alerts: rendered.frontMatter.alert ?? [],
      headings: new Map(rendered.toc.map((t) => [t.text, t.id])),
    };
    index.byPath.set(entry.path, entry);
    for (const a of entry.alerts) if (!index.byAlert.has(a)) index.byAlert.set(a, entry);
    for (const [text, id] of entry.headings) if (!index.byHeading.has(text)) index.byHeading.set(text, { entry, id });
    for (const h of rendered.headings) if (!index.byHeading.has(h)) index.byHeading.set(h, { entry, id: "" });
    if (entry.service && !index.byService.has(entry.service)) index.byService.set(entry.service, entry);
  }
  return index;
}

/** The runbook index of a folder, rebuilt at most every few seconds (a receiver may take thousands of alerts a second). */
function runbookIndex(dir: string, now = Date.now()): RunbookIndex {
  const hit = indexes.get(dir);
  if (hit && now - hit.at < TTL_MS) return hit.index;
  const index = buildIndex(dir);
  indexes.set(dir, { at: now, index });
  return index;
}

/** Forget the cached index (tests that write runbooks, or an edit that must be seen at once). */
export function forgetRunbookIndex(): void {
  indexes.clear();
}

function link(entry: Entry, match: RunbookLink["match"], anchor = ""): RunbookLink {
  return { path: entry.path, title: entry.title, href: `${pageHref(entry.path)}${anchor ? `#${encodeURIComponent(anchor)}` : ""}`, match, plugins: entry.plugins, probes: entry.probes, service: entry.service };
}

/** The runbook page a `runbook_url` annotation points at, when it is one of ours (`…/runbooks/<path>[#anchor]`). */
function fromRunbookUrl(index: RunbookIndex, url: string | undefined): RunbookLink | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url, "http://portal.invalid");
  } catch {
    return null;
  }
  const m = /^\/runbooks\/(.+?)(?:\.md)?\/?$/.exec(parsed.pathname);
  if (!m) return null;
  let p: string;
  try {
    p = decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
  const entry = index.byPath.get(p);
  return entry ? link(entry, "runbook_url", parsed.hash ? decodeURIComponent(parsed.hash.slice(1)) : "") : null;
}

/**
 * The runbook that answers an alert: a `runbook_url` annotation pointing at a portal page, the
 * front matter `alert:`, a heading named like the alert, or the runbook of the alert's `service`.
 */
export function linkRunbook(dir: string, alert: Pick<IncomingAlert, "name" | "labels" | "annotations">): RunbookLink | null {
  const index = runbookIndex(dir);
  const byUrl = fromRunbookUrl(index, alert.annotations.runbook_url ?? alert.annotations.runbook);
  if (byUrl) return byUrl;
  const fm = index.byAlert.get(alert.name);
  if (fm) return link(fm, "front matter");
  const h = index.byHeading.get(alert.name);
  if (h) return link(h.entry, "heading", h.id);
  const service = alert.labels.service;
  const s = service ? index.byService.get(service) : undefined;
  return s ? link(s, "service") : null;
}

/** Runbook paths whose front matter names this `service`. */
export function runbooksOfService(dir: string, service: string): string[] {
  return [...runbookIndex(dir).byPath.values()].filter((e) => e.service === service).map((e) => e.path);
}
