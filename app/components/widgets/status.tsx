import { formatAge } from "../../../plugins/plugin-api-format";
import { readableName } from "./labels";
import type { ProbeReadingJson, ProbeStatus } from "~/lib/widgets";
import { currencyColumnsInAmounts, moneyCell, rowCurrency } from "~/lib/money";
import { formatInstant, ISO_INSTANT, type TimePreference } from "~/lib/time";
import { useTimePreference } from "~/components/time";

const LABEL: Record<ProbeStatus, { icon: string; text: string }> = {
  ok: { icon: "✓", text: "OK" },
  warn: { icon: "▲", text: "Warning" },
  critical: { icon: "✖", text: "Critical" },
  unknown: { icon: "?", text: "Unknown" },
};

/** A status in text and icon, never colour alone. */
export function StatusBadge({ status, pending }: { status: ProbeStatus; pending?: boolean }) {
  if (pending) {
    return (
      <span className="status-badge status-pending" data-status="pending">
        <span aria-hidden="true">…</span> Reading
      </span>
    );
  }
  const l = LABEL[status];
  return (
    <span className={`status-badge status-${status}`} data-status={status}>
      <span aria-hidden="true" className="status-icon">
        {l.icon}
      </span>{" "}
      {l.text}
    </span>
  );
}

export function statusText(status: ProbeStatus): string {
  return LABEL[status].text;
}

export function formatValue(value: number | null, unit?: string): string {
  if (value === null) return "—";
  const n = Math.abs(value) >= 100 || Number.isInteger(value) ? Math.round(value).toLocaleString("en-US") : value.toLocaleString("en-US", { maximumFractionDigits: 2 });
  return unit ? `${n} ${unit}` : n;
}

/** When a reading was taken, for "as of …" ("just now", "12 min ago"); before hydration (no clock yet) its UTC time. */
export function readingAge(iso: string | null, now: number | null): string {
  if (!iso) return "never read";
  if (now === null) return `at ${iso.slice(11, 19)} UTC`;
  const ms = now - Date.parse(iso);
  return ms < 5_000 ? "just now" : `${formatAge(ms)} ago`;
}

/** Only web and in-portal links from plugins become anchors. */
export function safeHref(href: string): string | null {
  if (href.startsWith("/") && !href.startsWith("//")) return href;
  try {
    const u = new URL(href);
    return u.protocol === "https:" || u.protocol === "http:" ? u.toString() : null;
  } catch {
    return null;
  }
}

export function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** A cell as a reader wants it: instants in their zone, amounts in minor units with their currency. */
export function rowCell(row: Record<string, unknown>, column: string, pref: TimePreference): string {
  const v = row[column];
  if (typeof v === "string" && ISO_INSTANT.test(v)) return formatInstant(v, pref, { seconds: true });
  return moneyCell(column, v, rowCurrency(row)) ?? cell(v);
}

export function RowsTable({ rows, caption, max = 50 }: { rows: Record<string, unknown>[]; caption?: string; max?: number }) {
  const pref = useTimePreference();
  const shown = rows.slice(0, max);
  const inAmounts = currencyColumnsInAmounts(shown);
  const columns = [...new Set(shown.flatMap((r) => Object.keys(r)))].filter((c) => !inAmounts.has(c)).slice(0, 10);
  return (
    <div className="rows-table">
      <table>
        {caption ? <caption>{caption}</caption> : null}
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col" title={c}>
                {readableName(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.slice(0, max).map((r, i) => (
            <tr key={i}>
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

export function ReadingLinks({ links }: { links: ProbeReadingJson["links"] }) {
  const safe = (links ?? []).map((l) => ({ ...l, href: safeHref(l.href) })).filter((l): l is { label: string; href: string } => !!l.href);
  if (!safe.length) return null;
  return (
    <ul className="widget-links">
      {safe.map((l) => (
        <li key={l.href + l.label}>
          <a href={l.href} rel="noreferrer noopener" target={l.href.startsWith("/") ? undefined : "_blank"}>
            {l.label}
          </a>
        </li>
      ))}
    </ul>
  );
}

/** The head every probe widget shares: its title and the status in text and icon. */
export function WidgetHead({ titleId, title, status, pending }: { titleId: string; title: string; status: ProbeStatus; pending: boolean }) {
  return (
    <header className="widget-head">
      <h3 id={titleId} className="widget-title">
        {title}
      </h3>
      <span aria-live="polite">
        <StatusBadge status={status} pending={pending} />
      </span>
    </header>
  );
}

/** What a probe widget shows before it has a reading: the error that stopped it, or "Reading…". */
export function WidgetNotReady({ error, probeId }: { error: string | null | undefined; probeId: string }) {
  return error ? (
    <p className="widget-error" role="alert">
      {error}
    </p>
  ) : (
    <p className="muted widget-pending" aria-busy="true">
      Reading <code>{probeId}</code>…
    </p>
  );
}
