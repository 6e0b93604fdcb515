import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Time } from "~/components/time";
import { json } from "@remix-run/node";
import { Link, useLoaderData, useNavigate, useRevalidator } from "@remix-run/react";
import { useCallback, useEffect, useRef, useState } from "react";
import { getRun, type RunView } from "~/core/actions/runs.server";
import { listAudit } from "~/core/audit/query.server";
import { getRunbook } from "~/core/runbooks/runbooks.server";
import { publicUser, requireUser } from "~/core/auth.server";
import { requestOf } from "~/core/actions/ask-admin.server";
import { runContext } from "~/core/incidents/joining.server";
import { getPortal } from "~/core/portal.server";
import { hasRole } from "~/lib/roles";
import { ResultRows } from "~/components/widgets/result-rows";
import { readableName } from "~/components/widgets/labels";
import { ApprovalCard } from "~/components/approvals/approval-card";
import type { ApprovalView } from "~/lib/approvals";
import { approvalView } from "~/core/actions/approval-view.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.run.title ?? "Run"} · Opsdeck` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const portal = getPortal();
  const run = await getRun(portal, params.runId ?? "");
  if (!run) throw json({ error: "There is no run with this id." }, { status: 404 });
  const { entries } = await listAudit(portal.store, { run: run.runId, limit: 100 });
  const context = await runContext(portal.store, run);
  const runbookTitle = context.runbook ? (getRunbook(context.runbook)?.title ?? null) : null;
  const runRequest = await requestOf(portal, run.runId);
  const approval = await approvalView(portal, run.runId);
  return json({ run, request: runRequest, approval, context: { ...context, runbookTitle }, user: publicUser(user), entries: entries.reverse().map((e) => ({ seq: e.seq, at: e.at, actor: e.actor, outcome: e.outcome })) });
}

const ACTIVE = ["requested", "awaiting_approval", "pending", "started"];

async function postJson(url: string, body: unknown = {}) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const data = (await res.json().catch(() => ({}))) as { error?: string };
  return { ok: res.ok, data };
}

/** Keyed by run: going from run A to a new run B (a fix button on A's page) shows B at once. */
export default function RunPage() {
  const data = useLoaderData<typeof loader>();
  return <RunView key={data.run.runId} />;
}

function RunView() {
  const data = useLoaderData<typeof loader>();
  const [run, setRun] = useState<RunView>(data.run as unknown as RunView);
  const [entries, setEntries] = useState(data.entries);
  const [message, setMessage] = useState<string | null>(null);
  const logRef = useRef<HTMLPreElement>(null);
  const active = ACTIVE.includes(run.status);

  const refresh = useCallback(async () => {
    const res = await fetch(`/api/runs/${encodeURIComponent(run.runId)}`, { headers: { accept: "application/json" } });
    if (res.ok) setRun((await res.json()) as RunView);
  }, [run.runId]);

  // Live log: poll while the run is active (works across instances; no sticky sessions needed).
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => void refresh(), 700);
    return () => clearInterval(t);
  }, [active, refresh]);

  // Once finished, fetch the closing audit entries too.
  useEffect(() => {
    if (active) return;
    void fetch(`/audit/export?format=ndjson&run=${encodeURIComponent(run.runId)}`).then(async (res) => {
      if (!res.ok) return;
      const lines = (await res.text()).trim().split("\n").filter(Boolean);
      setEntries(lines.map((l) => JSON.parse(l)).map((e: { seq: number; at: string; actor: string; outcome: string }) => ({ seq: e.seq, at: Date.parse(e.at), actor: e.actor, outcome: e.outcome })));
    });
  }, [active, run.runId]);

  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [run.log]);

  const isAdmin = hasRole(data.user.roles, "admin");
  // A waiting run is decided (or withdrawn by its requester) on the approval card; only a started run is cancelled here.
  const waiting = run.status === "awaiting_approval" || run.status === "requested";
  const showCard = waiting && !!data.approval;
  const mayCancel = run.status === "started" && run.cancellable && !run.cancelRequested && (data.user.username === run.actor || isAdmin);
  const pct = run.progress && run.progress.total ? Math.min(100, Math.round((run.progress.done / run.progress.total) * 100)) : null;
  const result = run.result as { summary?: string; links?: { label: string; href: string }[]; rows?: Record<string, unknown>[] } | null;

  const navigate = useNavigate();
  const revalidator = useRevalidator();
  // When a request is decided, reload the page data (who decided, the run it became).
  const wasActive = useRef(active);
  useEffect(() => {
    if (wasActive.current && !active && data.request) revalidator.revalidate();
    wasActive.current = active;
  }, [active, data.request, revalidator]);
  const act = async (url: string, body: unknown, done: string) => {
    const r = await postJson(url, body);
    setMessage(r.ok ? done : r.data.error ?? "That did not work.");
    await refresh();
  };

  return (
    <section className="run-page" aria-labelledby="run-title">
      <nav className="muted run-crumbs" aria-label="Where this run belongs">
        {data.context.runbook ? (
          <>
            <Link to={`/runbooks/${data.context.runbook.split("/").map(encodeURIComponent).join("/")}`} data-testid="run-runbook">
              ← {data.context.runbookTitle ?? data.context.runbook}
            </Link>{" "}
            ·{" "}
          </>
        ) : null}
        {run.incidentId ? (
          <>
            <Link to={`/incidents/${run.incidentId}`}>Incident: {data.context.incidentTitle ?? run.incidentId}</Link> ·{" "}
          </>
        ) : null}
        <Link to="/audit">Audit</Link> › run <code>{run.runId}</code>
      </nav>
      <h1 id="run-title">{run.title}</h1>
      <dl className="run-facts">
        <dt>Status</dt>
        <dd>
          <span className={`run-status run-status-${run.status}`} data-testid="run-status">
            {run.status.replace(/_/g, " ")}
          </span>
          {run.cancelRequested && run.status === "started" ? <span className="muted"> (cancelling…)</span> : null}
        </dd>
        <dt>Target</dt>
        <dd>
          <code>{run.target}</code>
        </dd>
        <dt>Risk</dt>
        <dd>
          <span className={`risk risk-${run.risk}`}>{run.risk}</span>
        </dd>
        <dt>Operator</dt>
        <dd>{run.actor}</dd>
        {run.approvedBy ? (
          <>
            <dt>{run.status === "rejected" ? "Denied by" : "Approved by"}</dt>
            <dd>{run.approvedBy}</dd>
          </>
        ) : null}
        {run.expiresAt && run.status === "awaiting_approval" ? (
          <>
            <dt>Approval expires</dt>
            <dd>
              <Time at={run.expiresAt} seconds />
            </dd>
          </>
        ) : null}
        {run.breakGlass ? (
          <>
            <dt>Break-glass</dt>
            <dd>
              <strong>{run.breakGlassReason}</strong> {run.reviewedBy ? <span className="muted">reviewed by {run.reviewedBy}</span> : <span className="tag">awaiting review</span>}
            </dd>
          </>
        ) : null}
        {run.incidentId ? (
          <>
            <dt>Incident</dt>
            <dd>
              <Link to={`/incidents/${run.incidentId}`} data-testid="run-incident">
                {data.context.incidentTitle ?? run.incidentId}
              </Link>
            </dd>
          </>
        ) : null}
        <dt>Input</dt>
        <dd>
          {run.input && typeof run.input === "object" && !Array.isArray(run.input) && Object.keys(run.input).length ? (
            <dl className="run-input" data-testid="run-input">
              {Object.entries(run.input as Record<string, unknown>).map(([k, v]) => (
                <div key={k}>
                  <dt title={k}>{readableName(k)}</dt>
                  <dd>
                    <code>{typeof v === "string" ? v : JSON.stringify(v)}</code>
                  </dd>
                </div>
              ))}
            </dl>
          ) : (
            <span className="muted">none</span>
          )}
        </dd>
      </dl>

      {pct !== null ? (
        <div className="run-progress" role="progressbar" aria-label="Progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
          <div className="run-progress-bar" style={{ width: `${pct}%` }} />
          <span>
            {run.progress!.done} / {run.progress!.total} ({pct}%)
          </span>
        </div>
      ) : null}

      {data.request ? (
        <section className="run-request card" aria-label="Request" data-testid="run-request">
          {data.request.kind === "request" ? (
            <>
              <p>
                <strong>{data.request.requestedBy}</strong> asked an admin to run this: <q>{data.request.reason}</q>
              </p>
              {run.status === "requested" && data.user.username === run.actor ? <p className="hint">Waiting for an admin. This page updates when one decides.</p> : null}
              {run.status === "accepted" && data.request.startedRunId ? (
                <p data-testid="request-outcome">
                  {data.request.decidedBy} ran it: <Link to={`/runs/${data.request.startedRunId}`}>see the run</Link>.
                </p>
              ) : null}
              {run.status === "rejected" ? <p data-testid="request-outcome">Declined by {run.approvedBy}{run.error ? ` (${run.error})` : ""}.</p> : null}
              {run.status === "expired" ? <p data-testid="request-outcome">No admin decided in time; ask again if it is still needed.</p> : null}
            </>
          ) : (
            <p>
              Run on request of <strong>{data.request.requestedBy}</strong> (<Link to={`/runs/${data.request.requestRunId}`}>the request</Link>): <q>{data.request.reason}</q>
            </p>
          )}
        </section>
      ) : null}

      {showCard ? (
        <ApprovalCard
          run={{ runId: run.runId, title: run.title, target: run.target, risk: run.risk, status: run.status, actor: run.actor }}
          view={data.approval as unknown as ApprovalView}
          me={data.user}
          onDecided={(r) => {
            if (r.ok && r.runId && r.runId !== run.runId) return navigate(`/runs/${r.runId}`);
            setMessage(r.message);
            void refresh();
            revalidator.revalidate();
          }}
        />
      ) : null}

      <div className="run-buttons">
        {mayCancel ? (
          <button type="button" className="danger" onClick={() => act(`/api/runs/${run.runId}/cancel`, {}, "Cancel requested.")}>
            Cancel run
          </button>
        ) : null}
        {message ? (
          <p role="status" className="run-message">
            {message}
          </p>
        ) : null}
      </div>

      {result?.summary || run.error ? (
        <div className={`run-result ${run.error ? "run-result-error" : ""}`} data-testid="run-result">
          {result?.summary ? <p>{result.summary}</p> : null}
          {run.error ? <p className="form-error">{run.error}</p> : null}
          {result?.links?.length ? (
            <ul>
              {result.links.map((l) => (
                <li key={l.href}>
                  <a href={l.href} rel="noreferrer noopener" target="_blank">
                    {l.label}
                  </a>
                </li>
              ))}
            </ul>
          ) : null}
          {result?.rows?.length ? <ResultRows rows={result.rows} /> : null}
        </div>
      ) : null}

      <h2>Run log</h2>
      <pre className="run-log" ref={logRef} data-testid="run-log" aria-live="polite">
        {run.log || (active ? "waiting for output…" : "no output")}
      </pre>

      <h2>Audit entries</h2>
      <p>
        <Link to={`/audit?run=${encodeURIComponent(run.runId)}`}>Open in the audit explorer</Link>
      </p>
      <table className="audit-table">
        <thead>
          <tr>
            <th>#</th>
            <th>Time</th>
            <th>Who</th>
            <th>Outcome</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.seq}>
              <td>{e.seq}</td>
              <td>
                <Time at={e.at} seconds />
              </td>
              <td>{e.actor}</td>
              <td>
                <span className={`outcome outcome-${e.outcome}`}>{e.outcome}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {run.evidence ? (
        <details>
          <summary>Evidence the operator saw</summary>
          <pre>{JSON.stringify(run.evidence, null, 2)}</pre>
        </details>
      ) : null}
    </section>
  );
}
