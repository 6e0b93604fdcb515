// Runbook figures, measured in-process against a portal booted the real way (demo plugins,
// throwaway SQLite database), so directives resolve against the real registry.
//
// runbook_render_ms_p95        largest runbook in ./runbooks: cached parse → page data → React
//                              server render of the page (200 runs, p95)
// runbook_render_ms_p95_60kb   the same for a 60 KB runbook made of the five seed runbooks (cut at
//                              the first block boundary after 60 000 characters)
// runbook_parse_ms_60kb        cold parse + render pipeline of that 60 KB file, edited anew each
//                              round, in a portal that has rendered runbooks before (median of 5)
// runbook_search_ms_p95        full-text search over ./runbooks (200 queries, p95)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { bootPortal } from "~/core/boot.server";
import { getPortal, hasPortal, type Portal } from "~/core/portal.server";
import { decodeRunbook, renderRunbook } from "~/core/runbooks/render.server";
import { getRunbook, searchRunbooks } from "~/core/runbooks/runbooks.server";
import { scanRunbooks } from "~/core/runbooks/source.server";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = 200;

/** The text up to the first blank line at or after `min` characters that is not inside a fence. */
export function cutAtBlock(text: string, min: number): string {
  let fence: string | null = null;
  let at = 0;
  for (const line of text.split("\n")) {
    const next = at + line.length + 1;
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (f) fence = fence === null ? f[1]![0]! : fence === f[1]![0] ? null : fence;
    if (at >= min && fence === null && line.trim() === "") return text.slice(0, at);
    at = next;
  }
  return text;
}

function p95(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] * 100) / 100;
}

// React is loaded inside run(), after NODE_ENV is set: the portal renders with React's production build.
let React: { createElement: typeof import("react").createElement };
let renderToString: typeof import("react-dom/server").renderToString;
let Router: typeof import("react-router-dom");
let RunbookView: typeof import("~/components/runbook/runbook-view").RunbookView;

function renderPage(pagePath: string, dir: string, portal: Portal): number {
  const { createElement } = React;
  const { createMemoryRouter, Outlet, RouterProvider } = Router;
  const started = performance.now();
  const runbook = getRunbook(pagePath, { dir, registry: portal.registry });
  if (!runbook) throw new Error(`no runbook ${pagePath} in ${dir}`);
  // a data router like Remix's, with the root loader data the page's components read
  const router = createMemoryRouter(
    [{ id: "root", path: "/", element: createElement(Outlet), children: [{ id: "runbook", path: "runbooks/*", element: createElement(RunbookView, { runbook }) }] }],
    {
      initialEntries: [`/runbooks/${pagePath}`],
      hydrationData: { loaderData: { root: { user: { username: "bench", displayName: null, roles: ["responder"] }, demo: true, title: "Opsdeck" }, runbook: null } },
    },
  );
  const html = renderToString(createElement(RouterProvider, { router }));
  if (!html.includes("runbook-body")) throw new Error("the page did not render");
  return performance.now() - started;
}

function measure(pagePath: string, dir: string, portal: Portal): number {
  renderPage(pagePath, dir, portal); // first view parses and caches
  for (let i = 0; i < 50; i++) renderPage(pagePath, dir, portal); // warm the JIT
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(renderPage(pagePath, dir, portal));
  return p95(samples);
}

export async function run(): Promise<Record<string, number>> {
  process.env.NODE_ENV ??= "production";
  React = await import("react");
  ({ renderToString } = await import("react-dom/server"));
  Router = await import("react-router-dom");
  ({ RunbookView } = await import("~/components/runbook/runbook-view"));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-bench-runbooks-"));
  let own: Portal | undefined;
  try {
    const portal = hasPortal()
      ? getPortal()
      : (own = await bootPortal({
          cwd: ROOT,
          env: { ...process.env, OPSDECK_DATA_DIR: path.join(tmp, "data"), OPSDECK_DEMO_PASSWORD: "bench-only-password" },
          databaseUrl: path.join(tmp, "bench.sqlite"),
          background: false,
          log: pino({ level: "error" }),
        }));
    const dir = path.join(ROOT, "runbooks", "examples");
    const files = scanRunbooks(dir);
    if (!files.length) throw new Error("no runbooks in ./runbooks/examples");
    const largest = files.reduce((a, b) => (b.size > a.size ? b : a));

    // 60 KB+ from the seed runbooks, as teams actually write them
    const seeds = path.resolve(ROOT, "../shared/seeds");
    const bigDir = path.join(tmp, "runbooks");
    fs.mkdirSync(bigDir);
    const seedText = fs.existsSync(seeds)
      ? fs.readdirSync(seeds).sort().map((f) => fs.readFileSync(path.join(seeds, f), "utf8")).join("\n\n")
      : files.map((f) => fs.readFileSync(f.abs, "utf8")).join("\n\n");
    let big = seedText;
    while (Buffer.byteLength(big) < 60_000) big += `\n\n${seedText}`;
    // 60 KB as the figure says (the five seeds together are ~105 KB): cut at the first blank line
    // after 60 000 characters, outside a code fence, so the runbook ends at a block boundary.
    big = cutAtBlock(big, 60_000);
    fs.writeFileSync(path.join(bigDir, "big.md"), big);

    const render = measure(largest.path, dir, portal);
    const render60 = measure("big", bigDir, portal);

    // Cold parse as a running portal meets it: a runbook edited during an incident is read and
    // rendered anew (no cached parse), in a server that has rendered runbooks before. Each round
    // reads the file again and changes one line, so nothing of the previous round can be reused.
    const parses: number[] = [];
    const source = decodeRunbook(fs.readFileSync(path.join(bigDir, "big.md"))).text;
    for (let i = 0; i < 5; i++) {
      const edited = `${source}\n\nEdited during the incident, round ${i}.\n`;
      const started = performance.now();
      renderRunbook(edited, { file: "big.md" });
      parses.push(performance.now() - started);
    }
    parses.sort((a, b) => a - b);

    const words = ["webhook", "restore", "coupon", "rollback", "signing secret", "cron", "gsutil", "severity"];
    searchRunbooks(words[0], { dir });
    const searches: number[] = [];
    for (let i = 0; i < RUNS; i++) searches.push(searchRunbooks(words[i % words.length], { dir }).tookMs);

    return {
      runbook_render_ms_p95: render,
      runbook_render_ms_p95_60kb: render60,
      runbook_parse_ms_60kb: Math.round(parses[2]),
      runbook_search_ms_p95: p95(searches),
    };
  } finally {
    await own?.shutdown();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
