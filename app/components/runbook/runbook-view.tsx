import { Link } from "@remix-run/react";
import { Time } from "~/components/time";
import { RunbookIncidentBar } from "~/components/incidents/runbook-incident-bar";
import { WidgetsProvider } from "~/components/widgets/provider";
import type { WidgetSlot } from "~/lib/widgets";
import { LiveStrip } from "./live-strip";
import { LiveBlocks } from "./live-block";
import { RunbookBody, RunbookToc } from "./runbook-body";
import type { RunbookPageData } from "~/lib/runbook";
import type { RunbookFreshness } from "~/lib/freshness";
import { FreshnessLine } from "./freshness-line";

/** A whole runbook page: title and facts, file warnings, incident bar, text with widgets, TOC. */
export function RunbookView({ runbook, freshness }: { runbook: RunbookPageData & { slots: WidgetSlot[] }; freshness?: RunbookFreshness | null }) {
  const updated = new Date(runbook.updatedAt);
  return (
    <WidgetsProvider slots={runbook.slots}>
    <article className="runbook" aria-labelledby="runbook-title">
      <header className="runbook-header">
        <p className="muted runbook-crumbs">
          <Link to="/runbooks">Runbooks</Link> / <code>{runbook.path}</code>
        </p>
        <h1 id="runbook-title">{runbook.title}</h1>
        <LiveStrip slots={runbook.slots} />
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
          {freshness ? null : (
            <>
              <dt>Last change</dt>
              <dd>
                <Time at={updated} />
              </dd>
            </>
          )}
        </dl>
        {freshness ? <FreshnessLine freshness={freshness} /> : null}
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
        <RunbookBody blocks={runbook.blocks} />
        <LiveBlocks runbookPath={runbook.path} />
        <RunbookToc toc={runbook.toc} />
      </div>
    </article>
    </WidgetsProvider>
  );
}
