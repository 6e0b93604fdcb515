import { headingAnchor, headingKey } from "../runbooks/alerts.server";
import { runbookMetadata } from "../runbooks/runbooks.server";
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
}

interface RunbookIndex {
  dir: string;
  byPath: Map<string, Entry>;
  byAlert: Map<string, Entry>;
  /** Runbooks by their headings' text without markup, in path order: the page confirms the exact text and gives the anchor. */
  byHeading: Map<string, Entry[]>;
  byService: Map<string, Entry>;
  /** Alert name → the runbook whose heading is that name, and the heading's anchor (found once per index). */
  headingLinks: Map<string, { entry: Entry; id: string } | null>;
}

const TTL_MS = 5_000;
const indexes = new Map<string, { at: number; index: RunbookIndex }>();

function pageHref(p: string): string {
  return `/runbooks/${p.split("/").map(encodeURIComponent).join("/")}`;
}

/** From the runbook index's metadata (front matter, widget slots, headings): no page is rendered. */
function buildIndex(dir: string): RunbookIndex {
  const index: RunbookIndex = { dir, byPath: new Map(), byAlert: new Map(), byHeading: new Map(), byService: new Map(), headingLinks: new Map() };
  for (const r of runbookMetadata({ dir })) {
    const entry: Entry = {
      path: r.path,
      title: r.title,
      service: r.service,
      plugins: r.plugins,
      probes: [...new Set(r.slots.filter((s) => s.kind !== "action").map((s) => s.id))],
      alerts: r.alerts,
    };
    index.byPath.set(entry.path, entry);
    for (const a of entry.alerts) if (!index.byAlert.has(a)) index.byAlert.set(a, entry);
    for (const h of new Set(r.headings.map(headingKey))) {
      const list = index.byHeading.get(h);
      if (list) list.push(entry);
      else index.byHeading.set(h, [entry]);
    }
    if (entry.service && !index.byService.has(entry.service)) index.byService.set(entry.service, entry);
  }
  return index;
}

/** The first runbook (by path) with a heading that reads exactly `name`, and that heading's anchor. */
function headingLink(index: RunbookIndex, name: string): { entry: Entry; id: string } | null {
  if (index.headingLinks.has(name)) return index.headingLinks.get(name)!;
  let found: { entry: Entry; id: string } | null = null;
  for (const entry of index.byHeading.get(headingKey(name)) ?? []) {
    const id = headingAnchor(index.dir, entry.path, name);
    if (id !== null) {
      found = { entry, id };
      break;
    }
  }
  index.headingLinks.set(name, found);
  return found;
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
  const h = headingLink(index, alert.name);
  if (h) return link(h.entry, "heading", h.id);
  const service = alert.labels.service;
  const s = service ? index.byService.get(service) : undefined;
  return s ? link(s, "service") : null;
}

/** Runbook paths whose front matter names this `service`. */
export function runbooksOfService(dir: string, service: string): string[] {
  return [...runbookIndex(dir).byPath.values()].filter((e) => e.service === service).map((e) => e.path);
}
