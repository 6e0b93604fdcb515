/** Quotes a (possibly schema-qualified) name that config validation already restricted to plain SQL names. */
export function qi(name: string): string {
  return name
    .split(".")
    .map((p) => `"${p.replace(/"/g, '""')}"`)
    .join(".");
}

/** A statement without trailing semicolons, so it can be wrapped as a subquery. */
export function bareStatement(sql: string): string {
  return sql.trim().replace(/;+\s*$/, "");
}

/** JSON-friendly cell values for probe rows (Dates as ISO text). */
export function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v instanceof Date ? v.toISOString() : typeof v === "bigint" ? v.toString() : v;
  return out;
}
