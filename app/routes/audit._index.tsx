import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Time } from "~/components/time";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator, useSearchParams } from "@remix-run/react";
import { useState } from "react";
import { ApprovalCard } from "~/components/approvals/approval-card";
import { approvalView } from "~/core/actions/approval-view.server";
import type { ApprovalView } from "~/lib/approvals";
import { decideRun } from "~/core/actions/decide.server";
import { reviewBreakGlass } from "~/core/actions/pipeline.server";
import { pendingApprovals, reviewQueue } from "~/core/actions/runs.server";
import { checkpointSettings, verifyAudit, type VerifyReport } from "~/core/audit/checkpoints.server";
import { listAudit, parseAuditFilter } from "~/core/audit/query.server";
import { getUser, publicUser, requestAddress, requireUser } from "~/core/auth.server";
import { handle, isPortalError, readBody, type HttpError } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";
import { hasRole } from "~/lib/roles";

export const meta: MetaFunction = () => [{ title: "Audit · Opsdeck" }];

const OUTCOMES = ["requested", "denied", "invalid", "rate_limited", "locked", "duplicate", "approved", "rejected", "expired", "started", "succeeded", "failed", "interrupted", "cancel_requested", "cancelled", "reviewed", "token_created", "token_revoked", "upstream_failed", "superseded"];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const portal = getPortal();
  const url = new URL(request.url);
  const { filter, fieldErrors } = parseAuditFilter(url.searchParams);
  const page = Object.keys(fieldErrors).length ? { entries: [], next: null } : await listAudit(portal.store, filter);
  const admin = hasRole(user.roles, "admin");
  const [approvals, reviews] = admin ? await Promise.all([pendingApprovals(portal), reviewQueue(portal)]) : [[], []];
  const views = Object.fromEntries(await Promise.all(approvals.slice(0, 20).map(async (r) => [r.id, await approvalView(portal, r.id)] as const)));
  return json({
    user: publicUser(user),
    fieldErrors,
    entries: page.entries.map((e) => ({ ...e, details: e.details.length > 600 ? `${e.details.slice(0, 600)}…` : e.details })),
    next: page.next,
    approvals: approvals.map((r) => ({ ...r, created_at: Number(r.created_at), expires_at: r.expires_at === null ? null : Number(r.expires_at), facts: approvalFacts(r.input, r.preview), view: views[r.id] ?? null })),
    reviews: reviews.map((r) => ({ ...r, created_at: Number(r.created_at) })),
    actions: [...portal.registry.actions.keys()],
  });
}

let verifying: Promise<VerifyReport> | null = null;

export async function action({ request }: ActionFunctionArgs) {
  return handle(() => decide(request), { intent: null, report: null, message: "The request could not be read.", changes: null });
}

async function decide(request: Request) {
  const fields = await readBody(request, { accept: "form" });
  const form = { get: (name: string) => (typeof fields[name] === "string" ? (fields[name] as string) : null) };
  const intent = String(form.get("intent") ?? "");
  const portal = getPortal();
  if (intent === "verify") {
    await requireUser(request);
    // One verification at a time per process: a million entries take seconds; concurrent clicks share it.
    verifying ??= verifyAudit(portal.store, checkpointSettings({ config: portal.config, dataDir: portal.dataDir })).finally(() => (verifying = null));
    const report = await verifying;
    return json({ intent, report, message: null as string | null, changes: null });
  }
  // The pipeline checks the role (and audits a refusal, anonymous ones rate-limited per address).
  const user = await getUser(request);
  const runId = String(form.get("runId") ?? "").slice(0, 64);
  const note = String(form.get("note") ?? "").slice(0, 1000) || undefined;
  const options = { address: requestAddress(request) };
  if (intent !== "approve" && intent !== "deny" && intent !== "review") return json({ intent, report: null, message: "Unknown request.", changes: null }, { status: 400 });
  let refused: HttpError | null = null;
  try {
    if (intent === "review") await reviewBreakGlass(portal, user, runId, note, options);
    else await decideRun(portal, user, runId, { decision: intent, note, confirm: form.get("confirm") ?? undefined, ...options });
  } catch (err) {
    if (!isPortalError(err)) throw err;
    refused = err;
  }
  if (!user) await requireUser(request); // sends the browser to sign in
  const message = refused ? refused.message : intent === "approve" ? `Approved: run ${runId} is starting.` : intent === "deny" ? `Denied run ${runId}.` : `Marked ${runId} as reviewed.`;
  const changes = refused && Array.isArray(refused.body.changes) ? (refused.body.changes as { field: string; was: unknown; now: unknown }[]) : null;
  return json({ intent, report: null, message, changes }, { status: refused ? refused.status : 200 });
}

/** What the approver must see to approve what the requester saw: amount, currency, reason, blast radius… */
function approvalFacts(input: Record<string, unknown> | null, preview: { summary?: string; count?: number; before?: unknown; after?: unknown } | null) {
  const before = preview?.before && typeof preview.before === "object" ? (preview.before as Record<string, unknown>) : {};
  const currency = typeof before.currency === "string" ? before.currency : typeof input?.currency === "string" ? input.currency : null;
  return {
    summary: typeof preview?.summary === "string" ? preview.summary : null,
    blastRadius: typeof preview?.count === "number" ? preview.count : null,
    currency,
    fields: Object.entries(input ?? {})
      .filter(([k]) => k !== "precondition")
      .map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)] as const),
    before: preview?.before === undefined ? null : JSON.stringify(preview.before),
    after: preview?.after === undefined ? null : JSON.stringify(preview.after),
  };
}


export default function AuditPage() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<typeof decide>();
  const nav = useNavigation();
  const [params] = useSearchParams();
  const verifying = nav.state !== "idle" && nav.formData?.get("intent") === "verify";
  const exportQuery = new URLSearchParams([...params.entries()].filter(([k]) => !["before", "limit"].includes(k)));
  const olderParams = new URLSearchParams(params);
  if (data.next) olderParams.set("before", String(data.next));
  const isAdmin = hasRole(data.user.roles, "admin");
  const revalidator = useRevalidator();
  const [decided, setDecided] = useState<string | null>(null);

  return (
    <section aria-labelledby="audit-title" className="audit-page">
      <h1 id="audit-title">Audit log</h1>
      <div className="audit-tools">
        <Form method="post">
          <input type="hidden" name="intent" value="verify" />
          <button type="submit" disabled={verifying}>
            {verifying ? "Verifying…" : "Verify chain"}
          </button>
        </Form>
        <a href={`/audit/export?format=ndjson&${exportQuery}`}>Export NDJSON</a>
        <a href={`/audit/export?format=csv&${exportQuery}`}>Export CSV</a>
        <Link to="/settings/tokens">Your API tokens</Link>
      </div>
      {result?.report ? (
        <p role="status" className={result.report.ok ? "verify-ok" : "verify-bad"} data-testid="verify-result">
          {result.report.ok
            ? `Chain intact: ${result.report.checked} entries, ${result.report.checkpoints} signed checkpoint(s) match (${result.report.seconds.toFixed(2)}s).`
            : `Chain BROKEN: ${result.report.problem ? `entry ${result.report.problem.seq}: ${result.report.problem.problem}` : ""} ${result.report.checkpointProblems.join(" ")}`}
        </p>
      ) : null}
      {decided ? (
        <p role="status" className="run-message" data-testid="card-decision-message">
          {decided}
        </p>
      ) : null}
      {result?.message ? (
        <p role="status" className="run-message" data-testid="decision-message">
          {result.message}
        </p>
      ) : null}
      {result?.changes?.length ? (
        <table className="preview-changes" data-testid="preview-changes" aria-label="What changed since the request">
          <thead>
            <tr>
              <th>Changed</th>
              <th>When requested</th>
              <th>Now</th>
            </tr>
          </thead>
          <tbody>
            {result.changes.map((c) => (
              <tr key={c.field}>
                <td>{c.field}</td>
                <td>
                  <code>{JSON.stringify(c.was)}</code>
                </td>
                <td>
                  <code>{JSON.stringify(c.now)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}

      {isAdmin && data.approvals.length ? (
        <section aria-labelledby="approvals-title" className="card queue">
          <h2 id="approvals-title">Waiting for approval</h2>
          <ul>
            {data.approvals.map((r) => (
              <li key={r.id} data-testid="approval-card">
                <Link to={`/runs/${r.id}`}>{r.action_id}</Link> on <code>{r.target}</code> requested by <strong>{r.actor}</strong> at <Time at={r.created_at} seconds />
                {r.expires_at ? (
                  <span className="muted">
                    {" "}
                    · expires <Time at={r.expires_at} seconds />
                  </span>
                ) : null}
                {r.view ? (
                  <ApprovalCard
                    run={{ runId: r.id, title: r.action_id, target: r.target, risk: r.risk, status: r.status, actor: r.actor }}
                    view={r.view as unknown as ApprovalView}
                    me={data.user}
                    input={r.facts.fields}
                    onDecided={(d) => {
                      setDecided(d.message);
                      revalidator.revalidate();
                    }}
                  />
                ) : (
                  <p className="muted">Open the run to decide.</p>
                )}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {isAdmin && data.reviews.length ? (
        <section aria-labelledby="reviews-title" className="card queue" data-testid="review-queue">
          <h2 id="reviews-title">Break-glass runs to review</h2>
          <ul>
            {data.reviews.map((r) => (
              <li key={r.id}>
                <Link to={`/runs/${r.id}`}>{r.action_id}</Link> on <code>{r.target}</code> by <strong>{r.actor}</strong> ({r.status}): “{r.break_glass_reason}”
                {r.actor !== data.user.username ? (
                  <Form method="post" className="inline-form">
                    <input type="hidden" name="runId" value={r.id} />
                    <input name="note" placeholder="Review note" aria-label="Review note" maxLength={1000} />
                    <button type="submit" name="intent" value="review">
                      Mark reviewed
                    </button>
                  </Form>
                ) : (
                  <span className="hint"> your run: another admin must review it</span>
                )}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <Form method="get" className="audit-filters" aria-label="Filter entries">
        <label>
          Actor
          <input name="actor" defaultValue={params.get("actor") ?? ""} />
        </label>
        <label>
          Action
          <input name="action" list="audit-actions" defaultValue={params.get("action") ?? ""} />
          <datalist id="audit-actions">
            {data.actions.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </label>
        <label>
          Outcome
          <select name="outcome" defaultValue={params.get("outcome") ?? ""}>
            <option value="">any</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
        <label>
          Incident
          <input name="incident" defaultValue={params.get("incident") ?? ""} />
        </label>
        <label>
          From
          <input type="datetime-local" name="from" defaultValue={params.get("from") ?? ""} />
          {data.fieldErrors.from ? <span className="field-error">{data.fieldErrors.from[0]}</span> : null}
        </label>
        <label>
          To
          <input type="datetime-local" name="to" defaultValue={params.get("to") ?? ""} />
          {data.fieldErrors.to ? <span className="field-error">{data.fieldErrors.to[0]}</span> : null}
        </label>
        {params.get("run") ? <input type="hidden" name="run" value={params.get("run") ?? ""} /> : null}
        <button type="submit">Filter</button>
        <Link to="/audit">Clear</Link>
      </Form>

      <table className="audit-table" data-testid="audit-table">
        <thead>
          <tr>
            <th>#</th>
            <th>Time</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Target</th>
            <th>Outcome</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {data.entries.length === 0 ? (
            <tr>
              <td colSpan={7} className="muted">
                No entries match.
              </td>
            </tr>
          ) : (
            data.entries.map((e) => (
              <tr key={e.seq}>
                <td>{e.seq}</td>
                <td>
                  <Time at={e.at} seconds />
                </td>
                <td>
                  {e.actor} <span className="muted">{e.roles}</span>
                </td>
                <td>{e.action}</td>
                <td>
                  <code>{e.target}</code>
                </td>
                <td>
                  <span className={`outcome outcome-${e.outcome}`}>{e.outcome}</span>
                  {e.run_id ? (
                    <>
                      {" "}
                      <Link to={`/runs/${e.run_id}`}>run</Link>
                    </>
                  ) : null}
                  {e.incident_id ? (
                    <>
                      {" "}
                      <Link to={`/incidents/${e.incident_id}`}>incident</Link>
                    </>
                  ) : null}
                </td>
                <td className="audit-details">
                  <code>{e.details}</code>
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <nav className="pager" aria-label="Pages">
        {params.get("before") ? <Link to={`/audit?${exportQuery}`}>← Newest</Link> : null}
        {data.next ? <Link to={`/audit?${olderParams}`}>Older →</Link> : null}
      </nav>
    </section>
  );
}
