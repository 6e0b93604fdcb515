import { ActionWidget } from "./action-widget";
import { readableName } from "./labels";
import { useTimePreference } from "~/components/time";
import { rowCell } from "./status";
import { currencyColumnsInAmounts } from "~/lib/money";

/** A fix a row offers: another action, with its input preset (e.g. reconciliation → resend one event). */
export interface RowFix {
  actionId: string;
  label: string;
  input: Record<string, unknown>;
}

function fixesOf(row: Record<string, unknown>): RowFix[] {
  const raw = row.fixes;
  if (!Array.isArray(raw)) return [];
  return raw.filter((f): f is RowFix => !!f && typeof f === "object" && typeof (f as RowFix).actionId === "string" && typeof (f as RowFix).label === "string");
}

/**
 * The rows of a run's result, the fixes first so they stay in view on wide tables. A row's `fixes` become action buttons whose dialogs open with the
 * preset input, so an operator goes from a mismatch straight to the guarded fix that applies.
 */
export function ResultRows({ rows, max = 200 }: { rows: Record<string, unknown>[]; max?: number }) {
  const shown = rows.slice(0, max);
  const pref = useTimePreference();
  const inAmounts = currencyColumnsInAmounts(shown);
  const columns = [...new Set(shown.flatMap((r) => Object.keys(r)))].filter((c) => c !== "fixes" && !inAmounts.has(c)).slice(0, 12);
  const anyFixes = shown.some((r) => fixesOf(r).length > 0);
  return (
    <div className="rows-table result-rows" data-testid="result-rows">
      <table>
        <thead>
          <tr>
            {anyFixes ? <th scope="col">Fix</th> : null}
            {columns.map((c) => (
              <th key={c} scope="col" title={c}>
                {readableName(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((r, i) => (
            <tr key={i} data-testid="result-row">
              {anyFixes ? (
                <td className="result-fixes">
                  {fixesOf(r).map((f, j) => (
                    <ActionWidget
                      key={`${f.actionId}-${j}`}
                      slot={{
                        kind: "action",
                        id: f.actionId,
                        attrs: { label: f.label, ...Object.fromEntries(Object.entries(f.input ?? {}).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, String(v)])) },
                        line: 0,
                        key: `fix-${i}-${j}`,
                      }}
                    />
                  ))}
                </td>
              ) : null}
              {columns.map((c) => (
                <td key={c}>{rowCell(r, c, pref)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > max ? <p className="muted">Showing {max} of {rows.length} rows.</p> : null}
    </div>
  );
}
