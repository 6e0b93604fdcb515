import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { RunbookIncidentBar } from "~/components/incidents/runbook-incident-bar";
import { RunbookBody, RunbookToc } from "~/components/runbook/runbook-body";
import { WidgetsProvider } from "~/components/widgets/provider";
import { requireUser } from "~/core/auth.server";
import { warmProbes } from "~/core/probes/service.server";
import { getRunbook } from "~/core/runbooks/runbooks.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.runbook.title} · Runbooks · Opsdeck` : "Runbook · Opsdeck" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const runbook = getRunbook(params["*"] ?? "");
  if (!runbook) throw new Response("There is no runbook at this address.", { status: 404 });
  warmProbes(runbook.slots); // start reads now; the page itself never waits on them
  return json({ runbook });
}

export default function RunbookPage() {
  const { runbook } = useLoaderData<typeof loader>();
  const updated = new Date(runbook.updatedAt);
  return (
    <article className="runbook" aria-labelledby="runbook-title">
      <header className="runbook-header">
        <p className="muted runbook-crumbs">
          <Link to="/runbooks">Runbooks</Link> / <code>{runbook.path}</code>
        </p>
        <h1 id="runbook-title">{runbook.title}</h1>
        <dl className="runbook-meta">
          {runbook.owner ? (
            <>
              <dt>Owner</dt>
              <dd>{runbook.owner}</dd>
            </>
          ) : null}
          {runbook.service ? (
            <>
              <dt>Service</dt>
              <dd>{runbook.service}</dd>
            </>
          ) : null}
          {runbook.severity ? (
            <>
              <dt>Severity</dt>
              <dd>{runbook.severity}</dd>
            </>
          ) : null}
          {runbook.plugins.length ? (
            <>
              <dt>Plugins</dt>
              <dd>
                {runbook.plugins.map((p) => (
                  <span key={p} className="tag">
                    {p}
                  </span>
                ))}
              </dd>
            </>
          ) : null}
          {runbook.tags.length ? (
            <>
              <dt>Tags</dt>
              <dd>
                {runbook.tags.map((t) => (
                  <Link key={t} className="tag" to={`/runbooks?tag=${encodeURIComponent(t)}`}>
                    {t}
                  </Link>
                ))}
              </dd>
            </>
          ) : null}
          <dt>Last change</dt>
          <dd>
            <time dateTime={runbook.updatedAt} title={runbook.updatedAt}>
              {updated.toISOString().slice(0, 16).replace("T", " ")} UTC
            </time>
          </dd>
        </dl>
      </header>
      {runbook.warnings.length ? (
        <div className="runbook-file-warning" role="alert">
          {runbook.warnings.map((w, i) => (
            <p key={i}>{w}</p>
          ))}
        </div>
      ) : null}
      <RunbookIncidentBar runbookPath={runbook.path} plugins={runbook.plugins} />
      <div className="runbook-layout">
        <WidgetsProvider slots={runbook.slots}>
          <RunbookBody blocks={runbook.blocks} />
        </WidgetsProvider>
        <RunbookToc toc={runbook.toc} />
      </div>
    </article>
  );
}
