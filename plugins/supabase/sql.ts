// The guarded read path: each statement checked by PostgreSQL's parser (sql-guard) before it is
// sent, then run as a role that cannot write (read-role), in a READ ONLY transaction with
// statement_timeout, a client-side timeout and a row cap enforced by the protocol (rows past the
// cap are never sent); the connection is reset with DISCARD ALL before it returns to the pool.
import pg from "pg";
import type { Logger } from "../plugin-api";
import type { SqlQueryOptions, SqlResult, SqlService } from "./api";
import { qi } from "./ident";
import { inspectReadRole, withheldReason, type RoleInspection } from "./read-role";
import { SqlError } from "./sql-error";
import type { SqlGuard } from "./sql-guard";

export { SqlError };

/**
 * pg's Query with a row limit on its one Execute, followed at once by Sync (one round trip): at the
 * limit the server answers PortalSuspended and the rest of the rows are never produced or sent;
 * the unnamed portal is closed by the transaction's ROLLBACK.
 */
class CappedQuery extends pg.Query {
  truncated = false;
  _getRows(connection: any, rows: number) {
    connection.execute({ portal: "", rows });
    connection.sync();
  }
  handlePortalSuspended() {
    this.truncated = true;
  }
  handleCommandComplete(msg: any) {
    // pg would send another Sync here (it expects to page with Flush); ours is already sent.
    const self = this as any;
    self._checkForMultirow();
    self._result.addCommandComplete(msg);
  }
  handleEmptyQuery() {}
}

export function toSqlError(err: unknown): SqlError {
  if (err instanceof SqlError) return err;
  const e = err as { message?: string; code?: string };
  const code = typeof e?.code === "string" && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
  const message = e?.message || String(err);
  return new SqlError(message, code);
}

export interface RunnerOptions {
  statementTimeoutMs: number;
  maxRows: number;
  log?: Logger;
  /** Checks each statement before it is sent. */
  guard: SqlGuard;
  /** Reads run after `SET LOCAL ROLE` to this role (plugins.supabase.readOnlyRole). */
  readOnlyRole?: string;
}

type Connection = pg.PoolClient & { connection?: { stream?: { destroy(): void } } };

/** Ends the socket: the server cancels the backend's statement when it notices. */
function destroy(client: pg.PoolClient): void {
  (client as Connection).connection?.stream?.destroy();
}

/** Runs one statement on a client already inside a transaction, fetching at most maxRows rows. */
export function runCapped(client: pg.PoolClient | pg.Client, text: string, params: unknown[], maxRows: number, onCommand?: (tag: string) => void): Promise<SqlResult> {
  const started = performance.now();
  return new Promise<SqlResult>((resolve, reject) => {
    const q = new CappedQuery({ text, values: params as any[], rows: maxRows + 1 } as any, undefined as any, (err: Error | null | undefined, res: any) => {
      if (err) return reject(toSqlError(err));
      if (res?.command) onCommand?.(String(res.command));
      const all = (res?.rows ?? []) as Record<string, unknown>[];
      const truncated = q.truncated || all.length > maxRows;
      const rows = all.slice(0, maxRows);
      resolve({ fields: ((res?.fields ?? []) as { name: string }[]).map((f) => f.name), rows, rowCount: rows.length, truncated, durationMs: performance.now() - started });
    });
    client.query(q as any);
  });
}

export type TxQuery = (text: string, params?: unknown[], maxRows?: number) => Promise<SqlResult>;

/** Command tags of statements that end the transaction they run in. */
const TX_END = new Set(["COMMIT", "ROLLBACK", "PREPARE TRANSACTION"]);

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

export class SqlRunner implements SqlService {
  /** Why reads are refused (the role can write or reach the OS), or null once the role passed. */
  private verdict: RoleInspection | null = null;
  private inspecting: Promise<RoleInspection> | null = null;

  constructor(
    readonly pool: pg.Pool,
    readonly opts: RunnerOptions,
  ) {}

  /** Why the read path refuses to run, or null when its role was inspected and is fit. */
  get withheld(): string | null {
    if (!this.verdict) return null;
    return this.verdict.problems.length ? withheldReason(this.verdict, this.verdict.login) : null;
  }

  /** Asks PostgreSQL what the read role may do (single flight); reads refuse until it passes. */
  inspectRole(): Promise<RoleInspection> {
    this.inspecting ??= (async () => {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (err) {
        throw toSqlError(err);
      }
      let broken = false;
      const guard = setTimeout(() => {
        broken = true;
        destroy(client);
      }, 10_000);
      try {
        const found = await inspectReadRole(client, this.opts.readOnlyRole);
        this.verdict = found;
        return found;
      } catch (err) {
        broken = true;
        throw toSqlError(err);
      } finally {
        clearTimeout(guard);
        client.release(broken ? new Error("discarded") : undefined);
        this.inspecting = null;
      }
    })();
    return this.inspecting;
  }

  describe() {
    return { dialect: "postgres" as const, statementTimeoutMs: this.opts.statementTimeoutMs, maxRows: this.opts.maxRows };
  }

  /**
   * Opens `BEGIN READ ONLY` with `statement_timeout`, runs `body`, and always rolls back. The
   * client-side timer (statement timeout + 1 s) and `signal` end the connection if the server
   * does not answer; a connection whose state is in doubt is never returned to the pool.
   */
  async readOnly<T>(body: (q: TxQuery) => Promise<T>, o: { signal?: AbortSignal; statementTimeoutMs?: number; maxRows?: number; applicationName?: string } = {}): Promise<T> {
    const timeoutMs = o.statementTimeoutMs ?? this.opts.statementTimeoutMs;
    // Internal readers (ledger, migrations) may ask for more than the configured cap; the service may not.
    const cap = o.maxRows ?? this.opts.maxRows;
    if (o.signal?.aborted) throw new SqlError("cancelled before the statement was sent");
    if (!this.verdict) await this.inspectRole();
    const withheld = this.withheld;
    if (withheld) throw new SqlError(withheld);
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw toSqlError(err);
    }
    let broken = false;
    let rollbackLater = false;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const interrupted = new Promise<never>((_, reject) => {
      const stop = (why: string) => {
        broken = true;
        reject(new SqlError(why));
        // Ends the socket: the server cancels the backend's statement when it notices.
        destroy(client);
      };
      timer = setTimeout(() => stop(`no answer from the database within ${timeoutMs + 1000} ms (client-side timeout)`), timeoutMs + 1000);
      onAbort = () => stop("cancelled");
      o.signal?.addEventListener("abort", onAbort, { once: true });
    });
    interrupted.catch(() => {});
    try {
      const setup = [`BEGIN READ ONLY`, `SET LOCAL statement_timeout = ${Math.round(timeoutMs)}`];
      if (this.opts.readOnlyRole) setup.push(`SET LOCAL ROLE ${qi(this.opts.readOnlyRole)}`);
      if (o.applicationName) setup.push(`SET LOCAL application_name = ${literal(o.applicationName.slice(0, 60))}`);
      await Promise.race([client.query(setup.join("; ")), interrupted]);
      // A statement such as COMMIT would end the read-only transaction: refused, and the connection discarded.
      let escaped = false;
      const onCommand = (tag: string) => {
        if (TX_END.has(tag.toUpperCase())) escaped = true;
      };
      const q: TxQuery = (text, params = [], maxRows = cap) => {
        this.opts.guard.check(text);
        return Promise.race([runCapped(client, text, params, Math.min(maxRows, cap), onCommand), interrupted]);
      };
      let result: T;
      try {
        result = await body(q);
      } catch (err) {
        await Promise.race([client.query("ROLLBACK"), interrupted]).catch(() => {
          broken = true;
        });
        throw err;
      }
      if (escaped) {
        broken = true;
        throw new SqlError("the statement ended the read-only transaction; refused");
      }
      // Answer now; the ROLLBACK runs behind it and the connection returns to the pool when it is done.
      rollbackLater = true;
      return result!;
    } catch (err) {
      if (!(err instanceof SqlError)) broken = true;
      throw toSqlError(err);
    } finally {
      clearTimeout(timer);
      if (onAbort) o.signal?.removeEventListener("abort", onAbort);
      if (broken) {
        client.release(new Error("discarded"));
      } else {
        // Answered already; the reset runs behind it. DISCARD ALL (outside the transaction) drops
        // whatever the session kept: advisory locks, temp tables, prepared statements, settings,
        // LISTEN. A connection the reset fails or hangs on is destroyed, never reused.
        const guard = setTimeout(() => destroy(client), timeoutMs + 1000);
        (rollbackLater ? client.query("ROLLBACK") : Promise.resolve())
          .then(() => client.query("DISCARD ALL"))
          .then(
            () => {
              clearTimeout(guard);
              client.release();
            },
            (err) => {
              clearTimeout(guard);
              client.release(err instanceof Error ? err : new Error(String(err)));
            },
          );
      }
    }
  }

  async query(text: string, params: unknown[] = [], opts: SqlQueryOptions = {}): Promise<SqlResult> {
    if (opts.actor && !opts.audit) throw new SqlError("a statement run for a person needs an audit sink (opts.audit); refused");
    const started = performance.now();
    let res: SqlResult | undefined;
    let failure: SqlError | undefined;
    try {
      // Refused here, before a connection is even taken.
      this.opts.guard.check(text);
      const cap = Math.min(opts.maxRows ?? this.opts.maxRows, this.opts.maxRows);
      res = await this.readOnly((q) => q(text, params, cap), {
        signal: opts.signal,
        maxRows: cap,
        applicationName: opts.actor ? `opsdeck:${opts.actor}` : undefined,
      });
    } catch (err) {
      failure = toSqlError(err);
    }
    if (opts.actor) {
      const durationMs = performance.now() - started;
      await opts.audit!(
        failure ? { actor: opts.actor, text, outcome: "failed", error: failure.message, durationMs } : { actor: opts.actor, text, outcome: "succeeded", rowCount: res!.rowCount, durationMs },
      );
    }
    if (failure) throw failure;
    return res!;
  }
}

/** A small pool for the portal's own reads; idle-client errors are logged, never thrown. */
export function createPool(databaseUrl: string, log?: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 4,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    application_name: "opsdeck",
  });
  pool.on("error", (err) => log?.warn({ err: err.message }, "supabase: idle database connection failed"));
  return pool;
}
