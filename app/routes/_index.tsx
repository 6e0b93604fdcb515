import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { formatAge, formatValue, StatusBadge } from "~/components/widgets/status";
import { useNow } from "~/components/widgets/provider";
import { requireUser } from "~/core/auth.server";
import { getPortal } from "~/core/portal.server";
import { pluginStatuses, probeSnapshot } from "~/core/probes/service.server";
import { listRunbooks } from "~/core/runbooks/runbooks.server";

export const meta: MetaFunction = () => [{ title: "Overview · Opsdeck" }];

const REFRESH_MS = 15_000;

/** Reverse index: which runbooks show a probe in a widget, and which name a plugin. */
function runbookIndex(log: { warn(o: unknown, m?: string): void }) {
  const byProbe = new Map<string, { path: string; title: string }[]>();
  const byPlugin = new Map<string, { path: string; title: string }[]>();
  let runbooks: ReturnType<typeof listRunbooks> = [];
  try {
    runbooks = listRunbooks();
  } catch (err) {
    log.warn({ err }, "overview: runbooks could not be listed");
  }
  for (const r of runbooks) {
    const ref = { path: r.path, title: r.title };
    const probes = new Set(r.slots.filter((s) => s.kind !== "action").map((s) => s.id));
    for (const id of probes) byProbe.set(id, [...(byProbe.get(id) ?? []), ref]);
    for (const p of r.plugins) byPlugin.set(p, [...(byPlugin.get(p) ?? []), ref]);
  }
  return { byProbe, byPlugin };
}

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  const portal = getPortal();
  const probes = await probeSnapshot(portal);
  const { byProbe, byPlugin } = runbookIndex(portal.log);
  const rank = { critical: 0, warn: 1, unknown: 2, ok: 3 } as const;
  const problems = probes
    .filter((p) => p.status === "warn" || p.status === "critical")
    .sort((a, b) => rank[a.status] - rank[b.status] || a.id.localeCompare(b.id))
    .map((p) => ({ ...p, runbooks: byProbe.get(p.id) ?? [], pluginRunbooks: byProbe.has(p.id) ? [] : (byPlugin.get(p.pluginId) ?? []) }));
  return json(
    {
      plugins: pluginStatuses(portal, probes),
      problems,
      unknown: probes.filter((p) => p.status === "unknown").map((p) => ({ id: p.id, title: p.title, error: p.error ?? null })),
      total: probes.length,
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}

export default function Overview() {
  const { plugins, problems, unknown, total } = useLoaderData<typeof loader>();
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
      <h1 id="overview-title">Overview</h1>
      <p className="overview-declare"><Link to="/incidents/new">Declare an incident</Link></p>
      {plugins.length === 0 ? (
        <p>
          No plugin is enabled. Add a plugin section to <code>app-config.yaml</code>, or start without one for demo mode.
        </p>
      ) : (
        <>
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

          <h2>Needs attention</h2>
          {problems.length === 0 ? (
            <p data-testid="no-problems">
              <StatusBadge status="ok" /> No probe is in warning or critical{total ? ` (${total} probes)` : ""}.
            </p>
          ) : (
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
                  <tr key={p.id} data-probe={p.id}>
                    <td>
                      <StatusBadge status={p.status} />
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
                      <div className="muted">as of {formatAge(p.observedAt, now)}</div>
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
                      ) : p.pluginRunbooks.length ? (
                        <>
                          <span className="muted">No runbook shows this probe; runbooks for {p.pluginId}:</span>
                          <ul>
                            {p.pluginRunbooks.slice(0, 3).map((r) => (
                              <li key={r.path}>
                                <Link to={`/runbooks/${r.path}`}>{r.title}</Link>
                              </li>
                            ))}
                          </ul>
                          {p.pluginRunbooks.length > 3 ? (
                            <Link className="muted" to={`/runbooks?plugin=${encodeURIComponent(p.pluginId)}`}>
                              all {p.pluginRunbooks.length} runbooks for {p.pluginId}
                            </Link>
                          ) : null}
                        </>
                      ) : (
                        <span className="muted">No runbook shows this probe yet.</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
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
