// Filters from config → a Firestore query plus the checks Firestore cannot do itself.
import { parseDuration } from "../plugin-api";
import { Timestamp, type DocumentData, type Firestore, type Query, type WhereFilterOp } from "./client.server";
import { SERVER_OPS, type QueryFilter, type RelativeTime, type TimestampType } from "./config";

const SERVER = new Set<string>(SERVER_OPS);

/**
 * Splits filters into those Firestore evaluates and those checked here on the returned documents:
 * `missing`/`exists`/`none-of` always; nested field paths too when talking to the emulator, which
 * does not implement them.
 */
export function splitFilters(filters: QueryFilter[], opts: { emulator: boolean }): { server: QueryFilter[]; client: QueryFilter[] } {
  const server: QueryFilter[] = [];
  const client: QueryFilter[] = [];
  for (const f of filters) {
    if (SERVER.has(f.op) && !(opts.emulator && f.field.includes("."))) server.push(f);
    else client.push(f);
  }
  return { server, client };
}

export function timeValue(at: Date, as: TimestampType): unknown {
  if (as === "millis") return at.getTime();
  if (as === "iso") return at.toISOString();
  return Timestamp.fromDate(at);
}

function isRelative(v: unknown): v is RelativeTime {
  return !!v && typeof v === "object" && !Array.isArray(v) && "ago" in v;
}

export function resolveValue(value: QueryFilter["value"], now: Date): unknown {
  if (isRelative(value)) return timeValue(new Date(now.getTime() - parseDuration(value.ago)), value.as);
  return value;
}

export function applyServerFilters(query: Query, filters: QueryFilter[], now: Date): Query {
  let q = query;
  for (const f of filters) q = q.where(f.field, f.op as WhereFilterOp, resolveValue(f.value, now));
  return q;
}

/** Reads a dotted field path from document data. */
export function getPath(data: DocumentData | undefined, path: string): unknown {
  let cur: unknown = data;
  for (const part of path.split(".")) {
    if (!cur || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function isTimestamp(v: unknown): v is Timestamp {
  return v instanceof Timestamp;
}

/** Equality and ordering with Firestore's rule that values of different types never match. */
function same(a: unknown, b: unknown): boolean {
  if (isTimestamp(a) && isTimestamp(b)) return a.isEqual(b);
  return a === b;
}

function compare(a: unknown, b: unknown): number | null {
  if (isTimestamp(a) && isTimestamp(b)) return a.toMillis() - b.toMillis() || a.nanoseconds - b.nanoseconds;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  return null;
}

export function matches(data: DocumentData, f: QueryFilter, now: Date): boolean {
  const v = getPath(data, f.field);
  const absent = v === undefined || v === null;
  const want = resolveValue(f.value, now);
  switch (f.op) {
    case "missing":
      return absent;
    case "exists":
      return !absent;
    case "none-of":
      return absent || !(want as unknown[]).some((w) => same(v, w));
    case "==":
      return v !== undefined && same(v, want);
    case "!=":
      return v !== undefined && !same(v, want);
    case "in":
      return v !== undefined && (want as unknown[]).some((w) => same(v, w));
    case "not-in":
      return v !== undefined && v !== null && !(want as unknown[]).some((w) => same(v, w));
    case "array-contains":
      return Array.isArray(v) && v.some((x) => same(x, want));
    case "array-contains-any":
      return Array.isArray(v) && v.some((x) => (want as unknown[]).some((w) => same(x, w)));
    default: {
      const c = compare(v, want);
      if (c === null) return false;
      if (f.op === "<") return c < 0;
      if (f.op === "<=") return c <= 0;
      if (f.op === ">") return c > 0;
      return c >= 0;
    }
  }
}

/** Milliseconds since epoch of a stored time: Timestamp, Date, epoch millis or ISO text. */
export function toMillis(v: unknown): number | null {
  if (isTimestamp(v)) return v.toMillis();
  if (v instanceof Date) return v.getTime();
  if (typeof v === "number" && Number.isFinite(v)) return v < 1e11 ? v * 1000 : v;
  if (typeof v === "string") {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

export function toIso(v: unknown): string | null {
  const ms = toMillis(v);
  return ms === null ? null : new Date(ms).toISOString();
}

/** Document data as plain JSON: Timestamps become ISO strings, references their paths. */
export function toPlain(v: unknown): unknown {
  if (v === undefined) return null;
  if (isTimestamp(v)) return v.toDate().toISOString();
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(toPlain);
  if (v && typeof v === "object") {
    const maybeRef = v as { path?: unknown; firestore?: unknown };
    if (typeof maybeRef.path === "string" && maybeRef.firestore) return maybeRef.path;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toPlain(x);
    return out;
  }
  return v;
}

export function collectionRef(db: Firestore, path: string) {
  return db.collection(path);
}
