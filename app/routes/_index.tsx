import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { formatValue, readingAge, StatusBadge } from "~/components/widgets/status";
import { useNow } from "~/components/widgets/provider";
import { requireUser } from "~/core/auth.server";
import { getPortal } from "~/core/portal.server";
import { pluginStatuses, probeSnapshot } from "~/core/probes/service.server";
import { waitingForAdmin } from "~/core/actions/runs.server";
import { listIncidents } from "~/core/incidents/incidents.server";
import { probeProblems } from "~/core/runbooks/coverage.server";
import { probeRowStates } from "~/core/alerts/probe-rows.server";
import { listSilences } from "~/core/alerts/silences.server";
import { ProbeRowControls } from "~/components/alerts/probe-row-controls";
import { canRespond } from "~/lib/incidents";
import { oncallNow } from "~/core/notifications/oncall.server";
import { OncallNow } from "~/components/oncall-now";

export const meta: MetaFunction = () => [{ title: "Overview · Opsdeck" }];

const REFRESH_MS = 15_000;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const portal = getPortal();
  const probes = await probeSnapshot(portal);
  const { problems, unshown } = probeProblems(probes, portal.log);
  const incidents = (await listIncidents(portal.store, { state: "open", limit: 20 })).map((i) => ({ id: i.id, title: i.title, severity: i.severity, status: i.status, declaredAt: i.declaredAt }));
  const pending = await waitingForAdmin(portal);
  const rowStates = await probeRowStates(portal, problems);
  const silences = (await listSilences(portal)).filter((s) => s.state === "active").slice(0, 20);
  return json(
    {
      plugins: pluginStatuses(portal, probes),
      problems,
      unshown,
      incidents,
      pending,
      me: user.username,
      rowStates,
      silences,
      oncall: await oncallNow(portal.store, portal.config.oncall),
      canAct: canRespond(user.roles),
      unknown: probes.filter((p) => p.status === "unknown").map((p) => ({ id: p.id, title: p.title, error: p.error ?? null })),
      total: probes.length,
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}

export default function Overview() {
  const { plugins, problems, unshown, unknown, total, incidents, pending, me, rowStates, silences, canAct, oncall } = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  const now = useNow(5000);
  useEffect(() => {
    const t = setInterval(() => {
      if (!document.hidden && revalidator.state === "idle") revalidator.revalidate();
    }, REFRESH_MS);
    return () => clearInterval(t);
  }, [revalidator]);

  return (
    <section aria-labelledby="overview-title" className="overview">
      <div className="overview-head">
        <h1 id="overview-title">Overview</h1>
        <form method="get" action="/runbooks" role="search" className="overview-search">
          <label htmlFor="overview-q" className="sr-only">
            Search runbooks
          </label>
          <input id="overview-q" type="search" name="q" placeholder="Search runbooks (e.g. webhook, refund)" />
          <button type="submit">Search</button>
        </form>
        <p className="overview-declare">
          <Link to="/incidents/new">Declare an incident</Link>
        </p>
        <OncallNow rotations={oncall} />
      </div>
      <div className="overview-now">
        <section aria-labelledby="open-incidents-title" data-testid="open-incidents">
          <h2 id="open-incidents-title">Open incidents</h2>
          {incidents.length ? (
            <ul>
              {incidents.map((i) => (
                <li key={i.id}>
                  <span className={`sev sev-${i.severity}`}>{i.severity}</span> <Link to={`/incidents/${i.id}`}>{i.title}</Link> <span className="muted">({i.status})</span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No open incident.</p>
          )}
        </section>
        <section aria-labelledby="pending-title" data-testid="pending-decisions">
          <h2 id="pending-title">Waiting for an admin</h2>
          {pending.length ? (
            <ul>
              {pending.map((r) => (
                <li key={r.runId} data-kind={r.kind}>
                  <Link to={`/runs/${r.runId}`}>{r.title}</Link> <code>{r.target}</code>{" "}
                  <span className="muted">
                    {r.kind === "request" ? "requested" : "approval asked"} by {r.actor === me ? "you" : r.actor}
                  </span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No approvals or requests waiting.</p>
          )}
        </section>
      </div>
      {plugins.length === 0 ? (
        <p>
          No plugin is enabled. Add a plugin section to <code>app-config.yaml</code>, or start without one for demo mode.
        </p>
      ) : (
        <>
          <h2>Needs attention</h2>
          {problems.length === 0 ? (
            <p data-testid="no-problems">
              <StatusBadge status="ok" /> No probe is in warning or critical{total ? ` (${total} probes)` : ""}.
            </p>
          ) : (
            <>
              {unshown.length ? (
                <p className="muted" data-testid="unshown-problems">
                  {unshown.length === problems.length ? (unshown.length === 1 ? "No runbook shows this probe" : "No runbook shows any of these probes") : `${unshown.length} of ${problems.length} probes in trouble are shown by no runbook`}
                  : {unshown.join(", ")}. Add a <code>::status</code> directive to the runbook that handles each.
                </p>
              ) : null}
              <table className="overview-problems" data-testid="problems">
                <thead>
                  <tr>
                    <th scope="col">Status</th>
                    <th scope="col">Probe</th>
                    <th scope="col">Reading</th>
                    <th scope="col">Runbooks to open</th>
                  </tr>
                </thead>
                <tbody>
                  {problems.map((p) => (
                    <tr key={p.id} data-probe={p.id} data-shown={p.runbooks.length ? "yes" : "no"}>
                      <td>
                        <StatusBadge status={p.status} />
                        <ProbeRowControls probeId={p.id} state={rowStates[p.id]} canAct={canAct} />
                      </td>
                      <td>
                        <strong>{p.title}</strong>
                        <div className="muted">
                          <code>{p.id}</code>
                        </div>
                      </td>
                      <td>
                        <div>{formatValue(p.value, p.unit)}</div>
                        <div>{p.summary}</div>
                        <div className="muted">as of {readingAge(p.observedAt, now)}</div>
                      </td>
                      <td>
                        {p.runbooks.length ? (
                          <ul>
                            {p.runbooks.map((r) => (
                              <li key={r.path}>
                                <Link to={`/runbooks/${r.path}`}>{r.title}</Link>
                              </li>
                            ))}
                          </ul>
                        ) : p.mentioning.length ? (
                          <>
                            <span className="muted">No runbook shows this probe; these name it:</span>
                            <ul>
                              {p.mentioning.slice(0, 3).map((r) => (
                                <li key={r.path}>
                                  <Link to={`/runbooks/${r.path}`}>{r.title}</Link>
                                </li>
                              ))}
                            </ul>
                          </>
                        ) : (
                          <span className="muted">No runbook shows this probe yet.</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          {silences.length ? (
            <section aria-labelledby="silences-title" data-testid="overview-silences">
              <h2 id="silences-title">Silenced now</h2>
              <ul>
                {silences.map((s) => (
                  <li key={s.id}>
                    <code>{s.matchers.map((m) => `${m.name}${m.isRegex ? "=~" : "="}${m.value}`).join(", ")}</code> — {s.comment} <span className="muted">({s.createdBy}{s.endsAt ? `, until ${s.endsAt.slice(0, 16).replace("T", " ")} UTC` : s.window ? `, window until ${s.window.endsAt.slice(0, 16).replace("T", " ")} UTC` : ""})</span>
                  </li>
                ))}
              </ul>
              <p>
                <Link to="/alerts">Alerts and silences</Link>
              </p>
            </section>
          ) : null}
          <h2>Plugins</h2>
          <ul className="overview-plugins" data-testid="plugin-statuses">
            {plugins.map((p) => (
              <li key={p.id} data-plugin={p.id} data-status={p.probes ? p.status : "none"}>
                <strong>{p.title}</strong> {p.demo ? <span className="tag">sandbox</span> : null}
                <div>{p.probes ? <StatusBadge status={p.status} /> : <span className="muted">no probes</span>}</div>
                {p.probes ? (
                  <div className="muted">
                    {p.probes} {p.probes === 1 ? "probe" : "probes"}: {p.counts.critical} critical · {p.counts.warn} warning · {p.counts.unknown} unknown · {p.counts.ok} ok
                  </div>
                ) : null}
              </li>
            ))}
          </ul>

          {unknown.length ? (
            <details className="overview-unknown">
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
        </>
      )}
    </section>
  );
}
