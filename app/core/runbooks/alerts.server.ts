import { loadRunbook, runbooksDir } from "./runbooks.server";
import { scanRunbooks } from "./source.server";

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

/**
 * The runbooks that answer an alert: front matter `alert: <name>` (or a list), or a heading
 * equal to the alert name, as in prometheus-operator's runbooks. Case-sensitive, like alert names.
 */
export function runbooksForAlert(alertName: string, dir: string = runbooksDir()): AlertRunbook[] {
  const out: AlertRunbook[] = [];
  for (const file of scanRunbooks(dir)) {
    let r;
    try {
      r = loadRunbook(file).rendered;
    } catch {
      continue;
    }
    if (r.frontMatter.alert?.includes(alertName)) {
      out.push({ path: file.path, title: r.title, href: pageHref(file.path), match: "front matter" });
      continue;
    }
    const heading = r.toc.find((t) => t.text === alertName) ?? (r.headings.includes(alertName) ? { id: "" } : undefined);
    if (heading) out.push({ path: file.path, title: r.title, href: `${pageHref(file.path)}${heading.id ? `#${encodeURIComponent(heading.id)}` : ""}`, match: "heading" });
  }
  return out.sort((a, b) => (a.match === b.match ? a.title.localeCompare(b.title) : a.match === "front matter" ? -1 : 1));
}
