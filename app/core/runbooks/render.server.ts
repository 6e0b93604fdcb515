import crypto from "node:crypto";
import path from "node:path";
import GithubSlugger from "github-slugger";
import { toHtml } from "hast-util-to-html";
import { toString as hastToString } from "hast-util-to-string";
import { toText } from "hast-util-to-text";
import { common, createLowlight } from "lowlight";
import { toString as mdastToString } from "mdast-util-to-string";
import rehypeKatex from "rehype-katex";
import rehypeRaw from "rehype-raw";
import rehypeSanitize, { defaultSchema } from "rehype-sanitize";
import remarkRehype from "remark-rehype";
import { unified } from "unified";
import { visit } from "unist-util-visit";
import YAML from "yaml";
import { z } from "zod";
import type { TocEntry } from "~/lib/runbook";
import { CLOBBER_PREFIX, isDangerousId } from "./dom-names.server";
import { markLiveBlocks, type LiveCandidate } from "./live-blocks.server";
import { maskRedisPasswords } from "./redis-cli.server";
import { parseMarkdown } from "./markdown.server";

// Local shapes of the trees: the root @types/hast and @types/mdast are older than the unified
// packages' own, so the pipeline is typed loosely here.
interface Element {
  type: "element";
  tagName: string;
  properties: Record<string, any>;
  children: ElementContent[];
}
type ElementContent = Element | { type: "text" | "comment" | "raw"; value: string };
type HastRoot = { type: "root"; children: ElementContent[] };
type MdastNode = { type: string; [key: string]: any };
type MdastRoot = { type: "root"; children: MdastNode[] };

/** Directive names a runbook may use, and the attribute that names the probe or action. */
export const DIRECTIVES = { status: "probe", chart: "probe", table: "probe", action: "id", slo: "id" } as const;
export type DirectiveName = keyof typeof DIRECTIVES;

/** A leaf directive as written (`::name{…}`), before it is checked against the registry. */
export interface DirectiveRef {
  name: string;
  attributes: Record<string, string>;
  line: number;
  /** Set when the directive is not one of ours or misses its id attribute. */
  problem?: string;
}

export type RenderedBlock =
  | { type: "html"; html: string }
  | { type: "directive"; index: number }
  | { type: "warning"; message: string; line: number };

export interface LinkRef {
  url: string;
  line: number;
  kind: "link" | "image";
}

export interface FrontMatter {
  title?: string;
  /** Deepest heading level in the contents list, for this runbook (overrides `runbooks.tocDepth`). */
  tocDepth?: number;
  owner?: string;
  service?: string;
  severity?: string;
  plugins: string[];
  tags: string[];
  /** Alert names this runbook answers (`alert:` in front matter), for the alerts widget's links. */
  alert?: string[];
}

export interface RenderedRunbook {
  frontMatter: FrontMatter;
  title: string;
  blocks: RenderedBlock[];
  directives: DirectiveRef[];
  toc: TocEntry[];
  /** Every element id in the final HTML. */
  ids: string[];
  links: LinkRef[];
  /** Angle-bracket placeholders in prose (`<bucket>`) kept as text; GitHub would drop them as HTML. */
  placeholders: { text: string; line: number }[];
  warnings: { message: string; line: number }[];
  /** Plain text, for search. */
  text: string;
  headings: string[];
  /** SQL/PromQL fences and PromQL-looking mentions, marked `data-live-id` (see live-blocks.server). */
  live: LiveCandidate[];
}

export interface RenderOptions {
  /** Path of the file under the runbooks folder, posix, with `.md` (for relative links). */
  file: string;
  /** Deepest heading level in the contents list (config `runbooks.tocDepth`, 1–6; default 4). */
  tocDepth?: number;
  /**
   * Whether a runbook exists (posix path under the folder, with `.md`): a link to one that does
   * not is marked like a link out of the folder instead of staying a live link to a 404.
   */
  exists?: (file: string) => boolean;
}

const stringList = z
  .union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))])
  .transform((v) => (Array.isArray(v) ? v : String(v).split(",")).map((s) => String(s).trim()).filter(Boolean));
const scalar = z.union([z.string(), z.number()]).transform((v) => String(v).trim());

export const FrontMatterSchema = z.object({
  title: scalar.optional(),
  owner: scalar.optional(),
  service: scalar.optional(),
  severity: scalar.optional(),
  plugins: stringList.default([]),
  tags: stringList.default([]),
  alert: stringList.optional(),
  tocDepth: z.coerce.number().int().min(1).max(6).optional(),
});

const SLOT_TAG = "opsdeck-slot";

const sanitizeSchema = {
  ...defaultSchema,
  tagNames: [...(defaultSchema.tagNames ?? []), SLOT_TAG],
  attributes: { ...defaultSchema.attributes, [SLOT_TAG]: ["dataSlot"] },
};

// Parsing is markdown.server.ts (marked's lexer → mdast). `$…$` stays text: runbooks are full of
// `$HOME` and `$5 refunds`; math is `$$…$$` or ```math.
const hastPipeline = (withRawHtml: boolean, withMath: boolean) => {
  const p = unified()
    // ids are prefixed once, by sanitize; in-page links are fixed up after it (see finishTree)
    .use(remarkRehype, { allowDangerousHtml: true, clobberPrefix: "" });
  // Re-parsing the tree as HTML (parse5) is a sixth of a cold render: only when there is raw HTML.
  if (withRawHtml) p.use(rehypeRaw);
  p.use(rehypeSanitize, sanitizeSchema);
  // KaTeX's markup is made by us from the math text, after sanitize; `trust` stays off. Its walk
  // over the whole tree is skipped when the runbook has no math.
  if (withMath) p.use(rehypeKatex, { strict: "ignore" });
  // Heading ids and code highlighting follow in one walk of our own (slugsAndHighlight): as
  // rehype-slug and rehype-highlight they were two more walks, a fifth of a cold render.
  return p;
};
const pipelines = new Map<string, ReturnType<typeof hastPipeline>>();
const toHast = (rawHtml: boolean, math: boolean) => {
  const key = `${rawHtml}:${math}`;
  let p = pipelines.get(key);
  if (!p) pipelines.set(key, (p = hastPipeline(rawHtml, math)));
  return p;
};
const HTML_COMMENT = /^<!--[\s\S]*?-->$/;

/** GitLab's `[[_TOC_]]` and the Markdown-extensions `[TOC]` marker, alone in a paragraph. */
const TOC_MARKER = /^(?:\[\[_TOC_\]\]|\[TOC\])$/i;
/** Headings that are a hand-made (doctoc) contents list, never a title. */
const CONTENTS_HEADING = /^(?:table of contents|contents|toc|inhalt|inhaltsverzeichnis)$/i;
/** Elements HTML in a runbook may really mean; any other `<word>` is a placeholder such as `<bucket>`. */
const HTML_ELEMENTS = new Set([
  ...(defaultSchema.tagNames ?? []),
  ..."a abbr address area article aside audio b base bdi bdo blockquote body br button canvas caption center cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input ins kbd label legend li link main map mark math menu meta meter nav noscript object ol optgroup option output p param picture pre progress q rp rt ruby s samp script section select slot small source span strike strong style sub summary sup svg table tbody td template textarea tfoot th thead time title tr track tt u ul var video wbr".split(" "),
]);
/**
 * Legacy elements GitHub renders by their content (its sanitizer drops the tags, keeps the text;
 * `tt` and `strike` it keeps): never placeholders, and sanitize unwraps them the same way.
 */
const LEGACY_ELEMENTS = "acronym applet basefont big blink center dir font frame image isindex keygen marquee menuitem multicol nextid nobr rb rtc spacer strike tt".split(" ");
for (const t of LEGACY_ELEMENTS) HTML_ELEMENTS.add(t);
const LONE_TAG = /^<\/?([A-Za-z][A-Za-z0-9-]*)\s*\/?>$/;
/** C0/C1 control characters other than tab and line breaks. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** Decodes bytes as UTF-8; invalid sequences become U+FFFD and are reported. */
export function decodeRunbook(bytes: Uint8Array): { text: string; invalidUtf8: boolean } {
  let invalidUtf8 = false;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    invalidUtf8 = true;
    text = new TextDecoder("utf-8").decode(bytes);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { text, invalidUtf8 };
}

/** Markdown source → blocks of sanitized HTML and directive places, TOC, links and ids. */
export function renderRunbook(rawSource: string, options: RenderOptions): RenderedRunbook {
  const warnings: RenderedRunbook["warnings"] = [];
  // One character for one, so offsets and lines stay right.
  let controls = 0;
  // A password written after `redis-cli -a` never reaches the page or the search text (#33).
  const source = maskRedisPasswords(rawSource.replace(/\r\n?/g, "\n").replace(CONTROL, () => (controls++, "\uFFFD")));
  if (controls) warnings.push({ message: `${controls} control character${controls === 1 ? " was" : "s were"} replaced by \uFFFD`, line: lineOf(rawSource, rawSource.search(CONTROL)) });
  const mdast = parseMarkdown(source) as MdastRoot;

  const frontMatter = readFrontMatter(mdast, warnings);
  const directives: DirectiveRef[] = [];
  const links: LinkRef[] = [];
  const placeholders: RenderedRunbook["placeholders"] = [];
  const nonce = crypto.randomBytes(8).toString("hex");
  const headings: string[] = [];
  let firstH1: string | undefined;
  let tocMarkers = 0;
  let rawHtml = false;
  let math = false;

  walkMdast(mdast, (node: MdastNode, index: number | undefined, parent: any) => {
    const line = node.position?.start.line ?? 0;
    switch (node.type) {
      case "math":
      case "inlineMath":
        math = true;
        return;
      case "code":
        if (node.lang === "math") math = true;
        return;
      case "heading": {
        const text = mdastToString(node).trim();
        if (CONTENTS_HEADING.test(text)) return;
        headings.push(text);
        if (node.depth === 1) firstH1 ??= text;
        return;
      }
      case "paragraph": {
        const start = node.position?.start.offset;
        const end = node.position?.end.offset;
        if (!parent || index === undefined || start === undefined || end === undefined || end - start > 12) return;
        if (!TOC_MARKER.test(source.slice(start, end).trim())) return;
        tocMarkers++;
        parent.children.splice(index, 1, { type: "opsdeckToc", data: { hName: SLOT_TAG, hProperties: { dataSlot: `${nonce}:toc` } } });
        return index + 1;
      }
      case "link":
      case "definition":
        links.push({ url: node.url, line, kind: "link" });
        return;
      case "image":
        links.push({ url: node.url, line, kind: "image" });
        return;
      case "html": {
        // Comments are never shown (sanitize drops them): drop them before the HTML pass.
        if (HTML_COMMENT.test(node.value.trim()) && parent && index !== undefined) {
          parent.children.splice(index, 1);
          return index;
        }
        // `gs://<bucket>/…`: a lone tag that is no HTML element is a placeholder, kept as written.
        const tag = LONE_TAG.exec(node.value.trim());
        if (tag && !HTML_ELEMENTS.has(tag[1].toLowerCase()) && parent && index !== undefined) {
          placeholders.push({ text: node.value.trim(), line });
          parent.children.splice(index, 1, parent.type === "root" ? { type: "paragraph", children: [{ type: "text", value: node.value }] } : { type: "text", value: node.value });
          return index + 1;
        }
        rawHtml = true;
        for (const m of node.value.matchAll(/\b(href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) {
          const before = node.value.slice(0, m.index).split("\n").length - 1;
          links.push({ url: m[2] ?? m[3] ?? "", line: line + before, kind: m[1].toLowerCase() === "src" ? "image" : "link" });
        }
        return;
      }
      case "textDirective": {
        // `Note:this` or `a:b` in ordinary prose is not meant as a directive: keep it as written.
        if (!parent || index === undefined) return;
        const start = node.position?.start.offset;
        const end = node.position?.end.offset;
        const value = start !== undefined && end !== undefined ? source.slice(start, end) : `:${node.name}`;
        parent.children.splice(index, 1, { type: "text", value });
        return index + 1;
      }
      case "leafDirective":
      case "containerDirective": {
        if (!parent || index === undefined) return;
        const attributes: Record<string, string> = {};
        for (const [k, v] of Object.entries(node.attributes ?? {})) if (v !== null && v !== undefined) attributes[k] = String(v);
        const ref: DirectiveRef = { name: node.name, attributes, line };
        if (node.type === "containerDirective") ref.problem = `Unknown directive ":::${node.name}" — use a leaf directive: ::status, ::chart, ::table or ::action`;
        else if (!(node.name in DIRECTIVES)) ref.problem = `Unknown directive "::${node.name}" — expected ::status, ::chart, ::table or ::action`;
        else {
          const attr = DIRECTIVES[node.name as DirectiveName];
          // Probe widgets may name a PromQL query instead of a probe (`::chart{promql="…"}`).
          const promql = attr === "probe" && !attributes.probe && attributes.promql !== undefined;
          if (promql && !attributes.promql.trim()) ref.problem = `::${node.name}{promql=""} needs a query`;
          else if (!attributes[attr] && !promql) ref.problem = `::${node.name} needs a ${attr}="…" attribute`;
        }
        directives.push(ref);
        const placeholder = {
          type: "opsdeckSlot",
          data: { hName: SLOT_TAG, hProperties: { dataSlot: `${nonce}:${directives.length - 1}` } },
        };
        const replacement: MdastNode[] = [placeholder];
        // A container's content is still shown, after the warning.
        if (node.type === "containerDirective") replacement.push(...node.children);
        parent.children.splice(index, 1, ...replacement);
        return index + 1;
      }
    }
  });

  const hast = toHast(rawHtml, math).runSync(mdast as never) as unknown as HastRoot;
  slugsAndHighlight(hast);
  const ids = finishTree(hast, options.file, options.exists);
  const tocDepth = frontMatter.tocDepth ?? options.tocDepth ?? 4;
  const toc = tableOfContents(hast, tocDepth);
  const live = markLiveBlocks(hast);
  const title = frontMatter.title || firstH1 || path.posix.basename(options.file, ".md");
  // The page header shows the title: a leading h1 saying the same is hidden (its anchor stays).
  // A contents marker before it (GitLab puts `[[_TOC_]]` first) does not count.
  const lead = hast.children.find((n) => isElement(n) && slotIndex(n, nonce) !== "toc") as Element | undefined;
  if (lead && lead.tagName === "h1" && hastToString(lead).replace(/\s+/g, " ").trim() === title) {
    lead.properties.className = [...classList(lead), "runbook-title-repeat"];
    lead.properties.ariaHidden = "true";
  }
  if (tocMarkers) placeTocMarkers(hast, nonce, toc);
  const blocks = splitBlocks(hast, nonce);

  return {
    frontMatter,
    title,
    blocks,
    directives,
    toc,
    ids: [...ids],
    links,
    placeholders,
    warnings,
    text: plainText(mdast),
    headings,
    live,
  };
}

/**
 * Every node, depth first in document order. The callback may replace or remove the node in
 * `parent.children` and return the index to go on from; the node's own children are then not
 * walked (a replaced node is gone; what replaced it is visited from that index). A plain loop:
 * unist-util-visit builds a closure and an ancestor list per node.
 */
function walkMdast(tree: MdastNode, fn: (node: MdastNode, index: number | undefined, parent: MdastNode | undefined) => number | void): void {
  const walk = (node: MdastNode, index: number | undefined, parent: MdastNode | undefined): number | void => {
    const next = fn(node, index, parent);
    if (typeof next === "number") return next;
    const children = node.children as MdastNode[] | undefined;
    if (!Array.isArray(children)) return;
    let i = 0;
    while (i < children.length) {
      const r = walk(children[i]!, i, node);
      i = typeof r === "number" ? r : i + 1;
    }
  };
  walk(tree, undefined, undefined);
}

/** Languages highlight.js knows by default (the set rehype-highlight used). */
const lowlight = createLowlight(common);

/**
 * Heading ids (GitHub's slugs, as rehype-slug gave them, numbered when repeated) and syntax
 * highlighting of fenced code with a language (as rehype-highlight gave it: an `hljs` class, the
 * language's token spans; an unknown language keeps its text), in one walk after sanitize.
 */
export function slugsAndHighlight(tree: HastRoot): void {
  const slugger = new GithubSlugger();
  eachElement(tree, (el, _index, parent) => {
    const t = el.tagName;
    if (t.length === 2 && t[0] === "h" && t[1]! >= "1" && t[1]! <= "6") {
      if (!el.properties.id) el.properties.id = slugger.slug(hastToString(el));
      return;
    }
    if (t !== "code" || !isElement(parent) || parent.tagName !== "pre") return;
    const lang = codeLanguage(el);
    if (!lang) return;
    if (!Array.isArray(el.properties.className)) el.properties.className = [];
    if (!el.properties.className.includes("hljs")) el.properties.className.unshift("hljs");
    if (!lowlight.registered(lang)) return;
    const highlighted = highlightCached(lang, toText(el as never, { whitespace: "pre" }));
    if (highlighted.length > 0) el.children = highlighted;
    return "skip";
  });
}

/**
 * Highlighted code by language and text: a runbook edited during an incident is rendered again
 * with most of its fences unchanged, and highlighting was the costliest part of a walk over them.
 * Each render gets its own copy of the nodes.
 */
const highlights = new Map<string, ElementContent[]>();
const MAX_HIGHLIGHTS = 1_000;
function highlightCached(lang: string, text: string): ElementContent[] {
  if (text.length > 20_000) return lowlight.highlight(lang, text).children as ElementContent[];
  const key = `${lang}\u0000${text}`;
  let nodes = highlights.get(key);
  if (nodes) {
    // Most recently used last, so the oldest goes first when the cache is full.
    highlights.delete(key);
  } else {
    nodes = lowlight.highlight(lang, text).children as ElementContent[];
    if (highlights.size >= MAX_HIGHLIGHTS) highlights.delete(highlights.keys().next().value!);
  }
  highlights.set(key, nodes);
  return nodes.map(cloneNode);
}

function cloneNode(node: ElementContent): ElementContent {
  if (node.type !== "element") return { ...node };
  return { type: "element", tagName: node.tagName, properties: cloneProperties(node.properties), children: node.children.map(cloneNode) };
}

function cloneProperties(p: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const k in p) out[k] = Array.isArray(p[k]) ? [...p[k]] : p[k];
  return out;
}

/** The language a code element names (`language-x` or `lang-x`); false for `no-highlight`. */
function codeLanguage(code: Element): string | false | undefined {
  const list = code.properties.className;
  if (!Array.isArray(list)) return undefined;
  let name: string | undefined;
  for (const item of list) {
    const value = String(item);
    if (value === "no-highlight" || value === "nohighlight") return false;
    if (!name && value.startsWith("lang-")) name = value.slice(5);
    if (!name && value.startsWith("language-")) name = value.slice(9);
  }
  return name;
}

const PHRASING_PARENTS = new Set(["paragraph", "heading", "tableCell", "link", "emphasis", "strong", "delete", "linkReference"]);

/** Plain text for search: words of one paragraph stay together, blocks are separated. */
function plainText(node: MdastNode): string {
  if (node.type === "yaml" || node.type === "html") return "";
  if (typeof node.value === "string") return node.value;
  if (!Array.isArray(node.children)) return "";
  return node.children.map(plainText).join(PHRASING_PARENTS.has(node.type) ? "" : "\n");
}

function readFrontMatter(mdast: MdastRoot, warnings: RenderedRunbook["warnings"]): FrontMatter {
  const node = mdast.children[0];
  if (!node || node.type !== "yaml" || typeof node.value !== "string") return { plugins: [], tags: [] };
  const line = node.position?.start.line ?? 1;
  let raw: unknown;
  try {
    raw = YAML.parse(node.value) ?? {};
  } catch (err) {
    warnings.push({ message: `Front matter is not valid YAML: ${(err as Error).message.split("\n")[0]}`, line });
    return { plugins: [], tags: [] };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    warnings.push({ message: "Front matter must be a mapping of fields (title, owner, service, plugins, tags, severity)", line });
    return { plugins: [], tags: [] };
  }
  const parsed = FrontMatterSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) warnings.push({ message: `Front matter field "${issue.path.join(".")}": ${issue.message}`, line });
  // Keep whatever fields are fine.
  const out: FrontMatter = { plugins: [], tags: [] };
  for (const key of Object.keys(FrontMatterSchema.shape) as (keyof typeof FrontMatterSchema.shape)[]) {
    const field = FrontMatterSchema.shape[key].safeParse((raw as Record<string, unknown>)[key]);
    if (field.success && field.data !== undefined) (out as any)[key] = field.data;
  }
  return out;
}

/* ----------------------------------------------------------- trusted post-processing */

function isElement(node: unknown): node is Element {
  return typeof node === "object" && node !== null && (node as Element).type === "element";
}

function classList(el: Element): string[] {
  const c = el.properties?.className;
  return Array.isArray(c) ? c.map(String) : typeof c === "string" ? c.split(/\s+/) : [];
}

/**
 * Runs after sanitize, on HTML we trust: safe heading ids, in-page links that follow them, links
 * to other runbooks and images from the runbooks folder, live task checkboxes, copy buttons.
 * Returns the final set of element ids.
 */
function finishTree(tree: HastRoot, file: string, exists?: (file: string) => boolean): Set<string> {
  const ids = new Set<string>();
  eachElement(tree, (el: Element) => {
    const id = el.properties?.id;
    if (typeof id === "string") {
      const safe = !id.startsWith(CLOBBER_PREFIX) && isDangerousId(id) ? CLOBBER_PREFIX + id : id;
      el.properties.id = safe;
      ids.add(safe);
    }
  });

  let task = 0;
  const dir = path.posix.dirname(file);
  eachElement(tree, (el, index, parent) => {
    if (el.tagName === "a" && typeof el.properties.href === "string") {
      const href = rewriteHref(el.properties.href, dir, ids);
      const sibling = exists && href !== null ? siblingRunbook(el.properties.href, dir) : null;
      if (sibling && !exists!(sibling)) {
        const target = el.properties.href;
        el.tagName = "span";
        el.properties = { className: ["link-outside", "link-missing"], title: `Links to ${target}: there is no such runbook in the folder` };
        el.children.push({ type: "element", tagName: "small", properties: { className: ["link-outside-hint"] }, children: [{ type: "text", value: " (no such runbook)" }] });
        return "skip";
      }
      if (href !== null) el.properties.href = href;
      else {
        // Not served here: the words stay, with a hint instead of a dead link.
        const target = el.properties.href;
        el.tagName = "span";
        el.properties = { className: ["link-outside"], title: `Links to ${target}, outside the runbooks folder: not served by the portal` };
        el.children.push({ type: "element", tagName: "small", properties: { className: ["link-outside-hint"] }, children: [{ type: "text", value: " (outside the runbooks folder)" }] });
        return "skip";
      }
    } else if (el.tagName === "pre" && isMermaid(el)) {
      // Drawn in the browser when scrolled into view; the source stays readable until then.
      parent.children[index] = {
        type: "element",
        tagName: "div",
        properties: { className: ["mermaid-block"], dataMermaid: "" },
        children: [el],
      };
      return "skip";
    } else if (el.tagName === "img" && typeof el.properties.src === "string") {
      const src = rewriteAsset(el.properties.src, dir);
      if (src === null) {
        delete el.properties.src;
        el.properties.dataBlocked = "outside the runbooks folder";
      } else el.properties.src = src;
    } else if (el.tagName === "li" && classList(el).includes("task-list-item")) {
      const box = findTaskBox(el);
      if (box) {
        delete box.properties.disabled;
        box.properties.dataTask = String(task++);
        box.properties.dataTaskText = taskText(el);
        box.properties.ariaLabel = box.properties.dataTaskText;
      }
    } else if (el.tagName === "pre" && !(isElement(parent) && classList(parent).includes("code-block"))) {
      const wrapper: Element = {
        type: "element",
        tagName: "div",
        properties: { className: ["code-block"] },
        children: [
          el,
          {
            type: "element",
            tagName: "button",
            properties: { type: "button", className: ["copy-code"], dataCopyCode: "" },
            children: [{ type: "text", value: "Copy" }],
          },
        ],
      };
      parent.children[index] = wrapper;
      return "skip";
    }
  });
  return ids;
}

/**
 * Every element, depth first in document order, with its index and parent. The callback may replace
 * `parent.children[index]` (and return "skip" to not descend into the replacement). A plain loop:
 * unist-util-visit builds a closure and an ancestor list per node, a fifth of a cold render here.
 */
function eachElement(tree: HastRoot | Element, fn: (el: Element, index: number, parent: HastRoot | Element) => void | "skip"): void {
  const children = tree.children;
  for (let i = 0; i < children.length; i++) {
    const node = children[i]!;
    if (node.type !== "element") continue;
    if (fn(node, i, tree) === "skip") continue;
    const now = children[i]!;
    if (now.type === "element") eachElement(now, fn);
  }
}

function isMermaid(pre: Element): boolean {
  const code = pre.children.find(isElement);
  return !!code && code.tagName === "code" && classList(code).includes("language-mermaid");
}

function findTaskBox(li: Element): Element | undefined {
  for (const child of li.children) {
    if (isElement(child) && child.tagName === "input") return child;
    if (isElement(child) && child.tagName === "p") {
      const first = child.children.find((c) => isElement(c));
      if (first && isElement(first) && first.tagName === "input") return first;
    }
  }
  return undefined;
}

function taskText(li: Element): string {
  const parts: string[] = [];
  for (const child of li.children) {
    if (isElement(child) && (child.tagName === "ul" || child.tagName === "ol")) continue;
    parts.push(hastToString(child));
  }
  return parts.join(" ").replace(/\s+/g, " ").trim().slice(0, 300);
}

/** Where a relative runbook link or asset points, under the runbooks folder; null when it escapes. */
export function resolveRelative(dir: string, target: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(target);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return null;
  const joined = path.posix.normalize(path.posix.join("/", dir, decoded));
  if (!joined.startsWith("/") || joined.split("/").includes("..")) return null;
  // `normalize` of "/a/../../x" is "/x": detect climbing above the root explicitly.
  let depth = 0;
  for (const seg of path.posix.join(dir, decoded).split("/")) {
    if (seg === "..") depth--;
    else if (seg && seg !== ".") depth++;
    if (depth < 0) return null;
  }
  return joined.slice(1);
}

const EXTERNAL = /^[a-z][a-z0-9+.-]*:|^\/\//i;

function splitUrl(url: string): { pathPart: string; query: string; hash: string } {
  const hashAt = url.indexOf("#");
  const hash = hashAt >= 0 ? url.slice(hashAt) : "";
  const rest = hashAt >= 0 ? url.slice(0, hashAt) : url;
  const qAt = rest.indexOf("?");
  return { pathPart: qAt >= 0 ? rest.slice(0, qAt) : rest, query: qAt >= 0 ? rest.slice(qAt) : "", hash };
}

function encodePath(p: string): string {
  return p.split("/").map(encodeURIComponent).join("/");
}

function fragmentTarget(hash: string, ids: Set<string>): string {
  let id = hash.slice(1);
  try {
    id = decodeURIComponent(id);
  } catch {
    return hash;
  }
  if (ids.has(id)) return hash;
  if (ids.has(CLOBBER_PREFIX + id)) return `#${encodeURIComponent(CLOBBER_PREFIX + id)}`;
  return hash;
}

/** Where a link goes on the portal; null when it leaves the runbooks folder. */
function rewriteHref(href: string, dir: string, ids: Set<string>): string | null {
  if (href.startsWith("#")) return fragmentTarget(href, ids);
  if (EXTERNAL.test(href) || href.startsWith("/")) return href;
  const { pathPart, query, hash } = splitUrl(href);
  if (!pathPart) return href;
  const resolved = resolveRelative(dir, pathPart);
  if (resolved === null) return null;
  if (/\.md$/i.test(resolved)) return `/runbooks/${encodePath(resolved.replace(/\.md$/i, ""))}${hash}`;
  return `/runbook-assets/${encodePath(resolved)}${query}${hash}`;
}

/** The runbook a relative `.md` link names (posix path under the folder), or null for anything else. */
function siblingRunbook(href: string, dir: string): string | null {
  if (href.startsWith("#") || EXTERNAL.test(href) || href.startsWith("/")) return null;
  const { pathPart } = splitUrl(href);
  const resolved = pathPart ? resolveRelative(dir, pathPart) : null;
  return resolved && /\.md$/i.test(resolved) ? resolved : null;
}

function rewriteAsset(src: string, dir: string): string | null {
  if (EXTERNAL.test(src)) return src;
  if (src.startsWith("/")) return src.startsWith("/runbook-assets/") ? src : null;
  const { pathPart } = splitUrl(src);
  const resolved = resolveRelative(dir, pathPart);
  return resolved === null || resolved === "" ? null : `/runbook-assets/${encodePath(resolved)}`;
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, Math.max(0, offset)).split("\n").length;
}

function tableOfContents(tree: HastRoot, maxDepth: number): TocEntry[] {
  const toc: TocEntry[] = [];
  eachElement(tree, (el) => {
    const m = /^h([1-6])$/.exec(el.tagName);
    if (!m || Number(m[1]) > maxDepth || typeof el.properties.id !== "string" || classList(el).includes("sr-only")) return;
    const text = hastToString(el).replace(/\s+/g, " ").trim();
    if (text) toc.push({ depth: Number(m[1]), id: el.properties.id, text });
  });
  // The page shows the title itself: a lone leading h1 is not worth a TOC line.
  if (toc.length && toc[0].depth === 1 && !toc.slice(1).some((t) => t.depth === 1)) toc.shift();
  return toc;
}

/** Puts the generated contents list where the runbook wrote `[[_TOC_]]` or `[TOC]`. */
function placeTocMarkers(tree: HastRoot, nonce: string, toc: TocEntry[]): void {
  const list = (): Element => {
    const min = Math.min(...toc.map((t) => t.depth));
    return {
      type: "element",
      tagName: "nav",
      properties: { className: ["runbook-inline-toc"], ariaLabel: "Contents" },
      children: [
        {
          type: "element",
          tagName: "ul",
          properties: {},
          children: toc.map((t) => ({
            type: "element",
            tagName: "li",
            properties: { className: [`toc-depth-${t.depth - min}`] },
            children: [{ type: "element", tagName: "a", properties: { href: `#${encodeURIComponent(t.id)}` }, children: [{ type: "text", value: t.text }] }],
          })),
        },
      ],
    };
  };
  visit(tree as any, "element", (el: Element, index: number | undefined, parent: any) => {
    if (el.tagName !== SLOT_TAG || slotIndex(el, nonce) !== "toc" || !parent || index === undefined) return;
    if (toc.length) parent.children[index] = list();
    else parent.children.splice(index, 1);
    return index;
  });
}

/* ------------------------------------------------------------------ blocks */

type Segment = { nodes: ElementContent[] } | { slot: number };

function slotIndex(node: unknown, nonce: string): number | null | "foreign" | "toc" {
  if (!isElement(node) || node.tagName !== SLOT_TAG) return null;
  const v = String(node.properties.dataSlot ?? "");
  const [n, i] = v.split(":");
  // Raw HTML cannot guess the nonce, so it cannot plant widget slots.
  if (n === nonce && i === "toc") return "toc";
  return n === nonce && /^\d+$/.test(i) ? Number(i) : "foreign";
}

function containsSlot(node: ElementContent, nonce: string): boolean {
  if (!isElement(node)) return false;
  if (node.tagName === SLOT_TAG) return true;
  return node.children.some((c) => containsSlot(c, nonce));
}

const CONTINUED = Symbol("continued");

/** Splits nodes at slot placeholders; an element holding a slot is cut into clones around it. */
function segments(nodes: ElementContent[], nonce: string): Segment[] {
  const out: Segment[] = [];
  const push = (n: ElementContent) => {
    const last = out[out.length - 1];
    if (last && "nodes" in last) last.nodes.push(n);
    else out.push({ nodes: [n] });
  };
  for (const node of nodes) {
    const idx = slotIndex(node, nonce);
    if (idx === "foreign" || idx === "toc") continue;
    if (idx !== null) {
      out.push({ slot: idx });
      continue;
    }
    if (!isElement(node) || !containsSlot(node, nonce)) {
      push(node);
      continue;
    }
    const inner = segments(node.children, nonce);
    let liSeen = 0;
    let first = true;
    const start = node.tagName === "ol" ? Number(node.properties.start ?? 1) || 1 : 0;
    for (const seg of inner) {
      if ("slot" in seg) {
        out.push(seg);
        continue;
      }
      const wasFirst = first;
      first = false;
      // The rest of a list item cut by a slot: nothing left but white space.
      if (!wasFirst && seg.nodes.every((c) => c.type === "text" && !c.value.trim())) continue;
      const children = seg.nodes.filter((c) => !(isElement(c) && (c as any)[CONTINUED] && c.children.every((g) => g.type === "text" && !g.value.trim())));
      const clone: Element = { ...node, properties: { ...node.properties }, children };
      if (!wasFirst) {
        (clone as any)[CONTINUED] = true;
        delete clone.properties.id;
        if (node.tagName === "li") clone.properties.className = [...classList(clone), "continued"];
      }
      if (node.tagName === "ol" && liSeen > 0) {
        const leadsWithContinued = children.find(isElement) as any;
        clone.properties.start = start + liSeen - (leadsWithContinued?.[CONTINUED] ? 1 : 0);
      }
      for (const c of children) if (isElement(c) && c.tagName === "li" && !(c as any)[CONTINUED]) liSeen++;
      push(clone);
    }
  }
  return out;
}

function splitBlocks(tree: HastRoot, nonce: string): RenderedBlock[] {
  const blocks: RenderedBlock[] = [];
  for (const seg of segments(tree.children as ElementContent[], nonce)) {
    if ("slot" in seg) blocks.push({ type: "directive", index: seg.slot });
    else {
      const html = toHtml({ type: "root", children: seg.nodes } as any);
      if (html.trim()) blocks.push({ type: "html", html });
    }
  }
  return blocks;
}
