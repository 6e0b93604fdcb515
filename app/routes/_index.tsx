import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { StatusBadge } from "~/components/widgets/status";
import { useNow } from "~/components/widgets/provider";
import { requireUser } from "~/core/auth.server";
import { getPortal } from "~/core/portal.server";
import { waitingForAdmin } from "~/core/actions/runs.server";
import { listIncidents } from "~/core/incidents/incidents.server";
import { listSilences } from "~/core/alerts/silences.server";
import { overviewSystems } from "~/core/overview.server";
import { canRespond } from "~/lib/incidents";
import { oncallNow } from "~/core/notifications/oncall.server";
import { OncallNow } from "~/components/oncall-now";
import { AlertGroup } from "~/components/overview/alert-group";
import { Counts, SummaryStrip } from "~/components/overview/summary-strip";
import { SystemGroup } from "~/components/overview/system-group";
import { Time } from "~/components/time";
import overviewStyles from "~/styles/overview.css";

// The newest open incidents and waiting decisions shown at the top (the rest one link away), so a
// busy day does not push the systems on fire off a phone's first screen.
const NOW_ROWS = 3;

export const meta: MetaFunction = () => [{ title: "Overview · Opsdeck" }];
export const links: LinksFunction = () => [{ rel: "stylesheet", href: overviewStyles }];

const REFRESH_MS = 15_000;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const portal = getPortal();
  const [view, incidents, pending, silences, oncall] = await Promise.all([
    overviewSystems(portal),
    listIncidents(portal.store, { state: "open", limit: 20 }),
    waitingForAdmin(portal),
    listSilences(portal),
    oncallNow(portal.store, portal.config.oncall),
  ]);
  return json(
    {
      ...view,
      incidents: incidents.map((i) => ({ id: i.id, title: i.title, severity: i.severity, status: i.status, declaredAt: i.declaredAt })),
      pending,
      me: user.username,
      silences: silences.filter((s) => s.state === "active").slice(0, 20),
      oncall,
      canAct: canRespond(user.roles),
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}

export default function Overview() {
  const { systems, alerts, unshown, unknown, counts, total, incidents, pending, me, silences, canAct, oncall } = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  const now = useNow(5000);
  useEffect(() => {
    const t = setInterval(() => {
      if (!document.hidden && revalidator.state === "idle") revalidator.revalidate();
    }, REFRESH_MS);
    return () => clearInterval(t);
  }, [revalidator]);
  const troubled = systems.filter((s) => s.rows.length);

  return (
    <section aria-labelledby="overview-title" className="overview ov">
      <div className="ov-head">
        <h1 id="overview-title">Overview</h1>
        <p className="ov-total" data-testid="overview-counts">
          {counts.critical + counts.warn ? <Counts counts={counts} only={["critical", "warn"]} /> : <StatusBadge status="ok" />}{" "}
          <span className="muted">
            {counts.critical + counts.warn ? `in ${troubled.length} of ${systems.length} systems` : "all clear"} · {total} probes
          </span>
        </p>
        <form method="get" action="/runbooks" role="search" className="overview-search">
          <label htmlFor="overview-q" className="sr-only">
            Search runbooks
          </label>
          <input id="overview-q" type="search" name="q" placeholder="Search runbooks (e.g. webhook, refund)" />
          <button type="submit">Search</button>
        </form>
        {canAct ? (
          <Link to="/incidents/new" className="ov-declare">
            Declare an incident
          </Link>
        ) : null}
      </div>

      <div className="ov-now">
        <section aria-labelledby="open-incidents-title" data-testid="open-incidents" className="ov-now-box">
          <h2 id="open-incidents-title">Open incidents</h2>
          {incidents.length ? (
            <ul>
              {incidents.slice(0, NOW_ROWS).map((i) => (
                <li key={i.id}>
                  <span className={`sev sev-${i.severity}`}>{i.severity}</span> <Link to={`/incidents/${i.id}`}>{i.title}</Link> <span className="muted">({i.status})</span>
                </li>
              ))}
              {incidents.length > NOW_ROWS ? (
                <li>
                  <Link to="/incidents">{incidents.length - NOW_ROWS} more open</Link>
                </li>
              ) : null}
            </ul>
          ) : (
            <p className="muted">No open incident.</p>
          )}
        </section>
        <section aria-labelledby="pending-title" data-testid="pending-decisions" className="ov-now-box">
          <h2 id="pending-title">Waiting for an admin</h2>
          {pending.length ? (
            <ul>
              {pending.slice(0, NOW_ROWS).map((r) => (
                <li key={r.runId} data-kind={r.kind}>
                  <Link to={`/runs/${r.runId}`}>{r.title}</Link> <code>{r.target}</code>{" "}
                  <span className="muted">
                    {r.kind === "request" ? "requested" : "approval asked"} by {r.actor === me ? "you" : r.actor}
                  </span>
                </li>
              ))}
              {pending.length > NOW_ROWS ? (
                <li>
                  <Link to="/audit">{pending.length - NOW_ROWS} more waiting</Link>
                </li>
              ) : null}
            </ul>
          ) : (
            <p className="muted">No approvals or requests waiting.</p>
          )}
        </section>
      </div>

      {systems.length === 0 ? (
        <p>
          No plugin is enabled. Add a plugin section to <code>app-config.yaml</code>, or start without one for demo mode.
        </p>
      ) : (
        <>
          <SummaryStrip systems={systems} />
          <h2 id="needs-attention" className="ov-h2">
            Needs attention
          </h2>
          {troubled.length === 0 && alerts.length === 0 ? (
            <p data-testid="no-problems">
              <StatusBadge status="ok" /> No probe is in warning or critical{total ? ` (${total} probes)` : ""}.
            </p>
          ) : (
            <div className="ov-groups" data-testid="problems">
              <AlertGroup alerts={alerts} canAct={canAct} />
              {troubled.map((s) => (
                <SystemGroup key={s.id} system={s} now={now} canAct={canAct} />
              ))}
            </div>
          )}
          {unshown.length ? (
            <details className="ov-footnote" data-testid="unshown-problems">
              <summary>
                {unshown.length} of {troubled.reduce((n, s) => n + s.rows.length, 0)} probes in trouble are shown by no runbook
              </summary>
              <p className="muted">
                {unshown.join(", ")}. Add a <code>::status</code> directive to the runbook that handles each.
              </p>
            </details>
          ) : null}
          {silences.length ? (
            <details className="ov-footnote" data-testid="overview-silences">
              <summary>
                {silences.length} {silences.length === 1 ? "silence" : "silences"} active
              </summary>
              <ul>
                {silences.map((s) => (
                  <li key={s.id}>
                    <code>{s.matchers.map((m) => `${m.name}${m.isRegex ? "=~" : "="}${m.value}`).join(", ")}</code> — {s.comment}{" "}
                    <span className="muted">
                      ({s.createdBy}
                      {s.endsAt ? (
                        <>
                          , until <Time at={s.endsAt} />
                        </>
                      ) : s.window ? (
                        <>
                          , window until <Time at={s.window.endsAt} />
                        </>
                      ) : null}
                      )
                    </span>
                  </li>
                ))}
              </ul>
              <p>
                <Link to="/alerts">Alerts and silences</Link>
              </p>
            </details>
          ) : null}
          {unknown.length ? (
            <details className="ov-footnote overview-unknown">
              <summary>
                {unknown.length} {unknown.length === 1 ? "probe has" : "probes have"} no current reading
              </summary>
              <ul>
                {unknown.map((u) => (
                  <li key={u.id}>
                    <StatusBadge status="unknown" /> {u.title} <code>{u.id}</code>
                    {u.error ? <span className="muted"> — {u.error}</span> : null}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
          <OncallNow rotations={oncall} />
        </>
      )}
    </section>
  );
}
