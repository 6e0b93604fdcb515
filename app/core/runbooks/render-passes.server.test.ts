// Heading ids and code highlighting are one walk of our own (slugsAndHighlight); it must give
// what rehype-slug and rehype-highlight gave, on every runbook, fixture and seed.
import fs from "node:fs";
import path from "node:path";
import { toHtml } from "hast-util-to-html";
import rehypeHighlight from "rehype-highlight";
import rehypeSlug from "rehype-slug";
import remarkRehype from "remark-rehype";
import { unified } from "unified";
import { describe, expect, it } from "vitest";
import { parseMarkdown } from "./markdown.server";
import { slugsAndHighlight } from "./render.server";

const ROOT = path.resolve(__dirname, "../../..");
const toHast = unified().use(remarkRehype, { allowDangerousHtml: true });
const reference = unified().use(rehypeSlug).use(rehypeHighlight, { detect: false });

function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : /\.(md|txt)$/.test(e.name) ? [path.join(dir, e.name)] : []));
}

const EDGE = [
  "# T\n\n## Steps\n## Steps\n### Steps-1\n\n> ## Quoted\n\n###### Deep *one* with `code`\n",
  "```js\nconst a = 1;\n```\n\n```no-such-language\nx <- y\n```\n\n```\nplain\n```\n\n```JSON\n{\"a\": 1}\n```\n",
  '<pre><code class="language-python">def x():\n  return 1</code></pre>\n\n<pre><code class="lang-bash nohighlight">echo hi</code></pre>\n\n<h2 id="given">Given</h2>\n\n## Given\n',
];

describe("slugsAndHighlight gives what rehype-slug and rehype-highlight gave", () => {
  const all = [...files(path.join(ROOT, "runbooks")), ...files(path.join(ROOT, "tests/fixtures/runbooks")), ...files(path.resolve(ROOT, "../shared/seeds"))];
  const cases: [string, string][] = [...all.map((f): [string, string] => [path.basename(f), fs.readFileSync(f, "utf8")]), ...EDGE.map((src, i): [string, string] => [`edge ${i}`, src])];
  it.each(cases)("%s", (_name, src) => {
    const hast = toHast.runSync(parseMarkdown(src) as never);
    const ours = structuredClone(hast);
    slugsAndHighlight(ours as never);
    expect(toHtml(ours as never, { allowDangerousHtml: true })).toBe(toHtml(reference.runSync(hast as never) as never, { allowDangerousHtml: true }));
  });
});
