import { useState } from "react";
import { Time } from "~/components/time";
import { ChangeDiff } from "~/components/widgets/action-widget";
import type { ApprovalRun, ApprovalView } from "~/lib/approvals";
import { hasRole } from "~/lib/roles";

function show(v: unknown): string {
  if (v === null || v === undefined) return "—";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/**
 * What an approver decides on, and the decision: the requester's reason, the preview they saw
 * (summary, blast radius, field-by-field diff), the readings on their page, and what changed
 * since in the live dry run; approve (typed target for high and critical) or decline. The
 * requester sees the same card with "waiting" and withdraw; nobody else may withdraw.
 */
export function ApprovalCard({
  run,
  view,
  me,
  input,
  onDecided,
}: {
  run: ApprovalRun;
  view: ApprovalView;
  /** The requested input as fields (secret fields already redacted), when the page has it. */
  input?: readonly (readonly [string, string])[];
  me: { username: string; roles: string[] };
  onDecided: (result: { ok: boolean; message: string; runId?: string }) => void;
}) {
  const [confirm, setConfirm] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mine = me.username === run.actor;
  const mayDecide = !mine && hasRole(me.roles, "admin");
  const needsConfirm = run.risk !== "low";
  const confirmed = !needsConfirm || confirm.trim() === run.target;
  const isRequest = run.status === "requested";
  const changed = (view.changes?.length ?? 0) > 0;
  const evidence = Object.entries(view.evidence ?? {});

  async function post(url: string, body: unknown): Promise<{ ok: boolean; data: { error?: string; runId?: string; status?: string } }> {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { ok: res.ok, data: (await res.json().catch(() => ({}))) as { error?: string; runId?: string } };
  }

  async function decide(decision: "approve" | "deny") {
    setBusy(true);
    setError(null);
    const r = await post(`/api/runs/${encodeURIComponent(run.runId)}/approval`, { decision, ...(decision === "approve" && needsConfirm ? { confirm: confirm.trim() } : {}) }).catch(() => ({ ok: false, data: { error: "cannot reach the portal" } as { error?: string; runId?: string } }));
    setBusy(false);
    if (!r.ok) setError(r.data.error ?? "That did not work.");
    onDecided({ ok: r.ok, message: r.ok ? (decision === "approve" ? "Approved: the run starts now." : "Declined.") : r.data.error ?? "That did not work.", runId: r.data.runId });
  }

  async function withdraw() {
    setBusy(true);
    const r = await post(`/api/runs/${encodeURIComponent(run.runId)}/cancel`, {}).catch(() => ({ ok: false, data: { error: "cannot reach the portal" } }));
    setBusy(false);
    onDecided({ ok: r.ok, message: r.ok ? "Request withdrawn." : r.data.error ?? "That did not work." });
  }

  return (
    <article className="approval-card card" aria-label={`Approval: ${run.title}`} data-testid="approval-view" data-run={run.runId}>
      <header className="approval-head">
        <span className={`risk risk-${run.risk}`}>{run.risk}</span>{" "}
        <strong>{mine ? "You" : view.requester}</strong> {isRequest ? "asked an admin to run" : "asks a second admin to approve"} <strong>{run.title}</strong> on <code className="approval-target">{run.target}</code>
      </header>

      <section aria-label="Why" className="approval-reason">
        <h3>Why</h3>
        {view.reason ? <blockquote data-testid="approval-reason-text">{view.reason}</blockquote> : <p className="muted">No reason was given (filed before a reason was required).</p>}
      </section>

      <section aria-label="What the requester saw" className="approval-preview">
        <h3>What {mine ? "you" : view.requester} saw</h3>
        {view.preview ? (
          <>
            {view.preview.summary ? <p data-testid="approval-summary">{view.preview.summary}</p> : null}
            {typeof view.preview.count === "number" ? (
              <p>
                Blast radius: <strong data-testid="approval-blast-radius">{view.preview.count}</strong> record(s)
              </p>
            ) : null}
            {view.preview.before !== undefined ? <ChangeDiff before={view.preview.before} after={view.preview.after} /> : null}
          </>
        ) : (
          <p className="muted">This action has no dry run: there is no preview to show.</p>
        )}
      </section>

      {input?.length ? (
        <dl className="run-input approval-input">
          {input.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd data-testid={`approval-field-${k}`}>{v}</dd>
            </div>
          ))}
        </dl>
      ) : null}

      <section aria-label="Since the request" className={`approval-changes${changed ? " approval-changes-changed" : ""}`} data-testid="approval-changes" data-changed={changed ? "yes" : "no"}>
        <h3>Since the request</h3>
        {view.changes && !view.changes.length ? <p>Nothing changed: the live dry run matches what was requested.</p> : null}
        {changed ? (
          <>
            <p>
              <strong>The live dry run differs</strong> from what {mine ? "you" : view.requester} saw{isRequest ? "" : "; approving will refuse it and ask for a new request"}.
            </p>
            <table className="change-diff">
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Requested</th>
                  <th scope="col">Now</th>
                </tr>
              </thead>
              <tbody>
                {view.changes!.map((c) => (
                  <tr key={c.field} className="diff-changed">
                    <th scope="row">{c.field}</th>
                    <td>{show(c.was)}</td>
                    <td>
                      <strong>{show(c.now)}</strong>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ) : null}
        {view.changesNote ? <p className="muted">{view.changesNote}</p> : null}
      </section>

      <details className="approval-evidence" open={evidence.length > 0 && evidence.length <= 4}>
        <summary>Evidence: the readings on {mine ? "your" : `${view.requester}'s`} page at the click ({evidence.length})</summary>
        {evidence.length ? (
          <ul data-testid="approval-evidence">
            {evidence.map(([id, r]) => (
              <li key={id}>
                <span className={`status-dot status-${r.status ?? "unknown"}`} aria-hidden="true" /> <code>{id}</code>: <span className={`status-${r.status ?? "unknown"}`}>{r.status ?? "?"}</span> — {r.summary ?? ""}
                {r.observedAt ? (
                  <span className="muted">
                    {" "}
                    (<Time at={String(r.observedAt)} seconds />)
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No readings were recorded with the request.</p>
        )}
      </details>

      {mayDecide ? (
        <form
          className="approval-decide"
          onSubmit={(e) => {
            e.preventDefault();
            if (confirmed) void decide("approve");
          }}
        >
          {needsConfirm ? (
            <div className="field confirm-field">
              <label htmlFor={`confirm-${run.runId}`}>Type the target to confirm</label>
              <code className="confirm-target">{run.target}</code>
              <input id={`confirm-${run.runId}`} value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="off" spellCheck={false} data-testid="approval-confirm" />
            </div>
          ) : null}
          <div className="run-buttons">
            <button type="submit" className={run.risk === "low" ? "" : "danger"} disabled={busy || !confirmed}>
              {isRequest ? `Run it as ${me.username}` : "Approve and run"}
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => void decide("deny")}>
              Decline
            </button>
          </div>
        </form>
      ) : mine ? (
        <div className="run-buttons">
          <p className="hint">Waiting for {isRequest ? "an admin" : "another admin"} to decide; this page updates when one does.</p>
          <button type="button" className="secondary" disabled={busy} onClick={() => void withdraw()} data-testid="withdraw">
            Withdraw request
          </button>
        </div>
      ) : (
        <p className="hint">Waiting for an admin to decide.</p>
      )}
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
    </article>
  );
}
