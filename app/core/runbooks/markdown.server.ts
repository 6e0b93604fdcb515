// Markdown → mdast with marked's lexer. The renderer downstream (remark-rehype, sanitize, slugs,
// KaTeX, highlighting) works on mdast as before; only the tokenizer changed: micromark spent ~90%
// of a cold render of a 60 KB runbook building its event lists, marked's lexer is ~10× faster
// (measured in bench/runbooks.ts, see the README). What remark's plugins added is here too:
// YAML front matter, GFM (tables, task lists, strikethrough, autolinks, footnotes), leaf and
// container directives (`::status{probe="x"}`, `:::name … :::`), and `$$` math (display and inline;
// a single `$` stays text). Positions are found by locating each token's source text, so lines
// reported for directives, links and HTML are the lines they are written on.
import { decodeHTMLStrict as decodeHTML } from "entities";
import { Marked, type MarkedExtension, type Token, type Tokens, type TokenizerAndRendererExtension } from "marked";

export type MdastNode = { type: string; position?: Position; [key: string]: any };
export type MdastRoot = { type: "root"; children: MdastNode[]; position?: Position };
interface Point {
  line: number;
  column: number;
  offset: number;
}
interface Position {
  start: Point;
  end: Point;
}

const FRONT_MATTER = /^---[ \t]*\n([\s\S]*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)/;
const DIRECTIVE_START = /^ {0,3}(:{2,})([A-Za-z][\w-]*)/;
/** A tag CommonMark takes for inline HTML; anything else in angle brackets (`<BUCKET_NAME>`) is text. */
const INLINE_HTML = /^(?:<[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>|<\/[A-Za-z][A-Za-z0-9-]*\s*>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<![A-Za-z][^>]*>|<!\[CDATA\[[\s\S]*?\]\]>)$/;

/**
 * `::name[label]{attributes}` alone on its line (`colons` exactly 2 for a leaf, 3+ for a container
 * opening). Attributes are scanned with their quotes, so `{promql='x{a="b"}'}` is one attribute.
 */
function directiveHead(src: string, colons: 2 | 3): { raw: string; fence: string; name: string; label?: string; attributes?: string } | null {
  const m = DIRECTIVE_START.exec(src);
  if (!m || (colons === 2 ? m[1]!.length !== 2 : m[1]!.length < 3)) return null;
  let i = m[0].length;
  let label: string | undefined;
  let attributes: string | undefined;
  if (src[i] === "[") {
    const end = src.indexOf("]", i);
    if (end < 0 || src.slice(i, end).includes("\n")) return null;
    label = src.slice(i + 1, end);
    i = end + 1;
  }
  if (src[i] === "{") {
    let quote: string | null = null;
    let j = i + 1;
    for (; j < src.length; j++) {
      const c = src[j]!;
      if (c === "\n") return null;
      if (quote) {
        if (c === quote) quote = null;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === "}") break;
    }
    if (j >= src.length) return null;
    attributes = src.slice(i + 1, j);
    i = j + 1;
  }
  const tail = /^[ \t]*(?:\n+|$)/.exec(src.slice(i));
  if (!tail) return null;
  return { raw: src.slice(0, i + tail[0].length), fence: m[1]!, name: m[2]!, label, attributes };
}
const MATH_BLOCK = /^ {0,3}\$\$([^\n$]*)\n([\s\S]*?)\n? {0,3}\$\$[ \t]*(?:\n+|$)/;
const FOOTNOTE_DEF = /^ {0,3}\[\^([^\]\s]+)\]:[ \t]*([^\n]*(?:\n(?:(?: {4}|\t)[^\n]*|[ \t]*(?=\n(?: {4}|\t))))*)(?:\n+|$)/;
const FOOTNOTE_REF = /^\[\^([^\]\s]+)\]/;
const INLINE_MATH = /^\$\$(?!\$)([^\n]*?[^\s$][^\n]*?|[^\s$])\$\$(?!\$)/;

/** `{#id .class key="v" key='v' key=v flag}` as remark-directive reads it. */
export function parseAttributes(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  const classes: string[] = [];
  const re = /\s*(?:#([^\s#.="'{}]+)|\.([^\s#.="'{}]+)|([^\s#.="'{}]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`{}]+)))?)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text))) {
    if (m[0] === "") break;
    if (m[1] !== undefined) out.id = m[1];
    else if (m[2] !== undefined) classes.push(m[2]);
    else if (m[3] !== undefined) out[m[3]] = decodeHTML(m[4] ?? m[5] ?? m[6] ?? "");
  }
  if (classes.length) out.class = classes.join(" ");
  return out;
}

function extensions(body: string, footnotes: Set<string>): MarkedExtension {
  const leaf: TokenizerAndRendererExtension = {
    name: "leafDirective",
    level: "block",
    start: (src) => src.match(/(?:^|\n) {0,3}::[A-Za-z]/)?.index,
    tokenizer(src) {
      const head = directiveHead(src, 2);
      if (!head) return undefined;
      return { type: "leafDirective", raw: head.raw, name: head.name, label: head.label, attributes: parseAttributes(head.attributes), tokens: head.label ? this.lexer.inlineTokens(head.label) : [] };
    },
  };
  const container: TokenizerAndRendererExtension = {
    name: "containerDirective",
    level: "block",
    start: (src) => src.match(/(?:^|\n) {0,3}:::/)?.index,
    tokenizer(src) {
      const open = directiveHead(src, 3);
      if (!open) return undefined;
      const rest = src.slice(open.raw.length);
      const close = new RegExp(`(?:^|\\n) {0,3}${open.fence}[ \\t]*(?:\\n+|$)`).exec(rest);
      const inner = close ? rest.slice(0, close.index) : rest;
      const raw = open.raw + (close ? rest.slice(0, close.index + close[0].length) : rest);
      return { type: "containerDirective", raw, name: open.name, attributes: parseAttributes(open.attributes), tokens: this.lexer.blockTokens(inner, []) };
    },
  };
  const math: TokenizerAndRendererExtension = {
    name: "mathBlock",
    level: "block",
    start: (src) => src.match(/(?:^|\n) {0,3}\$\$/)?.index,
    tokenizer(src) {
      const m = MATH_BLOCK.exec(src);
      if (!m) return undefined;
      return { type: "mathBlock", raw: m[0], meta: m[1]!.trim() || null, text: m[2]! };
    },
  };
  const footnoteDef: TokenizerAndRendererExtension = {
    name: "footnoteDefinition",
    level: "block",
    start: (src) => src.match(/(?:^|\n) {0,3}\[\^/)?.index,
    tokenizer(src) {
      const m = FOOTNOTE_DEF.exec(src);
      if (!m) return undefined;
      const body = m[2]!.replace(/\n(?: {4}|\t)/g, "\n");
      return { type: "footnoteDefinition", raw: m[0], label: m[1], tokens: this.lexer.blockTokens(body, []) };
    },
  };
  const footnoteRef: TokenizerAndRendererExtension = {
    name: "footnoteReference",
    level: "inline",
    start: (src) => src.indexOf("[^") >= 0 ? src.indexOf("[^") : undefined,
    tokenizer(src) {
      const m = FOOTNOTE_REF.exec(src);
      if (!m || !footnotes.has(m[1]!.toLowerCase())) return undefined;
      return { type: "footnoteReference", raw: m[0], label: m[1] };
    },
  };
  const inlineMath: TokenizerAndRendererExtension = {
    name: "inlineMath",
    level: "inline",
    start: (src) => (src.indexOf("$$") >= 0 ? src.indexOf("$$") : undefined),
    tokenizer(src) {
      const m = INLINE_MATH.exec(src);
      if (!m) return undefined;
      return { type: "inlineMath", raw: m[0], text: m[1]!.trim() };
    },
  };
  const none = () => "";
  for (const e of [leaf, container, math, footnoteDef, footnoteRef, inlineMath]) Object.assign(e, { renderer: none });
  // marked asks every extension's start() at each paragraph, over the rest of the document: only
  // the extensions whose syntax the document contains at all are registered.
  const used: TokenizerAndRendererExtension[] = [];
  if (/(?:^|\n) {0,3}:::/.test(body)) used.push(container);
  if (/(?:^|\n) {0,3}::[A-Za-z]/.test(body)) used.push(leaf);
  if (body.includes("$$")) used.push(math, inlineMath);
  if (footnotes.size) used.push(footnoteDef, footnoteRef);
  return { gfm: true, extensions: used };
}

/** Parses Markdown into mdast (the shapes remark-parse with the plugins above would give). */
export function parseMarkdown(input: string, options: { chunked?: boolean } = {}): MdastRoot {
  const source = input.replace(/\r\n?/g, "\n");
  const { point, span } = positions(source);
  const children: MdastNode[] = [];
  let body = source;
  const fm = FRONT_MATTER.exec(source);
  if (fm) {
    children.push({ type: "yaml", value: fm[1]!, position: span(0, fm[0].replace(/\n$/, "").length) });
    // Blank lines in its place keep every later offset and line where it is in the file.
    body = fm[0].replace(/[^\n]/g, " ") + source.slice(fm[0].length);
  }
  const chunks = options.chunked === false ? null : splitChunks(body);
  if (!chunks) children.push(...parseBlocks(body));
  else {
    // Each chunk is parsed on its own (or taken from the cache) and moved to its place in the file.
    for (const [start, end] of chunks) {
      const text = body.slice(start, end);
      const at = point(start);
      for (const node of chunkBlocks(text)) children.push(moved(node, start, at.line - 1));
    }
  }
  return { type: "root", children, position: span(0, source.length) };
}

function positions(source: string) {
  const lineStarts = [0];
  for (let i = source.indexOf("\n"); i >= 0; i = source.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  const point = (offset: number): Point => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1, offset };
  };
  const span = (start: number, end: number): Position => ({ start: point(start), end: point(Math.max(start, end)) });
  return { point, span };
}

/* ------------------------------------------------------------ chunked parsing */

// A runbook edited during an incident changes in one place: the document is cut at boundaries
// where no block can continue across (a blank line, then a line at column 0 that starts neither a
// list item nor anything indented, outside fences, math, container directives and multi-line HTML
// blocks), each chunk is parsed alone, and a chunk seen before is taken from the cache. Documents
// with link reference or footnote definitions are parsed whole: their chunks depend on each other.
// markdown.server.test.ts requires the chunked parse to equal the whole one on every runbook,
// fixture and seed, positions included.

const DEFINITION = /^ {0,3}\[[^\]\n]*\]:/m;
const LIST_ITEM = /^(?:[*+-]|\d{1,9}[.)])(?:[ \t]|$)/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const HTML_OPEN: [RegExp, RegExp][] = [
  [/^ {0,3}<(?:script|pre|style|textarea)(?:\s|>|$)/i, /<\/(?:script|pre|style|textarea)>/i],
  [/<!--/, /-->/],
  [/^ {0,3}<\?/, /\?>/],
  [/^ {0,3}<![A-Za-z]/, />/],
  [/^ {0,3}<!\[CDATA\[/, /\]\]>/],
];
/** Below this size a document is parsed whole: cutting it costs more than it saves. */
const MIN_CHUNKED = 4_000;

/** [start, end) offsets of independent chunks covering `body`, or null when it must be parsed whole. */
export function splitChunks(body: string): [number, number][] | null {
  if (body.length < MIN_CHUNKED || DEFINITION.test(body)) return null;
  const cuts: number[] = [0];
  let fence: { char: string; len: number } | null = null;
  let html: RegExp | null = null;
  let math = false;
  let container = 0;
  let blankBefore = false;
  let at = 0;
  while (at < body.length) {
    const nl = body.indexOf("\n", at);
    const end = nl < 0 ? body.length : nl;
    const line = body.slice(at, end);
    const blank = line.trim() === "";
    const inside = fence !== null || html !== null || math || container > 0;
    if (!inside && blankBefore && !blank && !/^[ \t]/.test(line) && !LIST_ITEM.test(line) && at > 0) cuts.push(at);
    // What this line opens or closes, for the lines after it.
    if (fence) {
      const f = FENCE.exec(line);
      if (f && f[1]![0] === fence.char && f[1]!.length >= fence.len && line.trim() === f[1]) fence = null;
    } else if (html) {
      if (html.test(line)) html = null;
    } else if (math) {
      // The block's text ends at the first `$$` after its opening line.
      if (line.includes("$$")) math = false;
    } else {
      const f = FENCE.exec(line);
      if (f) fence = { char: f[1]![0]!, len: f[1]!.length };
      else if (/^ {0,3}\$\$[^$]*$/.test(line)) math = true;
      else {
        for (const [open, close] of HTML_OPEN) {
          const m = open.exec(line);
          if (m && !close.test(line.slice(m.index + m[0].length))) {
            html = close;
            break;
          }
        }
      }
      const c = /^ {0,3}(:{3,})(.*)$/.exec(line);
      if (c && !fence && !html) {
        if (c[2]!.trim() === "") container = Math.max(0, container - 1);
        else container++;
      }
    }
    blankBefore = blank;
    at = end + 1;
  }
  if (cuts.length < 2) return null;
  return cuts.map((start, i) => [start, i + 1 < cuts.length ? cuts[i + 1]! : body.length]);
}

/** Parsed chunks by their text: at most 2 000 of them and 2 MB of text (a team's runbooks folder). */
const chunkCache = new Map<string, MdastNode[]>();
let chunkCacheChars = 0;

function chunkBlocks(text: string): MdastNode[] {
  const hit = chunkCache.get(text);
  if (hit) {
    chunkCache.delete(text);
    chunkCache.set(text, hit);
    return hit;
  }
  const blocks = parseBlocks(text);
  chunkCache.set(text, blocks);
  chunkCacheChars += text.length;
  while (chunkCache.size > 2_000 || chunkCacheChars > 2_000_000) {
    const oldest = chunkCache.keys().next().value!;
    chunkCacheChars -= oldest.length;
    chunkCache.delete(oldest);
  }
  return blocks;
}

/** A copy of a cached node, moved by `offset` characters and `lines` lines (the render changes its copy). */
function moved(node: MdastNode, offset: number, lines: number): MdastNode {
  const out: MdastNode = { type: node.type };
  for (const key in node) {
    if (key === "type") continue;
    const v = node[key];
    if (key === "position" && v) out.position = { start: movePoint(v.start, offset, lines), end: movePoint(v.end, offset, lines) };
    else if (key === "children" && Array.isArray(v)) out.children = v.map((c: MdastNode) => moved(c, offset, lines));
    else out[key] = v !== null && typeof v === "object" ? structuredClone(v) : v;
  }
  return out;
}

const movePoint = (p: Point, offset: number, lines: number): Point => ({ line: p.line + lines, column: p.column, offset: p.offset + offset });

/** Block-level mdast of `source` on its own: positions count from its first character. */
function parseBlocks(source: string): MdastNode[] {
  const { span } = positions(source);
  const footnotes = new Set<string>();
  for (const m of source.matchAll(/^ {0,3}\[\^([^\]\s]+)\]:/gm)) footnotes.add(m[1]!.toLowerCase());
  const marked = new Marked(extensions(source, footnotes));
  const tokens = marked.lexer(source);

  /** Where a token's text starts at or after `from` (its raw, else its first line), or `from`. */
  // Searched within a window after `from`: a token whose text is not in the file as written (a
  // quote's lines without their `>`) must not send every search to the end of the document.
  const WINDOW = 4_096;
  // A token lies inside the token that holds it: searches end where the holder ends (when the
  // holder's text stands verbatim in the file, so its end is known).
  let limit = source.length;
  const inside = <T>(t: Token, at: number, fn: () => T): T => {
    if (!t.raw || !source.startsWith(t.raw, at)) return fn();
    const saved = limit;
    limit = Math.min(saved, at + t.raw.length);
    try {
      return fn();
    } finally {
      limit = saved;
    }
  };
  const locate = (raw: string, from: number): number => {
    if (!raw) return from;
    if (source.startsWith(raw, from)) return from;
    const window = source.slice(from, Math.min(limit, from + WINDOW + raw.length));
    const exact = window.indexOf(raw);
    const newline = raw.indexOf("\n");
    const first = (newline < 0 ? raw : raw.slice(0, newline)).trim() || raw.split("\n").find((l) => l.trim())?.trim();
    const loose = first ? window.indexOf(first) : -1;
    // The token is the next text after `from`: its first line found earlier than the whole raw
    // means the raw was not written as it stands there (a list item's code, indented) and the
    // exact match is a copy further down.
    if (exact >= 0 && (loose < 0 || exact <= loose)) return from + exact;
    return loose >= 0 ? from + loose : from;
  };

  const inline = (list: Token[] | undefined, from: number): MdastNode[] => {
    const out: MdastNode[] = [];
    let cursor = from;
    for (const t of list ?? []) {
      const at = locate(t.raw, cursor);
      const end = at + t.raw.length;
      const position = span(at, end);
      cursor = source.startsWith(t.raw, at) ? end : at;
      const node = inside(t, at, () => inlineNode(t, position, at));
      if (!node) continue;
      const last = out[out.length - 1];
      // Adjacent text (marked splits at escapes and entities) is one text node, as in remark.
      if (node.type === "text" && last?.type === "text") {
        last.value += node.value;
        if (last.position) last.position.end = position.end;
      } else out.push(node);
    }
    return out;
  };

  const inlineNode = (t: Token, position: Position, at: number): MdastNode | null => {
    switch (t.type) {
      case "text": {
        const x = t as Tokens.Text;
        if (x.tokens?.length) return { type: "fragment", children: inline(x.tokens, at), position };
        return { type: "text", value: x.escaped ? x.text : decodeHTML(x.text), position };
      }
      case "escape":
        return { type: "text", value: (t as Tokens.Escape).text, position };
      case "strong":
        return { type: "strong", children: inline((t as Tokens.Strong).tokens, at + 2), position };
      case "em":
        return { type: "emphasis", children: inline((t as Tokens.Em).tokens, at + 1), position };
      case "del":
        return { type: "delete", children: inline((t as Tokens.Del).tokens, at + 1), position };
      case "codespan":
        return { type: "inlineCode", value: (t as Tokens.Codespan).text, position };
      case "br":
        return { type: "break", position };
      case "link": {
        const x = t as Tokens.Link;
        // GFM's e-mail autolink: the domain ends in a letter and the address is not cut out of a
        // longer word, so a package spec (`some-cli@1.2.3`) stays text; marked links both.
        if (x.href === `mailto:${x.raw}` && (!/[A-Za-z]$/.test(x.raw) || /[\w-]/.test(source[at + x.raw.length] ?? ""))) {
          return { type: "text", value: x.raw, position };
        }
        return { type: "link", url: x.href, title: x.title ?? null, children: inline(x.tokens, at + 1), position };
      }
      case "image": {
        const x = t as Tokens.Image;
        return { type: "image", url: x.href, title: x.title ?? null, alt: decodeHTML(x.text), position };
      }
      case "html": {
        const raw = (t as Tokens.HTML).raw;
        return INLINE_HTML.test(raw) ? { type: "html", value: raw, position } : { type: "text", value: raw, position };
      }
      case "footnoteReference": {
        const label = String((t as any).label);
        return { type: "footnoteReference", identifier: label.toLowerCase(), label, position };
      }
      case "inlineMath": {
        const value = String((t as any).text);
        return { type: "inlineMath", value, data: { hName: "code", hProperties: { className: ["language-math", "math-inline"] }, hChildren: [{ type: "text", value }] }, position };
      }
      default:
        return "raw" in t && t.raw ? { type: "text", value: t.raw, position } : null;
    }
  };

  /** Inline children with fragments (marked's nested text tokens) flattened. */
  const phrasing = (list: Token[] | undefined, from: number): MdastNode[] => flatten(inline(list, from));
  const flatten = (nodes: MdastNode[]): MdastNode[] => {
    const out: MdastNode[] = [];
    for (const n of nodes) {
      if (n.type === "fragment") out.push(...flatten(n.children));
      else {
        if (Array.isArray(n.children) && n.type !== "fragment") n.children = flatten(n.children);
        const last = out[out.length - 1];
        if (n.type === "text" && last?.type === "text") last.value += n.value;
        else out.push(n);
      }
    }
    return out;
  };

  const blocks = (list: Token[] | undefined, from: number): MdastNode[] => {
    const out: MdastNode[] = [];
    let cursor = from;
    for (const t of list ?? []) {
      if (t.type === "space") {
        cursor = locate(t.raw, cursor) + t.raw.length;
        continue;
      }
      const at = locate(t.raw, cursor);
      const rawEnd = at + t.raw.replace(/\n+$/, "").length;
      cursor = source.startsWith(t.raw, at) ? at + t.raw.length : at + 1;
      const node = inside(t, at, () => blockNode(t, span(at, rawEnd), at));
      if (node) out.push(node);
    }
    return out;
  };

  const blockNode = (t: Token, position: Position, at: number): MdastNode | null => {
    switch (t.type) {
      case "heading": {
        const x = t as Tokens.Heading;
        return { type: "heading", depth: x.depth, children: phrasing(x.tokens, at), position };
      }
      case "paragraph":
        return { type: "paragraph", children: trimLines(phrasing((t as Tokens.Paragraph).tokens, at)), position };
      case "text": {
        const x = t as Tokens.Text;
        return { type: "paragraph", children: trimLines(x.tokens ? phrasing(x.tokens, at) : [{ type: "text", value: decodeHTML(x.text) }]), position };
      }
      case "code": {
        const x = t as Tokens.Code;
        const info = (x.lang ?? "").trim();
        const space = info.search(/\s/);
        const lang = info ? (space < 0 ? info : info.slice(0, space)) : null;
        const meta = info && space >= 0 ? info.slice(space + 1).trim() || null : null;
        return { type: "code", lang: lang ? decodeHTML(lang) : null, meta, value: x.text, position };
      }
      case "mathBlock":
        return mathNode(String((t as any).text), (t as any).meta ?? null, position);
      case "blockquote":
        return { type: "blockquote", children: blocks((t as Tokens.Blockquote).tokens, at), position };
      case "list": {
        const x = t as Tokens.List;
        let cursor = at;
        const items = x.items.map((item) => {
          const start = locate(item.raw, cursor);
          cursor = start + Math.max(1, item.raw.length);
          const kids = inside(item, start, () => blocks(item.tokens.filter((k) => k.type !== "checkbox"), start));
          return { type: "listItem", spread: item.loose, checked: item.task ? Boolean(item.checked) : null, children: kids, position: span(start, start + item.raw.replace(/\n+$/, "").length) };
        });
        return { type: "list", ordered: x.ordered, start: x.ordered ? Number(x.start === "" ? 1 : x.start) : null, spread: x.loose, children: items, position };
      }
      case "table": {
        const x = t as Tokens.Table;
        const row = (cells: Tokens.TableCell[]) => ({ type: "tableRow", children: cells.map((c) => ({ type: "tableCell", children: phrasing(c.tokens, at) })) });
        return { type: "table", align: x.align.map((a) => a ?? null), children: [row(x.header), ...x.rows.map(row)], position };
      }
      case "hr":
        return { type: "thematicBreak", position };
      case "html":
        return { type: "html", value: (t as Tokens.HTML).text.replace(/\n+$/, ""), position };
      case "def": {
        const x = t as Tokens.Def;
        return { type: "definition", identifier: x.tag.toLowerCase(), label: x.tag, url: x.href, title: x.title || null, position };
      }
      case "leafDirective": {
        const x = t as any;
        return { type: "leafDirective", name: x.name, attributes: x.attributes, children: phrasing(x.tokens, at), position };
      }
      case "containerDirective": {
        const x = t as any;
        return { type: "containerDirective", name: x.name, attributes: x.attributes, children: blocks(x.tokens, at), position };
      }
      case "footnoteDefinition": {
        const x = t as any;
        return { type: "footnoteDefinition", identifier: String(x.label).toLowerCase(), label: x.label, children: blocks(x.tokens, at), position };
      }
      default:
        return "raw" in t && t.raw.trim() ? { type: "paragraph", children: [{ type: "text", value: t.raw.trim() }], position } : null;
    }
  };

  return blocks(tokens, 0);
}

/** A paragraph's lines lose their leading and trailing blanks, as CommonMark says (marked keeps some). */
function trimLines(children: MdastNode[]): MdastNode[] {
  for (const n of children) if (n.type === "text") n.value = n.value.replace(/[ \t]*\n[ \t]*/g, "\n");
  const first = children[0];
  if (first?.type === "text") first.value = first.value.replace(/^[ \t]+/, "");
  const last = children[children.length - 1];
  if (last?.type === "text") last.value = last.value.replace(/[ \t]+$/, "");
  return children.filter((n) => n.type !== "text" || n.value !== "");
}

/** The shape remark-math gives `$$` blocks and ```math fences: rehype-katex renders them. */
function mathNode(value: string, meta: string | null, position: Position): MdastNode {
  return {
    type: "math",
    value,
    meta,
    data: { hName: "pre", hChildren: [{ type: "element", tagName: "code", properties: { className: ["language-math", "math-display"] }, children: [{ type: "text", value }] }] },
    position,
  };
}
