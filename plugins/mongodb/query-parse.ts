// The mongosh subset that runbooks write (`db.orders.countDocuments({ status: "paid" })`), read by
// a hand-written tokenizer and parser into plain data for the driver. Nothing is ever evaluated:
// no eval, no Function, no vm. What is not in the subset is refused, naming the construct.
import { EJSON, Long, ObjectId } from "bson";

export const LIMITS = {
  input: 20_000,
  string: 4_096,
  regex: 512,
  depth: 64,
  tokens: 10_000,
  /** Largest magnitude of a number (safe integers: past this, a double no longer counts by one). */
  number: Number.MAX_SAFE_INTEGER,
} as const;

export type ReadMethod = "countDocuments" | "find" | "findOne" | "aggregate" | "distinct" | "estimatedDocumentCount";

export interface MongoQuery {
  collection: string;
  method: ReadMethod;
  filter: Record<string, unknown>;
  pipeline?: Record<string, unknown>[];
  key?: string;
  limit?: number;
  skip?: number;
  sort?: Record<string, unknown>;
  projection?: Record<string, unknown>;
}

/** A query outside the subset: `construct` names what was refused; the text is never run. */
export class MongoQueryError extends Error {
  override name = "MongoQueryError";
  constructor(
    message: string,
    readonly construct: string,
    readonly position?: number,
  ) {
    super(position === undefined ? message : `${message} (at character ${position + 1})`);
  }
}

const WRITE_METHODS = new Set([
  "insert", "insertOne", "insertMany", "update", "updateOne", "updateMany", "replaceOne", "remove", "delete", "deleteOne", "deleteMany",
  "drop", "dropIndex", "dropIndexes", "bulkWrite", "findAndModify", "findOneAndUpdate", "findOneAndReplace", "findOneAndDelete",
  "createIndex", "createIndexes", "ensureIndex", "renameCollection", "save", "mapReduce", "initializeOrderedBulkOp", "initializeUnorderedBulkOp",
  "watch", "hideIndex", "unhideIndex", "compactStructuredEncryptionData", "reIndex", "createSearchIndex", "updateSearchIndex", "dropSearchIndex",
]);
const READ_METHODS = new Set<string>(["countDocuments", "count", "find", "findOne", "aggregate", "distinct", "estimatedDocumentCount"]);
const CURSOR_METHODS = new Set(["limit", "skip", "sort", "project", "projection", "pretty", "toArray", "count", "itcount"]);
const REFUSED_OPERATORS = new Set(["$where", "$function", "$accumulator", "$out", "$merge"]);
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const JS_WORDS = new Set(["function", "this", "eval", "Function", "require", "process", "globalThis", "window", "import", "async", "await", "class", "var", "let", "const", "return", "while", "for", "if", "delete", "typeof", "void", "yield", "with"]);

type Tok =
  | { t: "ident"; v: string; at: number }
  | { t: "string"; v: string; at: number }
  | { t: "number"; v: number; at: number }
  | { t: "regex"; v: RegExp; at: number }
  | { t: "punct"; v: string; at: number }
  | { t: "end"; at: number };

const PUNCT = new Set(["(", ")", "{", "}", "[", "]", ",", ":", ".", "-", "+", "*", "/", ";"]);
const IDENT_START = /[A-Za-z_$]/;
const IDENT_PART = /[A-Za-z0-9_$]/;

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const refuse = (msg: string, construct: string, at = i): never => {
    throw new MongoQueryError(msg, construct, at);
  };
  while (i < src.length) {
    if (out.length > LIMITS.tokens) refuse(`more than ${LIMITS.tokens} tokens`, "size");
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "`") refuse("template literals are not part of the query language", "template literal");
    if (c === "/" && (src[i + 1] === "/" || src[i + 1] === "*")) refuse("comments are not supported in a query", "comment");
    if (c === '"' || c === "'") {
      let v = "";
      i++;
      for (;;) {
        if (i >= src.length) refuse("unterminated string", "string", start);
        const ch = src[i]!;
        if (ch === c) break;
        if (ch === "\n" || ch === "\r") refuse("unterminated string", "string", start);
        if (ch === "\\") {
          const e = src[i + 1];
          i += 2;
          if (e === undefined) refuse("unterminated string", "string", start);
          const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", v: "\v", "0": "\0", "\\": "\\", "'": "'", '"': '"', "/": "/" };
          if (e! in simple) v += simple[e!];
          else if (e === "u" || e === "x") {
            const len = e === "u" ? 4 : 2;
            const hex = src.slice(i, i + len);
            if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) refuse(`bad \\${e} escape`, "string", i);
            v += String.fromCharCode(parseInt(hex, 16));
            i += len;
          } else refuse(`unknown escape \\${e}`, "string", i - 2);
        } else {
          v += ch;
          i++;
        }
        if (v.length > LIMITS.string) refuse(`a string longer than ${LIMITS.string} characters`, "string length", start);
      }
      i++;
      out.push({ t: "string", v, at: start });
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      const m = /^(?:0[xXoObB]|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+\.)/.exec(src.slice(i, i + 64));
      if (!m || /^0[xXoObB]/.test(m[0])) refuse("only decimal numbers are accepted", "number", start);
      const text = m![0];
      if (text.replace(/^0+/, "").length > 40) refuse("a number with too many digits", "number magnitude", start);
      const v = Number(text);
      if (!Number.isFinite(v) || Math.abs(v) > LIMITS.number) refuse(`a number beyond ±${LIMITS.number}`, "number magnitude", start);
      i += text.length;
      if (IDENT_START.test(src[i] ?? "")) refuse("a number followed by letters", "number", start);
      out.push({ t: "number", v, at: start });
      continue;
    }
    if (IDENT_START.test(c)) {
      while (i < src.length && IDENT_PART.test(src[i]!)) i++;
      const v = src.slice(start, i);
      if (v.length > 128) refuse("an identifier longer than 128 characters", "identifier", start);
      out.push({ t: "ident", v, at: start });
      continue;
    }
    if (c === "/") {
      const prev = out[out.length - 1];
      const valuePosition = !prev || (prev.t === "punct" && ["(", ",", ":", "[", "{"].includes(prev.v));
      if (valuePosition) {
        let body = "";
        let inClass = false;
        i++;
        for (;;) {
          const ch = src[i];
          if (ch === undefined || ch === "\n" || ch === "\r") refuse("unterminated regular expression", "regex", start);
          if (ch === "\\") {
            body += ch + (src[i + 1] ?? "");
            i += 2;
            continue;
          }
          if (ch === "[") inClass = true;
          else if (ch === "]") inClass = false;
          else if (ch === "/" && !inClass) break;
          body += ch;
          i++;
          if (body.length > LIMITS.regex) refuse(`a regular expression longer than ${LIMITS.regex} characters`, "regex length", start);
        }
        i++;
        let flags = "";
        while (/[a-z]/i.test(src[i] ?? "")) flags += src[i++];
        if (!/^[imsu]*$/.test(flags) || new Set(flags).size !== flags.length) refuse(`regular expression flags "${flags}" (use i, m, s or u)`, "regex flags", start);
        let re: RegExp;
        try {
          re = new RegExp(body, flags);
        } catch (err) {
          return refuse(`invalid regular expression: ${(err as Error).message}`, "regex", start);
        }
        out.push({ t: "regex", v: re, at: start });
        continue;
      }
    }
    if (c === "=" && src[i + 1] === ">") refuse("arrow functions are not part of the query language", "function", start);
    if (PUNCT.has(c)) {
      out.push({ t: "punct", v: c, at: start });
      i++;
      continue;
    }
    refuse(`unexpected character ${JSON.stringify(c)}`, "syntax", start);
  }
  out.push({ t: "end", at: src.length });
  return out;
}

const describeTok = (t: Tok): string => (t.t === "end" ? "the end of the query" : t.t === "string" ? "a string" : t.t === "regex" ? "a regular expression" : `"${t.v}"`);

class Parser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly now: Date,
  ) {}

  private peek(o = 0): Tok {
    return this.toks[Math.min(this.i + o, this.toks.length - 1)]!;
  }
  private next(): Tok {
    return this.toks[Math.min(this.i++, this.toks.length - 1)]!;
  }
  private fail(msg: string, construct: string, tok: Tok = this.peek()): never {
    throw new MongoQueryError(msg, construct, tok.at);
  }
  private isPunct(v: string, o = 0): boolean {
    const t = this.peek(o);
    return t.t === "punct" && t.v === v;
  }
  private expect(v: string): Tok {
    const t = this.next();
    if (t.t !== "punct" || t.v !== v) this.fail(`expected "${v}" but found ${describeTok(t)}`, "syntax", t);
    return t;
  }
  private ident(): string {
    const t = this.next();
    if (t.t !== "ident") this.fail(`expected a name but found ${describeTok(t)}`, "syntax", t);
    return (t as { v: string }).v;
  }
  private enter(tok: Tok) {
    if (++this.depth > LIMITS.depth) this.fail(`nested deeper than ${LIMITS.depth} levels`, "nesting depth", tok);
  }
  private leave() {
    this.depth--;
  }

  query(): MongoQuery {
    const head = this.peek();
    if (head.t !== "ident" || head.v !== "db") this.fail(head.t === "ident" ? this.unknownIdent(head.v) : "a query starts with db.<collection>", head.t === "ident" ? head.v : "syntax");
    this.next();
    const collection = this.collectionName();
    this.expect(".");
    const mTok = this.peek();
    const method = this.ident();
    if (WRITE_METHODS.has(method)) this.fail(`${method}() writes; runbook queries are read-only`, `write method ${method}`, mTok);
    if (!READ_METHODS.has(method)) this.fail(`unknown collection method ${method}() (use countDocuments, find, findOne, aggregate, distinct or estimatedDocumentCount)`, `method ${method}`, mTok);
    const args = this.args();
    const q: MongoQuery = { collection, method: method === "count" ? "countDocuments" : (method as ReadMethod), filter: {} };
    const obj = (v: unknown, what: string, tok: Tok): Record<string, unknown> => {
      if (v === undefined) return {};
      if (!isPlainObject(v)) this.fail(`${what} must be an object`, "argument", tok);
      return v as Record<string, unknown>;
    };
    switch (q.method) {
      case "countDocuments": {
        if (args.length > 2) this.fail(`${method}() takes a filter and options`, "argument", mTok);
        q.filter = obj(args[0], "the filter", mTok);
        const o = obj(args[1], "the options", mTok);
        this.options(q, o, ["limit", "skip"], mTok);
        break;
      }
      case "find":
      case "findOne":
        if (args.length > 2) this.fail(`${method}() takes a filter and a projection`, "argument", mTok);
        q.filter = obj(args[0], "the filter", mTok);
        if (args[1] !== undefined) q.projection = obj(args[1], "the projection", mTok);
        if (q.method === "findOne") q.limit = 1;
        break;
      case "aggregate": {
        if (args.length < 1 || args.length > 2 || !Array.isArray(args[0])) this.fail("aggregate() takes a pipeline (an array of stages)", "argument", mTok);
        const stages = args[0] as unknown[];
        for (const s of stages) if (!isPlainObject(s) || Object.keys(s as object).length !== 1) this.fail("each pipeline stage is an object with one $stage key", "argument", mTok);
        q.pipeline = stages as Record<string, unknown>[];
        obj(args[1], "the options", mTok);
        break;
      }
      case "distinct":
        if (typeof args[0] !== "string" || args.length > 2) this.fail("distinct() takes a field name and a filter", "argument", mTok);
        q.key = args[0] as string;
        q.filter = obj(args[1], "the filter", mTok);
        break;
      case "estimatedDocumentCount":
        if (args.length > 1) this.fail("estimatedDocumentCount() takes no filter", "argument", mTok);
        break;
    }
    while (this.isPunct(".")) {
      this.next();
      const cTok = this.peek();
      const name = this.ident();
      if (WRITE_METHODS.has(name)) this.fail(`${name}() writes; runbook queries are read-only`, `write method ${name}`, cTok);
      if (!CURSOR_METHODS.has(name)) this.fail(`unknown cursor method .${name}() (use limit, sort, project or skip)`, `method ${name}`, cTok);
      const a = this.args();
      if (q.method !== "find") this.fail(`.${name}() follows find() only`, `method ${name}`, cTok);
      if (name === "limit" || name === "skip") {
        if (a.length !== 1 || typeof a[0] !== "number" || !Number.isInteger(a[0]) || (a[0] as number) < 0) this.fail(`.${name}() takes a whole number`, "argument", cTok);
        q[name] = a[0] as number;
      } else if (name === "sort" || name === "project" || name === "projection") {
        if (a.length !== 1 || !isPlainObject(a[0])) this.fail(`.${name}() takes an object`, "argument", cTok);
        if (name === "sort") q.sort = a[0] as Record<string, unknown>;
        else q.projection = a[0] as Record<string, unknown>;
      } else if (name === "pretty" || name === "toArray") {
        if (a.length) this.fail(`.${name}() takes no arguments`, "argument", cTok);
      } else if (name === "count" || name === "itcount") {
        if (a.length) this.fail(`.${name}() takes no arguments`, "argument", cTok);
        q.method = "countDocuments";
      } else this.fail(`unknown cursor method .${name}() (use limit, sort, project or skip)`, `method ${name}`, cTok);
    }
    if (this.isPunct(";")) this.next();
    const end = this.peek();
    if (end.t !== "end") this.fail(`unexpected ${describeTok(end)} after the query (one query per block)`, "syntax", end);
    return q;
  }

  private options(q: MongoQuery, o: Record<string, unknown>, allowed: ("limit" | "skip")[], tok: Tok) {
    for (const [k, v] of Object.entries(o)) {
      if (!allowed.includes(k as "limit")) this.fail(`unknown option ${k}`, `option ${k}`, tok);
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0) this.fail(`option ${k} takes a whole number`, "argument", tok);
      q[k as "limit"] = v as number;
    }
  }

  private collectionName(): string {
    let name: string;
    let tok: Tok;
    if (this.isPunct("[")) {
      this.next();
      tok = this.next();
      if (tok.t !== "string") this.fail("db[…] takes a collection name in quotes", "syntax", tok);
      name = (tok as { v: string }).v;
      this.expect("]");
    } else {
      this.expect(".");
      tok = this.peek();
      name = this.ident();
      if (name === "getCollection" || name === "getSiblingDB") {
        if (name === "getSiblingDB") this.fail("getSiblingDB() reads another database; use the configured database", "getSiblingDB", tok);
        this.expect("(");
        const s = this.next();
        if (s.t !== "string") this.fail("getCollection() takes a collection name in quotes", "syntax", s);
        name = (s as { v: string }).v;
        this.expect(")");
      } else if (WRITE_METHODS.has(name) || /^(dropDatabase|runCommand|adminCommand|eval|createCollection|createUser|dropUser|grantRolesToUser|shutdownServer|fsyncLock|setProfilingLevel|killOp|currentOp)$/.test(name)) {
        this.fail(`db.${name}() is not a read query`, `db.${name}`, tok);
      }
    }
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,119}$/.test(name) || name.includes("..") || name.endsWith(".")) this.fail(`"${name}" is not a collection name`, "collection", tok);
    if (FORBIDDEN_KEYS.has(name)) this.fail(`the name ${name} is refused`, name, tok);
    if (name === "system" || name.startsWith("system.")) this.fail(`system collections (${name}) are not readable from a runbook`, "system collection", tok);
    return name;
  }

  private args(): unknown[] {
    const open = this.expect("(");
    this.enter(open);
    const out: unknown[] = [];
    while (!this.isPunct(")")) {
      out.push(this.value());
      if (!this.isPunct(",")) break;
      this.next();
    }
    this.expect(")");
    this.leave();
    return out;
  }

  private value(): unknown {
    const t = this.peek();
    if (t.t === "punct" && t.v === "{") return this.object();
    if (t.t === "punct" && t.v === "[") return this.array();
    if (t.t === "string") {
      this.next();
      return t.v;
    }
    if (t.t === "regex") {
      this.next();
      return t.v;
    }
    if (t.t === "ident") {
      if (t.v === "true" || t.v === "false") {
        this.next();
        return t.v === "true";
      }
      if (t.v === "null") {
        this.next();
        return null;
      }
      if (t.v === "new") return this.construct();
      if (t.v === "ISODate") {
        this.next();
        return this.dateArgs(t);
      }
      if (t.v === "ObjectId") {
        this.next();
        this.expect("(");
        const s = this.next();
        if (s.t !== "string" || !/^[0-9a-fA-F]{24}$/.test(s.v)) this.fail("ObjectId() takes 24 hexadecimal digits in quotes", "ObjectId", s);
        this.expect(")");
        return ObjectId.createFromHexString((s as { v: string }).v);
      }
      if (t.v === "NumberLong" || t.v === "NumberInt") {
        this.next();
        this.expect("(");
        const s = this.next();
        const text = s.t === "string" ? s.v : s.t === "number" ? String(s.v) : "";
        if (!/^-?\d{1,19}$/.test(text)) this.fail(`${t.v}() takes a whole number`, t.v, s);
        this.expect(")");
        if (t.v === "NumberInt") {
          const n = Number(text);
          if (n > 2 ** 31 - 1 || n < -(2 ** 31)) this.fail("NumberInt() is out of the 32-bit range", "number magnitude", s);
          return n;
        }
        const big = BigInt(text);
        if (big > 9223372036854775807n || big < -9223372036854775808n) this.fail("NumberLong() is out of the 64-bit range", "number magnitude", s);
        return Long.fromBigInt(big);
      }
      if (t.v === "Date") return this.arithmetic();
      this.fail(this.unknownIdent(t.v), t.v);
    }
    if (t.t === "number" || (t.t === "punct" && (t.v === "-" || t.v === "+" || t.v === "("))) return this.arithmetic();
    return this.fail(`expected a value but found ${describeTok(t)}`, "syntax", t);
  }

  private unknownIdent(v: string): string {
    if (v === "function") return "function expressions are not part of the query language";
    if (v === "this") return "`this` is not part of the query language";
    if (JS_WORDS.has(v)) return `JavaScript (${v}) is not part of the query language`;
    return `unknown identifier ${v} (values are literals, new Date(…), ISODate(…), ObjectId(…) and NumberLong(…))`;
  }

  private construct(): unknown {
    const newTok = this.next();
    const t = this.peek();
    if (t.t === "ident" && t.v === "Date") {
      this.next();
      return this.dateArgs(t);
    }
    return this.fail(`new ${t.t === "ident" ? t.v : describeTok(t)} is not allowed (only new Date(…))`, t.t === "ident" ? `new ${t.v}` : "new", newTok);
  }

  private dateArgs(at: Tok): Date {
    this.expect("(");
    if (this.isPunct(")")) {
      this.next();
      return new Date(this.now.getTime());
    }
    let d: Date;
    const s = this.peek();
    if (s.t === "string") {
      this.next();
      if (!/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(s.v)) this.fail(`"${s.v}" is not an ISO date (e.g. 2026-03-01T12:00:00Z)`, "date", s);
      d = new Date(s.v);
    } else {
      d = new Date(this.arithmetic());
    }
    if (Number.isNaN(d.getTime())) this.fail("not a valid date", "date", at);
    this.expect(")");
    return d;
  }

  /** Numbers with + - * / and parentheses, and Date.now(): what `new Date(Date.now() - 10 * 60 * 1000)` needs. */
  private arithmetic(): number {
    const start = this.peek();
    this.enter(start);
    let v = this.term();
    while (this.isPunct("+") || this.isPunct("-")) {
      const op = this.next() as { v: string };
      const r = this.term();
      v = op.v === "+" ? v + r : v - r;
      this.checkNumber(v, start);
    }
    this.leave();
    return v;
  }
  private term(): number {
    const start = this.peek();
    let v = this.factor();
    while (this.isPunct("*") || this.isPunct("/")) {
      const op = this.next() as { v: string };
      const r = this.factor();
      if (op.v === "/" && r === 0) this.fail("division by zero", "arithmetic", start);
      v = op.v === "*" ? v * r : v / r;
      this.checkNumber(v, start);
    }
    return v;
  }
  private factor(): number {
    const t = this.next();
    if (t.t === "number") return t.v;
    if (t.t === "punct" && (t.v === "-" || t.v === "+")) {
      this.enter(t);
      const v = this.factor();
      this.leave();
      return t.v === "-" ? -v : v;
    }
    if (t.t === "punct" && t.v === "(") {
      const v = this.arithmetic();
      this.expect(")");
      return v;
    }
    if (t.t === "ident" && t.v === "Date") {
      this.expect(".");
      const m = this.peek();
      const name = this.ident();
      if (name !== "now") this.fail(`Date.${name} is not allowed (only Date.now())`, `Date.${name}`, m);
      this.expect("(");
      this.expect(")");
      return this.now.getTime();
    }
    if (t.t === "ident") this.fail(this.unknownIdent(t.v), t.v, t);
    return this.fail(`expected a number but found ${describeTok(t)}`, "syntax", t);
  }
  private checkNumber(v: number, at: Tok) {
    if (!Number.isFinite(v) || Math.abs(v) > LIMITS.number) this.fail(`arithmetic beyond ±${LIMITS.number}`, "number magnitude", at);
  }

  private object(): Record<string, unknown> {
    const open = this.expect("{");
    this.enter(open);
    const out: Record<string, unknown> = {};
    while (!this.isPunct("}")) {
      const k = this.next();
      let key: string;
      if (k.t === "string" || k.t === "ident") key = k.v;
      else if (k.t === "number") key = String(k.v);
      else return this.fail(`expected a key but found ${describeTok(k)}`, "syntax", k);
      if (FORBIDDEN_KEYS.has(key)) this.fail(`the key ${key} is refused`, key, k);
      if (REFUSED_OPERATORS.has(key)) this.fail(`${key} is refused: it runs code or writes`, key, k);
      if (key.length > 256) this.fail("a key longer than 256 characters", "key", k);
      if (this.isPunct("(")) this.fail(k.t === "ident" ? `methods in objects are not part of the query language` : "syntax", "function", k);
      this.expect(":");
      const v = this.value();
      if (Object.prototype.hasOwnProperty.call(out, key)) this.fail(`the key ${key} is given twice`, "duplicate key", k);
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      if (!this.isPunct(",")) break;
      this.next();
    }
    this.expect("}");
    this.leave();
    return out;
  }

  private array(): unknown[] {
    const open = this.expect("[");
    this.enter(open);
    const out: unknown[] = [];
    while (!this.isPunct("]")) {
      out.push(this.value());
      if (!this.isPunct(",")) break;
      this.next();
    }
    this.expect("]");
    this.leave();
    return out;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof RegExp) && !(v instanceof ObjectId) && !(v instanceof Long);
}

/**
 * Reads one mongosh query as runbooks write it. `now` is what `new Date()` and `Date.now()` mean
 * (a probe parses again at each read). Throws MongoQueryError naming the refused construct.
 */
export function parseMongoQuery(text: string, now: Date = new Date()): MongoQuery {
  if (typeof text !== "string") throw new MongoQueryError("the query must be text", "type");
  if (text.length > LIMITS.input) throw new MongoQueryError(`a query longer than ${LIMITS.input} characters`, "input length");
  const trimmed = text.trim();
  if (!trimmed) throw new MongoQueryError("the query is empty", "empty");
  return new Parser(tokenize(trimmed), now).query();
}

/** Cheap shape test for live blocks: text that reads like `db.<collection>.<method>(`. */
export function mongoQueryShape(text: string): boolean {
  const t = text.trim();
  if (t.length < 8 || t.length > LIMITS.input) return false;
  return /^db\s*(?:\.\s*[A-Za-z_$][\w$]*|\.getCollection\(\s*["'][^"']+["']\s*\)|\[\s*["'][^"']+["']\s*\])\s*\.\s*[A-Za-z]+\s*\(/.test(t) && /\)\s*;?$/.test(t);
}

/** True when both texts parse to the same query (quotes, spacing, bare or quoted keys aside). */
export function sameMongoQuery(a: string, b: string): boolean {
  const at = new Date(0);
  try {
    return EJSON.stringify(parseMongoQuery(a, at) as never, { relaxed: false }) === EJSON.stringify(parseMongoQuery(b, at) as never, { relaxed: false });
  } catch {
    return false;
  }
}
