// One guarded write to one row: the preview shows the row before and after and carries its
// current values as the precondition; the run locks the row (FOR UPDATE), refuses "changed since
// preview" if any of those values moved, and writes in the same transaction.
import crypto from "node:crypto";
import type pg from "pg";
import { z } from "zod";
import { action, ActionInputError, ConflictError, type ActionDefinition } from "../../plugin-api";
import { plainRow, qi } from "../ident";
import { writeTransaction } from "../tx";

export const RowIdSchema = z.string().trim().min(1).max(200);

/** The row is not as the preview showed it: the family's `ConflictError`. */
export class ChangedSincePreviewError extends ConflictError {
  constructor(what: string, detail: string) {
    super(`${what} changed since preview (${detail}); nothing was written. Preview again and re-check before running.`);
  }
}

/**
 * The previewed values as an opaque token: base64url JSON of the values in column order (the
 * pipeline keeps preconditions under 500 characters), or a SHA-256 of them when that is too long.
 */
export function rowToken(row: Record<string, unknown>, columns: string[]): string {
  const plain = plainRow(row);
  const json = JSON.stringify(columns.map((c) => plain[c] ?? null));
  const token = `v:${Buffer.from(json).toString("base64url")}`;
  return token.length <= 480 ? token : `h:${crypto.createHash("sha256").update(json).digest("base64url")}`;
}

/** The previewed values by column, or a hash to compare, or null when the token is not ours. */
export function tokenRow(token: string, columns: string[]): { values: Record<string, unknown> } | { hash: string } | null {
  if (token.startsWith("h:") && token.length > 10) return { hash: token.slice(2) };
  if (!token.startsWith("v:")) return null;
  try {
    const v = JSON.parse(Buffer.from(token.slice(2), "base64url").toString("utf8"));
    if (!Array.isArray(v) || v.length !== columns.length) return null;
    return { values: Object.fromEntries(columns.map((c, i) => [c, v[i]])) };
  } catch {
    return null;
  }
}

/** Why the row no longer matches its preview (naming the column when it can), or null. */
export function changedSince(previewed: NonNullable<ReturnType<typeof tokenRow>>, current: Record<string, unknown>, columns: string[]): string | null {
  if ("hash" in previewed) return rowToken(current, columns) === `h:${previewed.hash}` ? null : "a previewed value changed";
  const moved = changedColumn(previewed.values, current);
  return moved ? `${moved} is now ${JSON.stringify(plainRow(current)[moved] ?? null)}, the preview showed ${JSON.stringify(previewed.values[moved] ?? null)}` : null;
}

/** The first column whose value differs between the preview and now, or null. */
export function changedColumn(previewed: Record<string, unknown>, current: Record<string, unknown>): string | null {
  const now = plainRow(current);
  for (const key of Object.keys(previewed)) {
    if (JSON.stringify(previewed[key] ?? null) !== JSON.stringify(now[key] ?? null)) return key;
  }
  return null;
}

export interface RowChange {
  /** Column → new value. */
  set: Record<string, unknown>;
  summary: string;
}

export interface RowFixSpec<I> {
  id: string;
  title: string;
  description: string;
  input: z.ZodType<I>;
  table: string;
  keyColumn: string;
  key(input: I): string;
  /** Columns read for the preview and compared for the precondition. */
  columns: string[];
  /** The write, from the row as it is; throws ActionInputError when there is nothing sensible to do. */
  change(row: Record<string, unknown>, input: I, now: Date): RowChange;
  /** A refusal that needs other rows (another order already holds this payment intent). */
  conflict?(input: I, client: pg.PoolClient): Promise<string | null>;
}

const tokenColumns = (spec: RowFixSpec<any>) => [...new Set([spec.keyColumn, ...spec.columns])];

function selectRow(spec: RowFixSpec<any>, lock: boolean): string {
  const cols = tokenColumns(spec).map(qi).join(", ");
  return `select ${cols} from ${qi(spec.table)} where ${qi(spec.keyColumn)}::text = $1${lock ? " for update" : ""}`;
}

export function rowFix<I>(pool: pg.Pool, timeoutMs: number, spec: RowFixSpec<I>): ActionDefinition<I> {
  const what = (i: I) => `${spec.table} ${spec.key(i)}`;
  return action<I>({
    id: spec.id,
    title: spec.title,
    description: spec.description,
    input: spec.input,
    risk: "high",
    target: (i) => `${spec.table}/${spec.key(i)}`,
    timeout: "30s",
    async preview(input) {
      const client = await pool.connect();
      try {
        await client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${timeoutMs}`);
        const conflict = await spec.conflict?.(input, client);
        if (conflict) throw new ActionInputError(conflict);
        const res = await client.query(selectRow(spec, false), [spec.key(input)]);
        if (!res.rows[0]) throw new ActionInputError(`${what(input)} does not exist`);
        const before = res.rows[0] as Record<string, unknown>;
        const change = spec.change(before, input, new Date());
        return {
          summary: `${change.summary} (${what(input)}, one row)`,
          count: 1,
          before: plainRow(before),
          after: plainRow({ ...before, ...change.set }),
          rows: Object.entries(change.set).map(([column, value]) => ({ column, before: plainRow({ v: before[column] }).v ?? null, after: plainRow({ v: value }).v ?? null })),
          precondition: rowToken(before, tokenColumns(spec)),
        };
      } finally {
        await client.query("ROLLBACK").catch(() => {});
        client.release();
      }
    },
    async run(input, ctx) {
      const previewed = input.precondition === undefined ? null : tokenRow(input.precondition, tokenColumns(spec));
      if (input.precondition !== undefined && !previewed) throw new ActionInputError(`precondition is not a row preview token`);
      if (!previewed) ctx.log(`no preview precondition given: checking against ${what(input)} as read now`);
      const out = await writeTransaction(pool, timeoutMs, async (client) => {
        const conflict = await spec.conflict?.(input, client);
        if (conflict) throw new ActionInputError(conflict);
        const res = await client.query(selectRow(spec, true), [spec.key(input)]);
        const before = res.rows[0] as Record<string, unknown> | undefined;
        if (!before) throw new ChangedSincePreviewError(what(input), "it no longer exists");
        const moved = previewed && changedSince(previewed, before, tokenColumns(spec));
        if (moved) throw new ChangedSincePreviewError(what(input), moved);
        const change = spec.change(before, input, new Date());
        const cols = Object.keys(change.set);
        const sets = cols.map((c, i) => `${qi(c)} = $${i + 2}`).join(", ");
        const upd = await client.query(`update ${qi(spec.table)} set ${sets} where ${qi(spec.keyColumn)}::text = $1`, [spec.key(input), ...cols.map((c) => change.set[c])]);
        if (upd.rowCount !== 1) throw new Error(`expected to change one row, the database changed ${upd.rowCount}; rolled back`);
        return { before, change };
      });
      ctx.log(`${what(input)}: ${out.change.summary}`);
      ctx.progress(1, 1);
      const after = { ...out.before, ...out.change.set };
      return {
        summary: `${out.change.summary} (${what(input)})`,
        rows: Object.entries(out.change.set).map(([column, value]) => ({ column, before: plainRow({ v: out.before[column] }).v ?? null, after: plainRow({ v: value }).v ?? null })),
        data: { table: spec.table, key: spec.key(input), before: plainRow(out.before), after: plainRow(after) },
      };
    },
  });
}
