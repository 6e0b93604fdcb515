import { loadRunbook, runbookMetadata, runbooksDir } from "./runbooks.server";
import { findRunbookFile } from "./source.server";

export interface AlertRunbook {
  path: string;
  title: string;
  /** Page address, with the heading's anchor when a heading names the alert. */
  href: string;
  match: "front matter" | "heading";
}

function pageHref(p: string): string {
  return `/runbooks/${p.split("/").map(encodeURIComponent).join("/")}`;
}

/** Heading texts compared without inline markup (the index reads headings without rendering). */
export function headingKey(text: string): string {
  return text.replace(/[*_`]/g, "").replace(/\s+/g, " ").trim();
}

/**
 * The anchor of the heading of this runbook whose text, as the page shows it, is exactly `name`:
 * its id, "" when the heading is not in the contents list, null when no heading is `name`. Renders
 * the page (cached): asked only of runbooks whose indexed headings already look like it.
 */
export function headingAnchor(dir: string, pagePath: string, name: string): string | null {
  const file = findRunbookFile(dir, pagePath);
  if (!file) return null;
  let r;
  try {
    r = loadRunbook(file).rendered;
  } catch {
    return null;
  }
  const heading = r.toc.find((t) => t.text === name);
  if (heading) return heading.id;
  return r.headings.includes(name) ? "" : null;
}

/**
 * The runbooks that answer an alert: front matter `alert: <name>` (or a list), or a heading
 * equal to the alert name, as in prometheus-operator's runbooks. Case-sensitive, like alert names.
 * Read from the index (no page rendered but those with a heading like the name).
 */
export function runbooksForAlert(alertName: string, dir: string = runbooksDir()): AlertRunbook[] {
  const out: AlertRunbook[] = [];
  const key = headingKey(alertName);
  for (const r of runbookMetadata({ dir })) {
    if (r.alerts.includes(alertName)) {
      out.push({ path: r.path, title: r.title, href: pageHref(r.path), match: "front matter" });
      continue;
    }
    if (!r.headings.some((h) => headingKey(h) === key)) continue;
    const anchor = headingAnchor(dir, r.path, alertName);
    if (anchor !== null) out.push({ path: r.path, title: r.title, href: `${pageHref(r.path)}${anchor ? `#${encodeURIComponent(anchor)}` : ""}`, match: "heading" });
  }
  return out.sort((a, b) => (a.match === b.match ? a.title.localeCompare(b.title) : a.match === "front matter" ? -1 : 1));
}
