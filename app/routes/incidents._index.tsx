import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { SeverityBadge, StatusBadge } from "~/components/incidents/bits";
import { requireUser } from "~/core/auth.server";
import { listIncidents } from "~/core/incidents/incidents.server";
import { incidentContext } from "~/core/incidents/service.server";
import { updatesDue } from "~/core/incidents/timeline.server";
import { canRespond, formatDuration } from "~/lib/incidents";
import { Time } from "~/components/time";

export const meta: MetaFunction = () => [{ title: "Incidents · Opsdeck" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const url = new URL(request.url);
  const state = url.searchParams.get("state") === "all" ? "all" : url.searchParams.get("state") === "resolved" ? "resolved" : "open";
  const { store, secrets } = incidentContext();
  const incidents = await listIncidents(store, { state, limit: 300, secrets });
  return json({ incidents, due: await updatesDue(store, incidents), state, canDeclare: canRespond(user.roles), now: Date.now() });
}

export default function IncidentsIndex() {
  const { incidents, due, state, canDeclare, now } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const tab = (s: string, label: string) => (
    <Link to={`?state=${s}`} className={`tab${state === s ? " active" : ""}`} aria-current={state === s ? "page" : undefined}>
      {label}
    </Link>
  );
  return (
    <section aria-labelledby="incidents-title" className="incidents">
      <div className="page-head">
        <h1 id="incidents-title">Incidents</h1>
        {canDeclare ? (
          <Link to="/incidents/new" className="button">
            Declare an incident
          </Link>
        ) : null}
      </div>
      <nav className="tabs" aria-label="Filter">
        {tab("open", "Open")}
        {tab("resolved", "Resolved")}
        {tab("all", "All")}
      </nav>
      {incidents.length === 0 ? (
        <p className="muted">{params.get("state") === "all" ? "No incidents yet." : `No ${state} incidents.`}</p>
      ) : (
        <table className="incident-table">
          <thead>
            <tr>
              <th>Incident</th>
              <th>Severity</th>
              <th>Status</th>
              <th>Commander</th>
              <th>Declared</th>
              <th>Duration</th>
            </tr>
          </thead>
          <tbody>
            {incidents.map((i) => (
              <tr key={i.id}>
                <td>
                  <Link to={`/incidents/${i.id}`}>{i.title}</Link>
                  {i.runbooks.length ? <div className="muted">{i.runbooks.join(", ")}</div> : null}
                </td>
                <td>
                  <SeverityBadge severity={i.severity} />
                </td>
                <td>
                  <StatusBadge status={i.status} />
                  {due[i.id] !== undefined && due[i.id] < now ? <span className="tag overdue-tag">update overdue</span> : null}
                </td>
                <td>{i.commander ?? "—"}</td>
                <td>
                  <Time at={i.declaredAt} />
                </td>
                <td>{formatDuration((i.resolvedAt ?? now) - (i.impactStartedAt ?? i.detectedAt))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
