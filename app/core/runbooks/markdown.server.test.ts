// The marked-based parser against the reference it replaced (remark-parse with the same plugins):
// every runbook in the repo, the test fixtures, and the seed runbooks when present must give the
// same HTML, byte for byte, through the same mdast → hast step.
import fs from "node:fs";
import path from "node:path";
import { toHtml } from "hast-util-to-html";
import remarkDirective from "remark-directive";
import remarkFrontmatter from "remark-frontmatter";
import remarkGfm from "remark-gfm";
import remarkMath from "remark-math";
import remarkParse from "remark-parse";
import remarkRehype from "remark-rehype";
import { unified } from "unified";
import { describe, expect, it } from "vitest";
import { parseAttributes, parseMarkdown, splitChunks } from "./markdown.server";

const ROOT = path.resolve(__dirname, "../../..");
const reference = unified().use(remarkParse).use(remarkFrontmatter, ["yaml"]).use(remarkGfm).use(remarkDirective).use(remarkMath, { singleDollarTextMath: false });
const toHast = unified().use(remarkRehype, { allowDangerousHtml: true });
// remark makes `:word` in prose a text directive, which the renderer turns back into its text; marked leaves it text.
const strip = (n: any): any => {
  delete n.position;
  if (n.type === "textDirective") return { type: "text", value: "" };
  if (n.children) n.children = n.children.map(strip);
  return n;
};
const html = (tree: unknown) => toHtml(toHast.runSync(strip(tree)) as never, { allowDangerousHtml: true });
const same = (src: string) => expect(html(parseMarkdown(src))).toBe(html(reference.runSync(reference.parse(src))));

function markdownFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? markdownFiles(path.join(dir, e.name)) : /\.(md|txt)$/.test(e.name) ? [path.join(dir, e.name)] : []));
}

describe("parseMarkdown (marked) gives the HTML remark gave", () => {
  const files = [...markdownFiles(path.join(ROOT, "runbooks")), ...markdownFiles(path.join(ROOT, "tests/fixtures/runbooks"))];
  it.each(files.map((f) => [path.relative(ROOT, f), f]))("%s", (_name, file) => same(fs.readFileSync(file, "utf8")));

  const seeds = path.resolve(ROOT, "../shared/seeds");
  it.skipIf(!fs.existsSync(seeds))("the seed runbooks in ../shared/seeds, read in place", () => {
    for (const f of markdownFiles(seeds)) same(fs.readFileSync(f, "utf8"));
  });

  it.each([
    ["front matter", "---\ntitle: X\ntags: [a]\n---\n# X\n"],
    ["GFM", "| a | b |\n|---|:-:|\n| 1 | `2` |\n\n- [ ] one\n- [x] two\n  - nested\n\n~~old~~ www.example.com <https://x.test> a@b.example\n"],
    ["footnotes", "Note[^n] and [^missing].\n\n[^n]: Footnote **text**.\n"],
    ["entities and escapes", "a &amp; b &copy; &timestamp \\* \\_x\\_ `&amp;` <BUCKET_NAME> <br> <span>x</span>\n"],
    ["directives", '1. step\n\n   ::action{id="a.b" #x .y z=w}\n\n2. next ::not-a-directive\n\n:::note\ninside *it*\n:::\n'],
    ["math", "$$\nS = n \\cdot 2\n$$\n\nInline $$x^2$$ and $5 stays.\n\n```math\na+b\n```\n"],
    ["lists and quotes", "* a\n\n  loose\n* b\n\n3. three\n4. four\n\n> quote\n> > nested\n\n---\n\nSetext\n======\n"],
    ["html and code", "<details><summary>S</summary>\n\nhidden\n</details>\n\n    indented\n\n```js title=x\nlet a = 1;\n```\n"],
    ["links", '[a](x.md "T") ![i](p.png) [ref] [ref][] [other][ref]\n\n[ref]: http://x.test "Title"\n'],
  ])("%s", (_name, src) => same(src));

  it("keeps lines where they are written (front matter, lists, directives, links)", () => {
    const tree = parseMarkdown('---\ntitle: T\n---\n\n# Head\n\n- item\n\n  ::status{probe="p"}\n\nsee [x](y.md)\n');
    const byType = (type: string): any => {
      const found: any[] = [];
      const walk = (n: any) => (n.type === type && found.push(n), n.children?.forEach(walk));
      walk(tree);
      return found[0];
    };
    expect(byType("heading").position.start.line).toBe(5);
    expect(byType("leafDirective").position.start.line).toBe(9);
    expect(byType("link").position.start.line).toBe(11);
  });

  it("reads directive attributes with their quotes", () => {
    expect(parseAttributes(`promql='sum(x{a="b"})' unit="s" #id .c1 .c2 flag`)).toEqual({ promql: 'sum(x{a="b"})', unit: "s", id: "id", class: "c1 c2", flag: "" });
  });
});

describe("parsing in chunks (an edited runbook re-parses only what changed)", () => {
  const whole = (src: string) => parseMarkdown(src, { chunked: false });
  const filler = Array.from({ length: 40 }, (_, i) => `Paragraph ${i} of filler text, long enough to make the document worth cutting.`).join("\n\n");
  const big = (middle: string) => `# Title\n\n${filler}\n\n${middle}\n\nAfter the middle.\n\n${filler}\n`;
  const files = [...markdownFiles(path.join(ROOT, "runbooks")), ...markdownFiles(path.join(ROOT, "tests/fixtures/runbooks")), ...markdownFiles(path.resolve(ROOT, "../shared/seeds"))];

  it.each(files.map((f) => [path.relative(ROOT, f), f]))("%s: the same tree as one parse, positions included", (_name, file) => {
    const src = fs.readFileSync(file, "utf8");
    expect(parseMarkdown(src)).toEqual(whole(src));
    // twice: the second comes from the cache
    expect(parseMarkdown(src)).toEqual(whole(src));
  });

  it.each([
    ["a fence holding blank lines and lines at column 0", "```bash\ncat <<EOF\n\nnot a heading\n# nor this\n\nEOF\n```"],
    ["a tilde fence inside a list item", "1. step\n\n   ~~~\n   a\n\n   b\n   ~~~\n\n2. next"],
    ["an HTML comment over blank lines", "<!--\n\nhidden\n\n-->"],
    ["a <pre> block over blank lines", "<pre>\nline\n\nstill pre\n</pre>"],
    ["a container directive holding paragraphs", ":::note\nfirst\n\nsecond\n\n- item\n:::"],
    ["a math block with a blank line", "$$\na + b\n\n= c\n$$"],
    ["a loose list", "- one\n\n- two\n\n- three"],
    ["a list item's second paragraph", "- one\n\n  more of one\n\nafter"],
    ["an ordered list continued after a blank line", "1. a\n\n2. b\n\n10. c"],
    ["quotes and tables after blank lines", "> quoted\n\n> another\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\ntext"],
    ["indented code across blank lines", "    code\n\n    more code\n\ntext"],
    ["a setext heading", "Title\n=====\n\ntext"],
    ["directives between paragraphs", '::status{probe="a.b"}\n\n::action{id="c.d"}\n\ntext'],
    ["a <details> block with markdown inside", "<details><summary>More</summary>\n\nhidden *text*\n\n</details>\n\nafter"],
    ["nested containers and a stray closer", "::::outer\n:::inner\n\ntext\n\n:::\n::::\n\n:::\n\nend"],
    ["inline math and a dollar", "Inline $$x^2$$ here.\n\n$5 stays.\n\n$$\nx\n$$"],
    ["an unclosed fence swallows the rest", "```\nopen fence\n\n# not a heading"],
  ])("%s", (_name, middle) => {
    const src = big(middle);
    expect(splitChunks(src)).not.toBeNull();
    expect(parseMarkdown(src)).toEqual(whole(src));
    same(src);
  });

  it("documents with link reference or footnote definitions are parsed whole", () => {
    expect(splitChunks(big("[ref]: https://x.test"))).toBeNull();
    expect(splitChunks(big("Note[^n]\n\n[^n]: text"))).toBeNull();
    expect(splitChunks("# small\n\ntext\n")).toBeNull();
  });

  it("after an edit in the middle, every chunk is where the edited file has it", () => {
    const before = big("Some text in the middle.");
    parseMarkdown(before);
    for (const middle of ["Some text in the middle, edited.", "Inserted\n\nlines\n\nhere.\n\n- and a list", ""]) {
      const after = big(middle);
      expect(parseMarkdown(after)).toEqual(whole(after));
    }
  });
});
