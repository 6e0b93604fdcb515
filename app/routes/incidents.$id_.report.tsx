import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { FieldError, SeverityBadge, StatusBadge } from "~/components/incidents/bits";
import { requireUser } from "~/core/auth.server";
import { addPreventionItem, removePreventionItem, saveReport, setPreventionItemDone, type ReportFields } from "~/core/incidents/incidents.server";
import { loadReport } from "~/core/incidents/report.server";
import { incidentContext, loadIncident, readIncidentIntent, runIncidentIntent } from "~/core/incidents/service.server";
import { answerIntent, orErrorResponse } from "~/core/http/index.server";
import { canEditIncidents, formatDuration, SEVERITY_INFO } from "~/lib/incidents";
import { useFormatTime } from "~/components/time";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Report: ${data?.report.incident.title ?? "Incident"} · Opsdeck` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const incident = await orErrorResponse(loadIncident(params.id));
  const { store, secrets, pluginTitles, probeTitles, actionTitles } = incidentContext();
  const report = await loadReport(store, incident, { secrets, pluginTitles, probeTitles, actionTitles });
  return json({ report, canEdit: canEditIncidents(user.roles), now: Date.now() });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const incident = await orErrorResponse(loadIncident(params.id));
  return answerIntent(() => readIncidentIntent(request), (asked) => runIncidentIntent(asked, { user, incident }, {
    report: ({ store, user, incident, body }) => saveReport(store, user, incident.id, body).then(() => {}),
    "add-item": ({ store, user, incident, body }) => addPreventionItem(store, user, incident.id, body).then(() => {}),
    "item-done": ({ store, user, incident, body }) => setPreventionItemDone(store, user, incident.id, String(body.item ?? ""), body.done === "true").then(() => {}),
    "remove-item": ({ store, user, incident, body }) => removePreventionItem(store, user, incident.id, String(body.item ?? "")).then(() => {}),
  }));
}

const SECTIONS: { key: keyof ReportFields; label: string; rows: number }[] = [
  { key: "summary", label: "Summary", rows: 3 },
  { key: "usersAffected", label: "Users affected", rows: 1 },
  { key: "revenueImpact", label: "Revenue impact", rows: 1 },
  { key: "servicesAffected", label: "Services affected", rows: 1 },
  { key: "rootCause", label: "Root cause", rows: 5 },
  { key: "resolution", label: "Resolution", rows: 5 },
  { key: "lessonsLearned", label: "Lessons learned", rows: 5 },
];

type ActionData = { intent: string; ok?: true; error?: string; fieldErrors?: Record<string, string[]> };

function Text({ value, empty }: { value: string; empty: string }) {
  return value.trim() ? <div className="report-text">{value}</div> : <p className="muted">{empty}</p>;
}

export default function IncidentReportPage() {
  const fmt = useFormatTime();
  const { report, canEdit, now } = useLoaderData<typeof loader>();
  const data = useActionData<ActionData>();
  const nav = useNavigation();
  const busy = nav.state !== "idle";
  const { incident, fields, timeline, prevention, duration, prefilled } = report;
  const sev = SEVERITY_INFO[incident.severity];
  const errorsFor = (intent: string) => (data && data.intent === intent ? data.fieldErrors ?? (data.error ? { form: [data.error] } : null) : null);
  const itemForm = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (data?.ok && data.intent === "add-item") itemForm.current?.reset();
  }, [data]);

  return (
    <article className="report-page" aria-labelledby="report-title">
      <p className="crumbs no-print">
        <Link to="/incidents">Incidents</Link> › <Link to={`/incidents/${incident.id}`}>{incident.title}</Link> › Report
      </p>
      <div className="report-tools no-print">
        <a className="button" href={`/incidents/${incident.id}/report.md`} download>
          Export markdown
        </a>{" "}
        <button type="button" className="secondary" onClick={() => window.print()}>
          Print / save as PDF
        </button>
      </div>

      <section className="report-doc">
        <h1 id="report-title">Incident Report: {incident.title}</h1>
        <dl className="report-meta">
          <dt>Date</dt>
          <dd>{fmt(incident.declaredAt).slice(0, 10)}</dd>
          <dt>Severity</dt>
          <dd>
            <SeverityBadge severity={incident.severity} /> response {sev.response.toLowerCase()}
          </dd>
          <dt>Duration</dt>
          <dd>
            {duration.to == null ? "ongoing" : formatDuration(duration.to - duration.from)} ({fmt(duration.from)} – {duration.to == null ? "ongoing" : fmt(duration.to)})
          </dd>
          <dt>Owner</dt>
          <dd>{incident.commander ?? "—"}</dd>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={incident.status} />
          </dd>
        </dl>
        <h2>Summary</h2>
        <Text value={fields.summary} empty="No summary yet." />
        <h2>Impact</h2>
        <ul className="report-impact">
          <li>
            <strong>Users affected:</strong> {fields.usersAffected || <span className="muted">unknown</span>}
          </li>
          <li>
            <strong>Revenue impact:</strong> {fields.revenueImpact || <span className="muted">unknown</span>}
          </li>
          <li>
            <strong>Services affected:</strong> {fields.servicesAffected || <span className="muted">unknown</span>}
          </li>
        </ul>
        <h2>Timeline</h2>
        {timeline.length ? (
          <ul className="report-timeline">
            {timeline.map((e) => (
              <li key={e.key} className={e.pinned ? "is-pinned" : undefined}>
                <strong>{fmt(e.at)}</strong> {e.pinned ? "📌 " : ""}
                {e.title}
                {e.actor ? ` (${e.actor})` : ""}
                {e.text ? ` — ${e.text}` : ""}
                {e.corrected ? <span className="muted"> (corrected; recorded {fmt(e.originalAt)})</span> : null}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No timeline entries.</p>
        )}
        <h2>Root cause</h2>
        <Text value={fields.rootCause} empty="Not written yet." />
        <h2>Resolution</h2>
        <Text value={fields.resolution} empty="Not written yet." />
        <h2>Prevention</h2>
        {prevention.length ? (
          <ul className="prevention-list">
            {prevention.map((p) => (
              <li key={p.id} className={p.doneAt == null && p.dueAt != null && p.dueAt < now ? "overdue" : undefined}>
                <span aria-hidden="true">{p.doneAt ? "☑" : "☐"}</span> {p.description} — Owner: {p.owner} — Due: {p.dueAt ? fmt(p.dueAt).slice(0, 10) : "—"}
                {p.doneAt == null && p.dueAt != null && p.dueAt < now ? <span className="tag overdue-tag">past due</span> : null}
                {canEdit ? (
                  <span className="no-print item-tools">
                    <Form method="post" className="inline">
                      <input type="hidden" name="intent" value="item-done" />
                      <input type="hidden" name="item" value={p.id} />
                      <input type="hidden" name="done" value={String(!p.doneAt)} />
                      <button type="submit" className="secondary small" disabled={busy}>
                        {p.doneAt ? "Reopen" : "Mark done"}
                      </button>
                    </Form>
                    <Form method="post" className="inline">
                      <input type="hidden" name="intent" value="remove-item" />
                      <input type="hidden" name="item" value={p.id} />
                      <button type="submit" className="secondary small" disabled={busy}>
                        Remove
                      </button>
                    </Form>
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No prevention items yet.</p>
        )}
        <h2>Lessons learned</h2>
        <Text value={fields.lessonsLearned} empty="Not written yet." />
      </section>

      {canEdit ? (
        <section className="report-edit no-print" aria-labelledby="edit-title">
          <h2 id="edit-title">Edit the report</h2>
          <Form method="post" className="card report-form">
            <input type="hidden" name="intent" value="report" />
            {SECTIONS.map((s) => (
              <label key={s.key}>
                {s.label}
                {prefilled.includes(s.key) && fields[s.key] ? <span className="hint"> (prefilled from the incident)</span> : null}
                <textarea name={s.key} rows={s.rows} defaultValue={fields[s.key]} />
                <FieldError errors={errorsFor("report")} name={s.key} />
              </label>
            ))}
            <button type="submit" disabled={busy}>
              Save report
            </button>
            {data?.ok && data.intent === "report" ? (
              <span role="status" className="hint">
                {" "}
                Saved.
              </span>
            ) : null}
          </Form>
          <Form method="post" ref={itemForm} className="card prevention-form">
            <h3>Add a prevention item</h3>
            <input type="hidden" name="intent" value="add-item" />
            <label>
              Task
              <input name="description" required minLength={3} />
            </label>
            <FieldError errors={errorsFor("add-item")} name="description" />
            <div className="row">
              <label>
                Owner
                <input name="owner" required />
              </label>
              <label>
                Due date
                <input name="dueAt" type="date" />
              </label>
            </div>
            <FieldError errors={errorsFor("add-item")} name="owner" />
            <FieldError errors={errorsFor("add-item")} name="dueAt" />
            <button type="submit" disabled={busy}>
              Add item
            </button>
          </Form>
        </section>
      ) : null}
    </article>
  );
}
