import crypto from "node:crypto";
import { sql, type Kysely } from "kysely";
import { InputError } from "../../../plugins/errors";
import type { Database } from "../db/schema";
import type { Store } from "../db/store.server";
import { scrub } from "../secrets/index.server";

export const GENESIS_HASH = "0".repeat(64);
/** pg_advisory_xact_lock key that serializes appends from every instance into one chain. */
const PG_AUDIT_LOCK = 720_430_901;

export type AuditOutcome =
  | "requested"
  | "denied"
  | "invalid"
  | "rate_limited"
  | "locked"
  | "duplicate"
  | "approved"
  | "rejected"
  | "expired"
  | "started"
  | "succeeded"
  | "failed"
  | "interrupted"
  | "cancel_requested"
  | "cancelled"
  | "reviewed"
  | "token_created"
  | "token_revoked"
  /** A dry run could not complete because the provider failed (401, 429, 5xx, timeout). */
  | "upstream_failed"
  /** A waiting request whose live preview changed before approval: it must be requested again. */
  | "superseded";

export interface AuditInput {
  actor: string;
  roles: readonly string[];
  /** Action id (`demo.flush-cache`) or a portal event (`auth.token`). */
  action: string;
  target: string;
  outcome: AuditOutcome;
  details?: Record<string, unknown>;
  incidentId?: string | null;
  runId?: string | null;
}

/** One stored entry: exactly the `audit_entries` row. */
export type AuditEntry = Database["audit_entries"];
/** What an entry's hash covers: every column but the hash and the MAC. */
export type EntryContent = Omit<AuditEntry, "hash" | "mac">;

export type Db = Kysely<Database>;

/** Deeper values than this are refused by canonicalJson (a 400 at the edge, never a stack overflow). */
export const MAX_JSON_DEPTH = 256;

/** A value nested deeper than MAX_JSON_DEPTH: input to refuse, not a server failure. */
export class JsonTooDeepError extends InputError {
  constructor() {
    super(`the value is nested more than ${MAX_JSON_DEPTH} levels deep`);
  }
}

/** JSON with object keys sorted at every level: one byte string per value. Throws JsonTooDeepError past MAX_JSON_DEPTH. */
export function canonicalJson(value: unknown): string {
  return canonicalAt(value, 0);
}

function canonicalAt(value: unknown, depth: number): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) return "null";
    return value === undefined ? "null" : JSON.stringify(value);
  }
  if (depth >= MAX_JSON_DEPTH) throw new JsonTooDeepError();
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalAt(v, depth + 1))).join(",")}]`;
  const keys = Object.keys(value as object)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalAt((value as Record<string, unknown>)[k], depth + 1)}`).join(",")}}`;
}

/**
 * The canonical serialization an entry's hash covers: every field but the hash, keys sorted.
 * Written out by hand (same bytes as canonicalJson of that object) because verify runs it a million times.
 */
export function entryCanonical(e: EntryContent): string {
  const j = JSON.stringify;
  return (
    `{"action":${j(e.action)},"actor":${j(e.actor)},"at":${j(e.at)},"details":${j(e.details)},"incidentId":${j(e.incident_id ?? null)},` +
    `"outcome":${j(e.outcome)},"prevHash":${j(e.prev_hash)},"roles":${j(e.roles)},"runId":${j(e.run_id ?? null)},"seq":${j(e.seq)},"target":${j(e.target)}}`
  );
}

const oneShot = (crypto as unknown as { hash?: (alg: string, data: string, enc: "hex") => string }).hash;
function sha256Hex(text: string): string {
  return oneShot ? oneShot("sha256", text, "hex") : crypto.createHash("sha256").update(text).digest("hex");
}

/** The hash of an entry: sha256 over its canonical serialization. */
export function entryHash(e: EntryContent): string {
  return sha256Hex(entryCanonical(e));
}

/**
 * The per-entry MAC key: derived from the checkpoint key (one secret kept outside the database),
 * apart from checkpoint signatures by its own label.
 */
export function entryMacKey(checkpointKey: Buffer): Buffer {
  return crypto.createHmac("sha256", checkpointKey).update("opsdeck-audit-entry-mac-v1").digest();
}

/** HMAC-SHA256 of an entry's hash: the hash covers seq, the previous hash and every field. */
export function entryMac(macKey: Buffer, hash: string): string {
  return crypto.createHmac("sha256", macKey).update(hash).digest("hex");
}

export function entryMacMatches(macKey: Buffer, hash: string, mac: string | null): boolean {
  if (!mac || mac.length !== 64) return false;
  return crypto.timingSafeEqual(Buffer.from(entryMac(macKey, hash), "hex"), Buffer.from(mac, "hex"));
}

const macKeys = new WeakMap<Store, Buffer>();

/** Every entry appended through this store from now on carries a MAC with the key derived from `checkpointKey`. */
export function useAuditKey(store: Store, checkpointKey: Buffer | null): void {
  if (checkpointKey) macKeys.set(store, entryMacKey(checkpointKey));
  else macKeys.delete(store);
}

const MAX_FIELD = 500;

function clip(text: string, max = MAX_FIELD): string {
  return text.length > max ? text.slice(0, max) : text;
}

// C0/C1 controls and the bidi overrides/isolates/marks: an attacker-chosen label must not reorder
// or hide text on the audit page, in exports or in a terminal.
const UNSAFE_LABEL_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** A label as stored: control and bidi characters escaped as `\u{…}` text. */
export function sanitizeLabel(text: string): string {
  return text.replace(UNSAFE_LABEL_CHARS, (c) => `\\u{${c.codePointAt(0)!.toString(16).padStart(4, "0")}}`);
}

function prepare(input: AuditInput, secrets: readonly string[] = []): Omit<EntryContent, "seq" | "at" | "prev_hash"> {
  const details = scrub(input.details ?? {}, secrets);
  return {
    actor: clip(sanitizeLabel(input.actor), 200),
    roles: clip(sanitizeLabel(input.roles.join(",")), 200),
    action: clip(sanitizeLabel(input.action), 200),
    target: clip(sanitizeLabel(scrub(input.target, secrets))),
    outcome: input.outcome,
    details: canonicalJson(details),
    incident_id: input.incidentId ? clip(input.incidentId, 64) : null,
    run_id: input.runId ? clip(input.runId, 64) : null,
  };
}

/** Runs `body` while holding the one audit lock, inside one transaction. */
export async function withAuditLock<T>(store: Store, body: (db: Db) => Promise<T>): Promise<T> {
  if (store.dialect === "postgres") {
    return store.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${PG_AUDIT_LOCK})`.execute(trx);
      return body(trx);
    });
  }
  if (store.sqlite) return withSqliteLock(store, (db) => body(db));
  // Another SQLite handle (no raw connection exposed): BEGIN IMMEDIATE through Kysely.
  return store.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const out = await body(conn);
      await sql`commit`.execute(conn);
      return out;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => {});
      throw err;
    }
  });
}

async function head(db: Db): Promise<{ seq: number; hash: string; at: number }> {
  const last = await db.selectFrom("audit_entries").select(["seq", "hash", "at"]).orderBy("seq", "desc").limit(1).executeTakeFirst();
  return last ? { seq: Number(last.seq), hash: last.hash, at: Number(last.at) } : { seq: 0, hash: GENESIS_HASH, at: 0 };
}

function chainOnto(prev: { seq: number; hash: string; at: number }, rows: ReturnType<typeof prepare>[], now: number, macKey: Buffer | undefined): AuditEntry[] {
  const out: AuditEntry[] = [];
  let p = prev;
  for (const r of rows) {
    // `at` never goes backwards along the chain (clock skew between instances), so time
    // ranges map to seq ranges.
    const entry = { ...r, seq: p.seq + 1, at: Math.max(now, p.at), prev_hash: p.hash };
    const hash = entryHash(entry);
    const full: AuditEntry = { ...entry, hash, mac: macKey ? entryMac(macKey, hash) : null };
    out.push(full);
    p = { seq: full.seq, hash: full.hash, at: full.at };
  }
  return out;
}

export interface AppendOptions {
  /** Values scrubbed from every string of the entry (config secrets, secret input values). */
  secrets?: readonly string[];
  /** Work that must commit or roll back together with the entry (e.g. the run's status change). Throw to abort both. */
  within?: (db: Db, entry: AuditEntry) => Promise<void>;
}

type SqliteDb = NonNullable<Store["sqlite"]>;
type Statements = {
  begin: { run(): unknown };
  commit: { run(): unknown };
  rollback: { run(): unknown };
  head: { get(): unknown };
  insert: { run(entry: AuditEntry): unknown };
};
const statements = new WeakMap<SqliteDb, Statements>();

/** SQLite hot path: prepared once per connection (preparing per call costs more than the insert). */
function sqliteStatements(raw: SqliteDb): Statements {
  let st = statements.get(raw);
  if (!st) {
    st = {
      begin: raw.prepare("begin immediate"),
      commit: raw.prepare("commit"),
      rollback: raw.prepare("rollback"),
      head: raw.prepare("select seq, hash, at from audit_entries order by seq desc limit 1"),
      insert: raw.prepare(
        "insert into audit_entries (seq, at, actor, roles, action, target, outcome, details, incident_id, run_id, prev_hash, hash, mac) " +
          "values (@seq, @at, @actor, @roles, @action, @target, @outcome, @details, @incident_id, @run_id, @prev_hash, @hash, @mac)",
      ),
    };
    statements.set(raw, st);
  }
  return st;
}

/**
 * SQLite: holds Kysely's single connection (so nothing else in this process interleaves), takes
 * the write lock with BEGIN IMMEDIATE (so no other process does either), and lets `body` use the
 * prepared statements and/or the Kysely handle of that same connection.
 */
async function withSqliteLock<T>(store: Store, body: (db: Db, st: Statements) => Promise<T>): Promise<T> {
  const raw = store.sqlite!;
  const st = sqliteStatements(raw);
  return store.db.connection().execute(async (conn) => {
    st.begin.run();
    try {
      const out = await body(conn, st);
      st.commit.run();
      return out;
    } catch (err) {
      if (raw.inTransaction) st.rollback.run();
      throw err;
    }
  });
}

function sqliteHead(st: Statements): { seq: number; hash: string; at: number } {
  const r = st.head.get() as { seq: number; hash: string; at: number } | undefined;
  return r ? { seq: Number(r.seq), hash: r.hash, at: Number(r.at) } : { seq: 0, hash: GENESIS_HASH, at: 0 };
}

/** Appends one entry to the chain. Throws when it could not be written (callers fail closed). */
export async function appendAudit(store: Store, input: AuditInput, options: AppendOptions = {}): Promise<AuditEntry> {
  const row = prepare(input, options.secrets);
  const macKey = macKeys.get(store);
  if (store.sqlite) {
    return withSqliteLock(store, async (db, st) => {
      const [entry] = chainOnto(sqliteHead(st), [row], Date.now(), macKey);
      st.insert.run(entry);
      if (options.within) await options.within(db, entry);
      return entry;
    });
  }
  return withAuditLock(store, async (db) => {
    const [entry] = chainOnto(await head(db), [row], Date.now(), macKey);
    await db.insertInto("audit_entries").values(entry).execute();
    if (options.within) await options.within(db, entry);
    return entry;
  });
}

/** Appends many entries in one transaction (bulk imports, benchmarks). */
export async function appendAuditBatch(store: Store, inputs: AuditInput[], at?: (i: number) => number): Promise<number> {
  const rows = inputs.map((i) => prepare(i));
  const macKey = macKeys.get(store);
  if (store.sqlite) {
    return withSqliteLock(store, async (_db, st) => {
      let prev = sqliteHead(st);
      for (let i = 0; i < rows.length; i++) {
        const [e] = chainOnto(prev, [rows[i]], at ? at(i) : Date.now(), macKey);
        st.insert.run(e);
        prev = e;
      }
      return prev.seq;
    });
  }
  return withAuditLock(store, async (db) => {
    let prev = await head(db);
    const chunk = 500;
    for (let i = 0; i < rows.length; i += chunk) {
      const part = rows.slice(i, i + chunk);
      const entries: AuditEntry[] = [];
      for (let j = 0; j < part.length; j++) {
        const [e] = chainOnto(prev, [part[j]], at ? at(i + j) : Date.now(), macKey);
        entries.push(e);
        prev = { seq: e.seq, hash: e.hash, at: e.at };
      }
      await db.insertInto("audit_entries").values(entries).execute();
    }
    return prev.seq;
  });
}

export async function auditHead(store: Store): Promise<{ seq: number; hash: string; at: number }> {
  return head(store.db);
}

export interface ChainProblem {
  seq: number;
  problem: string;
}

/** What verification needs of one entry: its links, its hash, and the text its hash covers. */
interface VerifyRow {
  seq: number;
  prev_hash: string;
  hash: string;
  mac: string | null;
  /** SQLite fast path: the canonical text built in SQL (json_quote); null → build it in JS. */
  canonical: string | null;
  full: AuditEntry | null;
}

// Same bytes as entryCanonical() for any row written by appendAudit. If SQLite's quoting ever
// differed for some value, that entry's hash would not match and it is rechecked in JS.
const SQL_CANONICAL =
  `'{"action":' || json_quote(action) || ',"actor":' || json_quote(actor) || ',"at":' || at || ',"details":' || json_quote(details) || ` +
  `',"incidentId":' || json_quote(incident_id) || ',"outcome":' || json_quote(outcome) || ',"prevHash":' || json_quote(prev_hash) || ` +
  `',"roles":' || json_quote(roles) || ',"runId":' || json_quote(run_id) || ',"seq":' || seq || ',"target":' || json_quote(target) || '}'`;

/** Reads entries after a seq, in order. SQLite: one prepared statement, the canonical text built in SQL (the million-row hot path). */
function batchReader(store: Store, batch: number, to: number): (after: number) => Promise<VerifyRow[]> {
  if (store.sqlite) {
    const stmt = store.sqlite.prepare(`select seq, prev_hash, hash, mac, ${SQL_CANONICAL} from audit_entries where seq > ? and seq <= ? order by seq limit ?`).raw(true);
    return (after) =>
      store.db.connection().execute(async () =>
        (stmt.all(after, to, batch) as unknown[][]).map((a) => ({ seq: Number(a[0]), prev_hash: a[1] as string, hash: a[2] as string, mac: a[3] as string | null, canonical: a[4] as string | null, full: null })),
      );
  }
  return async (after) => {
    const rows = await store.db.selectFrom("audit_entries").selectAll().where("seq", ">", after).where("seq", "<=", to).orderBy("seq", "asc").limit(batch).execute();
    return rows.map((r) => {
      const full = { ...r, seq: Number(r.seq), at: Number(r.at) } as AuditEntry;
      return { seq: full.seq, prev_hash: full.prev_hash, hash: full.hash, mac: full.mac ?? null, canonical: null, full };
    });
  };
}

async function hashMatches(store: Store, r: VerifyRow): Promise<boolean> {
  if (r.canonical !== null && sha256Hex(r.canonical) === r.hash) return true;
  let full = r.full;
  if (!full) {
    const row = await store.db.selectFrom("audit_entries").selectAll().where("seq", "=", r.seq).executeTakeFirst();
    if (!row) return false;
    full = { ...row, seq: Number(row.seq), at: Number(row.at) } as AuditEntry;
  }
  return entryHash(full) === full.hash;
}

type WalkResult = { checked: number; head: { seq: number; hash: string }; problem: ChainProblem | null };

/** Which entries' MACs a walk checks, with the key derived from the checkpoint key (entryMacKey). */
export interface MacPolicy {
  macKey: Buffer;
  /** Entries after this seq (past the newest signed checkpoint) must carry a valid MAC: nothing else vouches for them. */
  requiredAfter: number;
  /** Entries from this seq on that carry a MAC must carry a valid one (before it: an accepted gap replaced the key). */
  checkFrom: number;
}

function macProblem(policy: MacPolicy | undefined, r: VerifyRow): string | null {
  if (!policy) return null;
  if (r.seq > policy.requiredAfter) {
    if (entryMacMatches(policy.macKey, r.hash, r.mac)) return null;
    return r.mac
      ? `entry ${r.seq} has an invalid MAC (no signed checkpoint covers it, and its MAC was not made with the audit key): forged`
      : `entry ${r.seq} carries no MAC and no signed checkpoint covers it: forged (or written without the audit key)`;
  }
  if (r.mac !== null && r.seq >= policy.checkFrom && !entryMacMatches(policy.macKey, r.hash, r.mac)) {
    return `entry ${r.seq} has an invalid MAC: forged, or altered together with its hash`;
  }
  return null;
}

/** Verifies entries (from, to] in order, the first of which must link to `fromHash`; with a policy, their MACs too. */
export async function walk(store: Store, from: number, fromHash: string, to: number, policy?: MacPolicy): Promise<WalkResult> {
  let prevSeq = from;
  let prevHash = fromHash;
  const batch = 10_000;
  const fetchBatch = batchReader(store, batch, to);
  const fail = (seq: number, problem: string): WalkResult => ({ checked: prevSeq - from, head: { seq: prevSeq, hash: prevHash }, problem: { seq, problem } });
  for (;;) {
    const rows = await fetchBatch(prevSeq);
    for (const r of rows) {
      if (r.seq !== prevSeq + 1) return fail(prevSeq + 1, `entry ${prevSeq + 1} is missing (next is ${r.seq}): deleted entries`);
      if (r.prev_hash !== prevHash) return fail(r.seq, `entry ${r.seq} does not link to entry ${prevSeq} (previous hash differs): entries deleted, inserted or reordered`);
      if (!(r.canonical !== null && sha256Hex(r.canonical) === r.hash) && !(await hashMatches(store, r))) {
        return fail(r.seq, `entry ${r.seq} was altered (its content does not match its hash)`);
      }
      const badMac = macProblem(policy, r);
      if (badMac) return fail(r.seq, badMac);
      prevSeq = r.seq;
      prevHash = r.hash;
    }
    if (rows.length < batch) break;
  }
  return { checked: prevSeq - from, head: { seq: prevSeq, hash: prevHash }, problem: null };
}

/** Walks the whole chain in seq order (up to the head at the start); returns the first problem, or null when intact. */
export async function verifyChainRows(store: Store, policy?: MacPolicy): Promise<WalkResult> {
  // One verifier. A worker thread re-checking the second half from an eval'd copy of this walk was
  // measured slower than this single walk on the 2-core machines (300k entries: 25.9 s with the
  // worker, 18.3 s without), so it went.
  const top = (await head(store.db)).seq;
  return walk(store, 0, GENESIS_HASH, top, policy);
}
