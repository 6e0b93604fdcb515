import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { HorizontalCountChart, IncidentsPerWeekChart, MeanTimesChart, MeanTimesTrendChart } from "~/components/incidents/dashboard-charts";
import { requireUser } from "~/core/auth.server";
import { dashboardFigures } from "~/core/incidents/dashboard.server";
import { incidentContext } from "~/core/incidents/service.server";
import { getPortal } from "~/core/portal.server";
import { createScrubber } from "~/core/secrets/index.server";
import { sloReport } from "~/core/slo/report.server";
import { timePreference } from "~/core/time-preference.server";
import { formatDuration, SEVERITIES } from "~/lib/incidents";
import { formatInstant, preferredZoneName } from "~/lib/time";

export const meta: MetaFunction = () => [{ title: "Reports · Opsdeck" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const time = timePreference(request, user);
  const raw = new URL(request.url).searchParams.get("weeks");
  const weeks = raw && /^\d{1,3}$/.test(raw) ? Math.min(Math.max(Number(raw), 1), 104) : 12;
  const portal = getPortal();
  const [figures, slos] = await Promise.all([
    dashboardFigures(incidentContext().store, { weeks, timeZone: time.zone }),
    sloReport(portal, { months: 3, signal: AbortSignal.any([request.signal, AbortSignal.timeout(15_000)]) }),
  ]);
  // Weeks start Monday 00:00 on the reader's clock (the time preference), the zone named.
  const zone = { name: preferredZoneName(time, figures.range.to), from: formatInstant(figures.range.from, time).slice(0, 10), to: formatInstant(figures.range.to, time).slice(0, 10) };
  return json({ figures, zone, slos: createScrubber(portal.config.secretValues).deep(slos) });
}

const minutes = (m: number | null) => (m == null ? "—" : formatDuration(m * 60_000));

export default function Reports() {
  const { figures, zone, slos } = useLoaderData<typeof loader>();
  const { range, perWeek, mtta, mttr, meanTimesPerWeek, actionsPerIncident, averageActionsPerIncident, topRunbooks, overduePrevention } = figures;
  const total = perWeek.reduce((a, w) => a + w.total, 0);
  const means = SEVERITIES.map((s, i) => ({ severity: s, mtta: mtta[i].minutes, mttr: mttr[i].minutes }));
  return (
    <section className="reports-page" aria-labelledby="reports-title">
      <div className="page-head">
        <h1 id="reports-title">Reports</h1>
        <Form method="get" className="row">
          <label>
            Weeks
            <select name="weeks" defaultValue={String(range.weeks)} onChange={(e) => e.currentTarget.form?.requestSubmit()}>
              {[4, 8, 12, 26, 52].map((w) => (
                <option key={w} value={w}>
                  {w}
                </option>
              ))}
            </select>
          </label>
          <noscript>
            <button type="submit">Show</button>
          </noscript>
        </Form>
      </div>
      <p className="muted">
        {total} incident{total === 1 ? "" : "s"} declared from {zone.from} to {zone.to} (weeks start Monday 00:00 {zone.name}). MTTA: detection → a
        commander took it; MTTR: detection → resolved.
      </p>

      <div className="dash-grid">
        <section className="card dash-card" aria-labelledby="per-week-title">
          <h2 id="per-week-title">Incidents per week by severity</h2>
          <div className="chart-box">
            <IncidentsPerWeekChart data={perWeek} />
          </div>
          <table className="dash-table" data-testid="per-week">
            <thead>
              <tr>
                <th>Week of</th>
                {SEVERITIES.map((s) => (
                  <th key={s}>{s}</th>
                ))}
                <th>Total</th>
              </tr>
            </thead>
            <tbody>
              {perWeek
                .filter((w) => w.total > 0)
                .map((w) => (
                  <tr key={w.week}>
                    <td>{w.week}</td>
                    {SEVERITIES.map((s) => (
                      <td key={s}>{w[s]}</td>
                    ))}
                    <td>{w.total}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </section>

        <section className="card dash-card" aria-labelledby="mean-title">
          <h2 id="mean-title">MTTA and MTTR by severity</h2>
          <div className="chart-box">
            <MeanTimesChart data={means} />
          </div>
          <table className="dash-table" data-testid="mean-times">
            <thead>
              <tr>
                <th>Severity</th>
                <th>MTTA</th>
                <th>MTTR</th>
                <th>Resolved</th>
              </tr>
            </thead>
            <tbody>
              {SEVERITIES.map((s, i) => (
                <tr key={s}>
                  <td>{s}</td>
                  <td>{minutes(mtta[i].minutes)}</td>
                  <td>{minutes(mttr[i].minutes)}</td>
                  <td>{mttr[i].incidents}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>

        <section className="card dash-card wide" aria-labelledby="trend-title" data-testid="mean-times-trend">
          <h2 id="trend-title">MTTA and MTTR per week</h2>
          <div className="chart-box">
            <MeanTimesTrendChart data={meanTimesPerWeek} />
          </div>
          <table className="dash-table">
            <thead>
              <tr>
                <th>Week of</th>
                <th>MTTA</th>
                <th>MTTR</th>
                <th>Incidents</th>
              </tr>
            </thead>
            <tbody>
              {meanTimesPerWeek
                .filter((w) => w.acknowledged || w.resolved)
                .map((w) => (
                  <tr key={w.week}>
                    <td>{w.week}</td>
                    <td>{minutes(w.mtta)}</td>
                    <td>{minutes(w.mttr)}</td>
                    <td>
                      {w.acknowledged} acknowledged, {w.resolved} resolved
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        </section>

        <section className="card dash-card" aria-labelledby="actions-title">
          <h2 id="actions-title">Actions run per incident</h2>
          <p className="muted">Average {averageActionsPerIncident ?? "—"} per incident.</p>
          {actionsPerIncident.length ? (
            <div className="chart-box">
              <HorizontalCountChart data={actionsPerIncident.slice(0, 10)} dataKey="actions" labelKey="title" name="Actions run" />
            </div>
          ) : null}
          <ul className="dash-list">
            {actionsPerIncident.slice(0, 10).map((a) => (
              <li key={a.id}>
                <Link to={`/incidents/${a.id}`}>{a.title}</Link> ({a.severity}): {a.actions}
              </li>
            ))}
          </ul>
        </section>

        <section className="card dash-card" aria-labelledby="runbooks-title">
          <h2 id="runbooks-title">Runbooks used most</h2>
          {topRunbooks.length ? (
            <>
              <div className="chart-box">
                <HorizontalCountChart data={topRunbooks} dataKey="incidents" labelKey="runbook" name="Incidents" />
              </div>
              <ol className="dash-list">
                {topRunbooks.map((r) => (
                  <li key={r.runbook}>
                    <a href={`/runbooks/${r.runbook}`}>{r.runbook}</a>: {r.incidents} incident{r.incidents === 1 ? "" : "s"}
                  </li>
                ))}
              </ol>
            </>
          ) : (
            <p className="muted">No incident linked a runbook in this range.</p>
          )}
        </section>

        {slos.length ? <SloBudgets slos={slos} /> : null}

        <section className="card dash-card wide" aria-labelledby="overdue-title">
          <h2 id="overdue-title">Open prevention items past due</h2>
          {overduePrevention.length ? (
            <table className="dash-table" data-testid="overdue">
              <thead>
                <tr>
                  <th>Item</th>
                  <th>Owner</th>
                  <th>Due</th>
                  <th>Overdue</th>
                  <th>Incident</th>
                </tr>
              </thead>
              <tbody>
                {overduePrevention.map((p) => (
                  <tr key={p.id}>
                    <td>{p.description}</td>
                    <td>{p.owner}</td>
                    <td>{new Date(p.dueAt).toISOString().slice(0, 10)}</td>
                    <td>{p.daysOverdue} days</td>
                    <td>
                      <Link to={`/incidents/${p.incidentId}/report`}>{p.incidentTitle}</Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">None. Every prevention item is done or not yet due.</p>
          )}
        </section>
      </div>
    </section>
  );
}

const pct = (v: number | null) => (v === null ? "—" : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} %`);
const count = (v: number) => Math.round(v).toLocaleString("en");

/** Each SLO's error budget per calendar month and the incidents (linking its runbook) that spent it. */
function SloBudgets({ slos }: { slos: ReturnType<typeof useLoaderData<typeof loader>>["slos"] }) {
  return (
    <section className="card dash-card wide" aria-labelledby="slo-budgets-title" data-testid="slo-budgets">
      <h2 id="slo-budgets-title">Error budgets by month</h2>
      <p className="muted">
        Budget spent: the month&apos;s failed events against those its objective allows (over 100 % the month missed the objective). Incidents: those linking the SLO&apos;s runbook, with the
        failures counted while each lasted. Months in UTC, the current one up to now.
      </p>
      <table className="dash-table">
        <thead>
          <tr>
            <th>SLO</th>
            <th>Month</th>
            <th>Events</th>
            <th>Failed</th>
            <th>Budget spent</th>
            <th>Spent by</th>
          </tr>
        </thead>
        <tbody>
          {slos.map((slo) =>
            slo.error ? (
              <tr key={slo.name} data-slo={slo.name}>
                <th scope="row">{slo.title}</th>
                <td colSpan={5} className="widget-error">
                  Could not be read: {slo.error}
                </td>
              </tr>
            ) : (
              slo.months.map((m, i) => (
                <tr key={`${slo.name}-${m.month}`} data-slo={slo.name} data-month={m.month}>
                  {i === 0 ? (
                    <th scope="row" rowSpan={slo.months.length}>
                      {slo.runbook ? <a href={`/runbooks/${slo.runbook}`}>{slo.title}</a> : slo.title}
                      <div className="muted">{slo.objective} %{slo.owner ? ` · ${slo.owner}` : ""}</div>
                    </th>
                  ) : null}
                  <td>{m.month}</td>
                  <td>{count(m.total)}</td>
                  <td>{count(m.bad)}</td>
                  <td data-testid="slo-spent">
                    {pct(m.spentPct)}
                    {m.spentPct !== null ? <meter min={0} max={100} high={75} optimum={0} value={Math.min(100, m.spentPct)} aria-label="Budget spent" /> : null}
                  </td>
                  <td>
                    {m.incidents.length ? (
                      <ul className="dash-list">
                        {m.incidents.map((inc) => (
                          <li key={inc.id}>
                            <Link to={`/incidents/${inc.id}`}>{inc.title}</Link> ({inc.severity}): {count(inc.bad)} failed{inc.sharePct !== null ? `, ${pct(inc.sharePct)} of the month's` : ""}
                          </li>
                        ))}
                      </ul>
                    ) : m.bad > 0 ? (
                      <span className="muted">no incident linking the runbook</span>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                </tr>
              ))
            ),
          )}
        </tbody>
      </table>
    </section>
  );
}
