import { Link } from "@remix-run/react";
import { useFormatTime } from "~/components/time";
import { useNow } from "~/components/widgets/provider";
import type { RunbookFreshness } from "~/lib/freshness";

/** "3 days ago"; before hydration (no clock yet) the date itself. */
export function ago(iso: string, now: number | null): string {
  if (now === null) return `on ${iso.slice(0, 10)}`;
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  const d = Math.floor(s / 86_400);
  return `${d} ${d === 1 ? "day" : "days"} ago`;
}

export function brokenLabel(n: number): string {
  return `${n} broken ${n === 1 ? "widget" : "widgets"}`;
}

/** The runbook page's one-line freshness, with the broken widgets listed under it. */
export function FreshnessLine({ freshness }: { freshness: RunbookFreshness }) {
  const now = useNow(60_000);
  const fmt = useFormatTime();
  const f = freshness;
  return (
    <div className="runbook-freshness" data-testid="runbook-freshness">
      <p>
        <span data-testid="freshness-verified" data-verified={f.verified ? "yes" : "no"}>
          {f.verified && f.verifiedAt ? (
            <>Verified <time dateTime={f.verifiedAt} title={fmt(f.verifiedAt)}>{ago(f.verifiedAt, now)}</time></>
          ) : f.checkedAt && f.widgets === 0 ? (
            <>Nothing to verify (no widgets or PromQL fences)</>
          ) : f.checkedAt ? (
            <>Not verified in the last day (checked <time dateTime={f.checkedAt} title={fmt(f.checkedAt)}>{ago(f.checkedAt, now)}</time>)</>
          ) : (
            <>Not verified yet</>
          )}
        </span>
        {" · "}
        <span data-testid="freshness-broken" className={f.broken.length ? "freshness-bad" : undefined}>
          {brokenLabel(f.broken.length)}
        </span>
        {" · "}
        <span data-testid="freshness-used">
          {f.lastUsed ? (
            <>
              last used in <Link to={`/incidents/${encodeURIComponent(f.lastUsed.incidentId)}`}>{f.lastUsed.title}</Link>{" "}
              <time dateTime={f.lastUsed.at} title={fmt(f.lastUsed.at)}>{ago(f.lastUsed.at, now)}</time>
            </>
          ) : (
            "never used in an incident"
          )}
        </span>
        {" · "}
        <span data-testid="freshness-edited">
          edited <time dateTime={f.editedAt} title={`${fmt(f.editedAt)} (${f.editedFrom === "git" ? "last commit" : "file time"})`}>{ago(f.editedAt, now)}</time>
        </span>
      </p>
      {f.broken.length ? (
        <details data-testid="broken-widgets">
          <summary>Which widgets are broken</summary>
          <ul>
            {f.broken.map((b, i) => (
              <li key={`${b.name}-${i}`}>
                <code>{b.name}</code> {b.line !== null ? <span className="muted">(line {b.line})</span> : null}: {b.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}
