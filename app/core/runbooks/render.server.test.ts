import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decodeRunbook, renderRunbook, resolveRelative, type RenderedRunbook } from "./render.server";

const render = (src: string, file = "team/page.md") => renderRunbook(src, { file });
const html = (r: RenderedRunbook) => r.blocks.map((b) => (b.type === "html" ? b.html : `[[${b.type}]]`)).join("");

describe("renderRunbook", () => {
  it("reads front matter, and falls back to the first h1, then the file name, for the title", () => {
    const r = render("---\ntitle: Stripe webhooks\nowner: payments\nplugins: [stripe, firestore]\ntags: payments, webhooks\nseverity: P2\n---\n# Other\n");
    expect(r.title).toBe("Stripe webhooks");
    expect(r.frontMatter).toEqual({ title: "Stripe webhooks", owner: "payments", severity: "P2", plugins: ["stripe", "firestore"], tags: ["payments", "webhooks"] });
    expect(render("Intro\n\n## Second level first\n# Top\n").title).toBe("Top");
    expect(render("Intro\n\n## Only second level\n").title).toBe("page");
    expect(render("no headings at all").title).toBe("page");
    // the body's leading h1 repeating the title is hidden (the page header shows it)
    expect(html(render("# Same\n\ntext\n"))).toContain('<h1 id="same" class="runbook-title-repeat" aria-hidden="true">Same</h1>');
    expect(html(render("---\ntitle: Other\n---\n# Same\n"))).toContain('<h1 id="same">Same</h1>');
  });

  it("reports bad front matter as a warning and still renders", () => {
    const r = render("---\ntitle: [unclosed\n---\n# Body\n");
    expect(r.warnings[0].message).toMatch(/not valid YAML/);
    expect(r.title).toBe("Body");
    const r2 = render("---\ntitle: Fine\ntags: { a: 1 }\n---\ntext\n");
    expect(r2.title).toBe("Fine");
    expect(r2.warnings[0].message).toMatch(/tags/);
  });

  it("renders GFM: tables, task lists, strikethrough, autolinks, footnotes", () => {
    const r = render("| a | b |\n|---|:-:|\n| 1 | 2 |\n\n- [ ] one\n- [x] two\n\n~~old~~ www.example.com and https://x.test\n\nNote[^n].\n\n[^n]: Footnote text.\n");
    const out = html(r);
    expect(out).toContain("<table>");
    expect(out).toContain('<td align="center">2</td>');
    expect(out).toContain("<del>old</del>");
    expect(out).toContain('<a href="http://www.example.com">www.example.com</a>');
    expect(out).toContain('<a href="https://x.test">https://x.test</a>');
    // footnote reference and back reference point at ids that exist
    const ids = new Set(r.ids);
    for (const m of out.matchAll(/href="#([^"]+)"/g)) expect(ids.has(m[1]), m[1]).toBe(true);
    expect(out).toContain("Footnote text.");
  });

  it("makes task-list checkboxes live, numbered, and labelled with their text", () => {
    const out = html(render("- [ ] Check **the** secret\n- [x] Page owner\n  - [ ] nested step\n"));
    expect(out).toContain('<input type="checkbox" data-task="0" data-task-text="Check the secret" aria-label="Check the secret">');
    expect(out).toContain('<input type="checkbox" checked data-task="1" data-task-text="Page owner" aria-label="Page owner">');
    expect(out).toContain('data-task="2" data-task-text="nested step"');
    expect(out).not.toContain("disabled");
    // a checkbox written in raw HTML is not a task and stays disabled
    expect(html(render('<input type="checkbox">\n'))).toContain("disabled");
  });

  it("gives headings GitHub slugs and keeps the runbook's own TOC links working", () => {
    const r = render("# Title\n\n1. [Errors](#error-handling--debugging)\n2. [Again](#setup-1)\n\n## Error Handling & Debugging\n## Setup\n## Setup\n## Über uns\n");
    const out = html(r);
    expect(out).toContain('<h2 id="error-handling--debugging">');
    expect(out).toContain('<h2 id="setup-1">');
    expect(out).toContain('<h2 id="über-uns">');
    expect(r.toc.map((t) => t.id)).toEqual(["error-handling--debugging", "setup", "setup-1", "über-uns"]);
  });

  it("prefixes heading ids that could clobber DOM globals, and links follow", () => {
    const r = render("[a](#constructor) [b](#location) [c](#__proto__)\n\n## Constructor\n## Location\n## \\_\\_proto\\_\\_\n");
    const out = html(r);
    expect(out).toContain('<h2 id="user-content-constructor">');
    expect(out).toContain('<h2 id="user-content-location">');
    expect(out).toContain('<h2 id="user-content-__proto__">');
    expect(out).toContain('href="#user-content-constructor"');
    expect(out).toContain('href="#user-content-location"');
    expect(out).toContain('href="#user-content-__proto__"');
    expect(out).not.toMatch(/id="(constructor|location|__proto__)"/);
  });

  it("sanitizes raw HTML but keeps details/summary", () => {
    const out = html(
      render(
        '<details open><summary>More</summary>\n\nhidden **text**\n\n</details>\n\n<script>alert(1)</script>\n<img src="a.png" onerror="x()">\n<a href="javascript:alert(1)">j</a>\n<svg onload="x()"></svg>\n<a href="#t" id="t" name="top">t</a>\n',
      ),
    );
    expect(out).toContain("<details open><summary>More</summary>");
    expect(out).toContain("<strong>text</strong>");
    expect(out).not.toMatch(/script|onerror|onload|javascript|<svg/);
    expect(out).toContain('<a href="#user-content-t" id="user-content-t" name="user-content-top">t</a>');
  });

  it("highlights code blocks and adds a copy button", () => {
    const out = html(render("```js\nconst a = 1;\n```\n\n```\nplain\n```\n\n```nosuchlang\nx\n```\n"));
    expect(out).toContain('<div class="code-block"><pre><code class="hljs language-js"><span class="hljs-keyword">const</span>');
    expect(out.match(/data-copy-code/g)).toHaveLength(3);
    expect(out).toContain("<pre><code>plain");
  });

  it("resolves relative links to runbook pages and images to the assets route, and blocks escapes", () => {
    const out = html(
      render("[a](other.md) [b](../ops/deploy.md#roll-back) [c](./sub/x.md?v=1) [d](notes.txt) [e](../../up.md) [f](https://x.test/a.md) [g](/runbooks/abs)\n\n![i](img/a.png) ![j](../../../etc/passwd) ![k](/etc/passwd) ![l](https://cdn.test/x.png)\n"),
    );
    expect(out).toContain('<a href="/runbooks/team/other">a</a>');
    expect(out).toContain('<a href="/runbooks/ops/deploy#roll-back">b</a>');
    expect(out).toContain('<a href="/runbooks/team/sub/x">c</a>');
    expect(out).toContain('<a href="/runbook-assets/team/notes.txt">d</a>');
    expect(out).toContain('<span class="link-outside" title="Links to ../../up.md, outside the runbooks folder: not served by the portal">e<small');
    expect(out).toContain('<a href="https://x.test/a.md">f</a>');
    expect(out).toContain('<a href="/runbooks/abs">g</a>');
    expect(out).toContain('<img src="/runbook-assets/team/img/a.png" alt="i">');
    expect(out).toContain('<img alt="j" data-blocked="outside the runbooks folder">');
    expect(out).toContain('<img alt="k" data-blocked="outside the runbooks folder">');
    expect(out).toContain('<img src="https://cdn.test/x.png" alt="l">');
  });

  it("cuts the body at directives, even inside a numbered list, and keeps the numbering", () => {
    const r = render('Intro\n\n1. one\n2. two\n\n   ::status{probe="stripe.webhook-backlog"}\n\n   more of two\n3. three\n\n::action{id="stripe.resend-event" eventId="evt_1"}\n');
    expect(r.blocks.map((b) => b.type)).toEqual(["html", "directive", "html", "directive"]);
    const after = r.blocks[2].type === "html" ? r.blocks[2].html : "";
    expect(after).toMatch(/^<ol start="2"><li class="continued">/);
    expect(after).toContain("<p>three</p>");
    expect(r.directives).toEqual([
      { name: "status", attributes: { probe: "stripe.webhook-backlog" }, line: 6 },
      { name: "action", attributes: { id: "stripe.resend-event", eventId: "evt_1" }, line: 11 },
    ]);
  });

  it("flags unknown or incomplete directives, and leaves colons in prose alone", () => {
    const r = render('::widget{probe="x"}\n::status\n:::note\ninside\n:::\n\nNote:this stays, as does a:b and 10:30 :tada:\n');
    expect(r.directives.map((d) => d.problem)).toEqual([
      expect.stringContaining('Unknown directive "::widget"'),
      expect.stringContaining('needs a probe="…" attribute'),
      expect.stringContaining('":::note"'),
    ]);
    const out = html(r);
    expect(out).toContain("<p>inside</p>");
    expect(out).toContain("Note:this stays, as does a:b and 10:30 :tada:");
  });

  it("a directive or link inside a container directive counts once, and its widget is placed", () => {
    const r = render(':::note\nRead [the guide](./guide.md)\n::status{probe="stripe.webhooks"}\n:::\n');
    expect(r.directives.map((d) => d.name)).toEqual(["note", "status"]);
    expect(r.links.map((l) => l.url)).toEqual(["./guide.md"]);
    // every directive has its place among the blocks (none was left in a detached copy)
    expect(r.blocks.filter((b) => b.type === "directive").map((b) => (b as { index: number }).index)).toEqual([0, 1]);
  });

  it("gives headings GitHub's slugs (numbered when repeated) and highlights fenced code that names a known language", () => {
    const out = html(render("# T\n\n## Steps\n## Steps\n\n```js\nconst a = 1;\n```\n\n```no-such-language\nx <- y\n```\n\n```\nplain\n```\n"));
    expect(out).toContain('<h2 id="steps">Steps</h2>');
    expect(out).toContain('<h2 id="steps-1">Steps</h2>');
    expect(out).toContain('<code class="hljs language-js"><span class="hljs-keyword">const</span>');
    expect(out).toContain('<code class="hljs language-no-such-language">x &#x3C;- y\n</code>');
    expect(out).toContain("<code>plain\n</code>");
  });

  it("highlighting an unchanged fence again (a runbook edited elsewhere) gives the same markup, each render its own", () => {
    const fence = "```bash\ncurl -fsS https://shop.example.com/api/health && echo ok\n```\n";
    const first = html(render(`# A\n\n${fence}`));
    const second = html(render(`# A\n\nEdited above.\n\n${fence}`));
    const code = (out: string) => out.slice(out.indexOf("<pre"), out.indexOf("</pre>") + 6);
    expect(code(second)).toBe(code(first));
    expect(code(first)).toContain('<span class="hljs-built_in">echo</span>');
    // the live mark sits on the <pre> of each render, never inside the shared highlighting
    expect(code(first).match(/data-live-id/g)).toHaveLength(1);
    expect(code(second).match(/data-live-id/g)).toHaveLength(1);
  });

  it("ignores slot placeholders planted in raw HTML", () => {
    const r = render('<opsdeck-slot data-slot="0000:0"></opsdeck-slot>\n\nText\n');
    expect(r.blocks).toHaveLength(1);
    expect(html(r)).not.toContain("opsdeck-slot");
  });

  it("handles CRLF line endings like LF", () => {
    const lf = render("# T\n\n## A b\n\n- [ ] x\n\n```sh\nls\n```\n");
    const crlf = render("# T\r\n\r\n## A b\r\n\r\n- [ ] x\r\n\r\n```sh\r\nls\r\n```\r\n");
    expect(crlf.toc).toEqual(lf.toc);
    expect(html(crlf).replace(/\r/g, "")).toEqual(html(lf));
  });

  it("records links with their lines for lint", () => {
    const r = render('# T\n\n[a](#x)\n\n![i](img.png)\n\n<a href="y.md">y</a>\n');
    expect(r.links).toEqual([
      { url: "#x", line: 3, kind: "link" },
      { url: "img.png", line: 5, kind: "image" },
      { url: "y.md", line: 7, kind: "link" },
    ]);
  });
});

describe("decodeRunbook", () => {
  it("replaces invalid UTF-8 and says so; strips a BOM", () => {
    const bad = decodeRunbook(Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x21]));
    expect(bad).toEqual({ text: "Caf\uFFFD!", invalidUtf8: true });
    expect(decodeRunbook(Buffer.from("\uFEFF# Title", "utf8"))).toEqual({ text: "# Title", invalidUtf8: false });
  });
});

describe("resolveRelative", () => {
  it("stays inside the runbooks folder", () => {
    expect(resolveRelative("a/b", "../c.md")).toBe("a/c.md");
    expect(resolveRelative("a", "../../c.md")).toBeNull();
    expect(resolveRelative("", "..%2fc.md")).toBeNull();
    expect(resolveRelative("", "a\\..\\..\\c")).toBeNull();
    expect(resolveRelative("", "x/%2e%2e/%2e%2e/c")).toBeNull();
    expect(resolveRelative("a", "./img/x.png")).toBe("a/img/x.png");
  });
});

describe("runbooks as teams write them (tests/fixtures/runbooks)", () => {
  const fixture = (name: string) => decodeRunbook(fs.readFileSync(path.join(__dirname, "../../../tests/fixtures/runbooks", name)));
  const storage = () => renderRunbook(fixture("storage-exports.md").text, { file: "storage/storage-exports.md" });

  it("turns [[_TOC_]] into the contents list, and the title is not shown twice", () => {
    const r = storage();
    const out = html(r);
    expect(out).not.toContain("TOC");
    expect(out).toMatch(/^<nav class="runbook-inline-toc" aria-label="Contents"><ul><li class="toc-depth-0"><a href="#flow">Flow<\/a>/);
    expect(r.title).toBe("Nightly storage exports");
    expect(out).toContain('<h1 id="nightly-storage-exports" class="runbook-title-repeat" aria-hidden="true">');
  });

  it("keeps angle-bracket placeholders visible and lists them for lint", () => {
    const r = storage();
    const out = html(r);
    expect(out).toContain("<code>gs://&#x3C;bucket>/exports/&#x3C;timestamp></code>");
    expect(out).toContain("gs://&#x3C;bucket>/exports/&#x3C;timestamp> when written in prose");
    expect(out).toContain("set-lifecycle.sh &#x3C;BUCKET_NAME> &#x3C;DAYS> and keep &#x3C;days> at 30");
    expect(r.placeholders.map((p) => p.text)).toEqual(["<bucket>", "<timestamp>", "<DAYS>", "<days>"]);
    expect(r.placeholders[0].line).toBe(5);
    // real HTML is still HTML (and still sanitized)
    const real = html(render("a <kbd>Ctrl</kbd> b <script>x</script> <bucket-name>\n"));
    expect(real).toContain("<kbd>Ctrl</kbd>");
    expect(real).not.toContain("script");
    expect(real).toContain("&#x3C;bucket-name>");
  });

  it("takes the title from front matter, else the first h1, else the file name — never a doctoc heading", () => {
    const r = renderRunbook(fixture("no-title.md").text, { file: "ops/no-title.md" });
    expect(r.title).toBe("no-title");
    expect(r.headings).not.toContain("Table of Contents");
    expect(html(r)).toContain('<nav class="runbook-inline-toc"');
    expect(render("---\ntitle: From front matter\n---\n# H1\n").title).toBe("From front matter");
    expect(render("## Second\n# First h1\n").title).toBe("First h1");
  });

  it("leaves mermaid diagrams for the browser, marked and readable", () => {
    const out = html(storage());
    expect(out).toContain('<div class="mermaid-block" data-mermaid=""><pre><code class="hljs language-mermaid">graph LR\n  A[Scheduler] --> B[Export job]');
  });

  it("renders math with KaTeX on the server; a single $ stays text", () => {
    const out = html(storage());
    expect(out).toContain('<span class="katex-display"><span class="katex">');
    expect(out).toContain('<annotation encoding="application/x-tex">S = n \\cdot \\bar{s} \\times 1.2</annotation>');
    expect(out).toMatch(/Inline math <span class="katex">.*sqrt/);
    expect(out).toContain("a shell variable $HOME that stays text, and a $5 fee.");
    expect(html(render("```math\na^2\n```\n"))).toContain('class="katex-display"');
  });

  it("turns links that leave the runbooks folder into plain text with a hint", () => {
    const out = html(storage());
    expect(out).toContain('<span class="link-outside" title="Links to ../../handbook/storage.md, outside the runbooks folder: not served by the portal">the ops handbook<small class="link-outside-hint"> (outside the runbooks folder)</small></span>');
    expect(out).toContain('<a href="/runbooks/storage/restore">the restore page</a>');
    expect(out).not.toContain('href="#"');
  });

  it("replaces control characters and invalid bytes, and says so", () => {
    const { text, invalidUtf8 } = fixture("control-chars.md");
    expect(invalidUtf8).toBe(true);
    const r = renderRunbook(text, { file: "control-chars.md" });
    const out = html(r);
    expect(out).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/);
    expect(out).toContain("a bell \uFFFD and an escape \uFFFD[31m and bad bytes: \uFFFD\uFFFD done");
    expect(r.warnings).toEqual([{ message: "2 control characters were replaced by \uFFFD", line: 3 }]);
  });

  it("keeps unknown-language code as plain code in a scrolling card", () => {
    const out = html(storage());
    expect(out).toContain('<div class="code-block"><pre><code class="hljs language-weirdlang">this_is_a_very_long');
  });

  it("lists headings down to the configured depth (front matter overrides)", () => {
    const src = fixture("storage-exports.md").text;
    const depths = (tocDepth?: number) => renderRunbook(src, { file: "s.md", tocDepth }).toc.map((t) => t.depth);
    expect(depths()).toEqual([2, 2, 2, 3, 4]);
    expect(depths(5)).toEqual([2, 2, 2, 3, 4, 5]);
    expect(depths(2)).toEqual([2, 2, 2]);
    expect(renderRunbook(`---\ntocDepth: 5\n---\n${src}`, { file: "s.md", tocDepth: 3 }).toc.map((t) => t.text)).toContain("ExportMissing24h");
  });
});
