import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useFormatTime } from "~/components/time";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { AsOfCard, AsOfRunbook } from "~/components/incidents/as-of-view";
import { requireUser } from "~/core/auth.server";
import { readingsAt } from "~/core/incidents/as-of.server";
import { TimeSchema } from "~/core/incidents/incidents.server";
import { loadIncident } from "~/core/incidents/service.server";
import { orErrorResponse } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";
import { getRunbook } from "~/core/runbooks/runbooks.server";
import { formatTime, toLocalInput } from "~/lib/incidents";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `As of ${data ? formatTime(data.at) : ""} · ${data?.incident.title ?? "Incident"} · Opsdeck` }];

/** /incidents/:id/as-of?at=<epoch ms | ISO | datetime-local>&runbook=<path> */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const incident = await orErrorResponse(loadIncident(params.id));
  const url = new URL(request.url);
  const parsed = TimeSchema.safeParse(url.searchParams.get("at") ?? undefined);
  if (!parsed.success) throw json({ error: "at: must be a time (ISO 8601 or epoch ms)" }, { status: 400 });
  const at = parsed.data ?? incident.resolvedAt ?? Date.now();
  const runbookPath = url.searchParams.get("runbook") || incident.runbooks[0] || null;
  const { store, registry, config } = getPortal();
  const runbook = runbookPath ? getRunbook(runbookPath) : null;
  const probeIds = new Set<string>();
  if (runbook) for (const s of runbook.slots) if (s.kind !== "action") probeIds.add(s.id);
  for (const p of registry.probes.values()) if (incident.plugins.includes(p.pluginId)) probeIds.add(p.id);
  const probes = [...probeIds].sort().map((id) => {
    const def = registry.probes.get(id)?.def;
    return { id, title: def?.title ?? id, unit: def?.unit };
  });
  const readings = await readingsAt(store, probes, at, config.secretValues);
  return json({
    incident: { id: incident.id, title: incident.title, runbooks: incident.runbooks },
    at,
    runbook: runbook ? { path: runbook.path, title: runbook.title, blocks: runbook.blocks } : null,
    missingRunbook: runbookPath && !runbook ? runbookPath : null,
    readings,
  });
}

export default function IncidentAsOf() {
  const fmt = useFormatTime();
  const { incident, at, runbook, missingRunbook, readings } = useLoaderData<typeof loader>();
  const byId = Object.fromEntries(readings.map((r) => [r.id, r]));
  const onPage = new Set(runbook ? runbook.blocks.flatMap((b) => (b.type === "slot" ? [b.slot.id] : [])) : []);
  const others = readings.filter((r) => !onPage.has(r.id));
  return (
    <article className="asof-page" aria-labelledby="asof-title">
      <p className="crumbs">
        <Link to="/incidents">Incidents</Link> › <Link to={`/incidents/${incident.id}`}>{incident.title}</Link> › As of
      </p>
      <h1 id="asof-title">
        {runbook ? runbook.title : "Probe readings"} <span className="muted">as of {fmt(at)}</span>
      </h1>
      <p className="asof-banner" role="note">
        A snapshot from stored samples: each widget shows the last reading taken at or before {fmt(at)}. Nothing here is live.
      </p>
      <Form method="get" className="asof-form row">
        <label>
          Time (UTC)
          <input type="datetime-local" name="at" step={60} defaultValue={toLocalInput(at)} />
        </label>
        {incident.runbooks.length > 1 ? (
          <label>
            Runbook
            <select name="runbook" defaultValue={runbook?.path}>
              {incident.runbooks.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
        ) : runbook ? (
          <input type="hidden" name="runbook" value={runbook.path} />
        ) : null}
        <button type="submit">Show</button>
      </Form>
      {missingRunbook ? <p className="form-error">The runbook {missingRunbook} no longer exists; showing the linked plugins' probes.</p> : null}
      {others.length ? (
        <section aria-labelledby="asof-others">
          <h2 id="asof-others">{runbook ? "Other probes of the linked plugins" : "Probes of the linked plugins"}</h2>
          <div className="asof-grid">
            {others.map((r) => (
              <AsOfCard key={r.id} reading={r} />
            ))}
          </div>
        </section>
      ) : !readings.length ? (
        <p className="muted">No probes are linked to this incident.</p>
      ) : null}
      {runbook ? (
        <section aria-label="Runbook as it read then">
          <h2>
            <a href={`/runbooks/${runbook.path}`}>{runbook.path}</a>
          </h2>
          <AsOfRunbook blocks={runbook.blocks} readings={byId} />
        </section>
      ) : null}
    </article>
  );
}
