// The supabase plugin's public contract: the services it offers other plugins and the core, with
// their shapes. No side effects and no SDKs: consumers import it as a contract only.
import { createServiceRef } from "../plugin-api";

/** One statement run through the `sql` service, as the audit sink receives it. */
export interface SqlAuditEvent {
  /** The person who ran it (username). */
  actor: string;
  /** The statement as given (parameters are not included). */
  text: string;
  /** "succeeded" with rowCount, or "failed" with the database's message. */
  outcome: "succeeded" | "failed";
  rowCount?: number;
  error?: string;
  durationMs: number;
}

export interface SqlQueryOptions {
  signal?: AbortSignal;
  /** Fewer rows than the service's cap (`plugins.supabase.maxRows`); never more. */
  maxRows?: number;
  /**
   * The person running the statement (a live SQL block), or absent for the portal's own reads
   * (probes, other plugins). When set, `audit` is required: it is called before the answer is
   * returned, and a statement whose audit write fails is reported as failed (fail closed).
   */
  actor?: string;
  audit?: (event: SqlAuditEvent) => Promise<void>;
}

export interface SqlResult {
  /** Column names in the order the statement returns them. */
  fields: string[];
  rows: Record<string, unknown>[];
  /** Rows returned (at most the cap). */
  rowCount: number;
  /** True when the statement had more rows than the cap; the rest were never fetched. */
  truncated: boolean;
  durationMs: number;
}

/**
 * Read-only SQL against the database the supabase plugin is configured with (service `sql`).
 * Used by other plugins (e.g. paddle's webhook_events checks) and by runnable ```sql blocks.
 *
 * Every call runs exactly one statement (the extended protocol refuses `a; b`) inside
 * `BEGIN READ ONLY` … `ROLLBACK`, with `SET LOCAL statement_timeout` (the plugin's
 * `statementTimeout`) and a client-side timeout a little longer, so a hung server or an engine
 * that ignores statement_timeout still answers. Rows are fetched up to the cap and no further
 * (`truncated` says so). A statement that tries to write fails with the database's own message
 * ("cannot execute INSERT in a read-only transaction"); errors are `SqlError`-shaped: `message`
 * is the database's text, `code` its SQLSTATE when it has one. Values come back as `pg` parses
 * them (timestamps as Date, bigint/numeric as string).
 */
export interface SqlService {
  query(text: string, params?: unknown[], opts?: SqlQueryOptions): Promise<SqlResult>;
  /** The statement timeout and row cap in force, for display beside a result. */
  describe(): { dialect: "postgres"; statementTimeoutMs: number; maxRows: number };
}

export const sqlRef = createServiceRef<SqlService>({ id: "sql" });
