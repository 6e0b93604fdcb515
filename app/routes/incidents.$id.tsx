import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useFormatTime } from "~/components/time";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useFetcher, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { FieldError, SeverityBadge, StatusBadge } from "~/components/incidents/bits";
import { DeployMarker } from "~/components/incidents/deploy-marker";
import { IncidentTimeline, type MarkChange } from "~/components/incidents/timeline";
import { requireUser } from "~/core/auth.server";
import { incidentDeploys, withDeploys } from "~/core/incidents/deploys.server";
import { addEvent, markEntry, updateIncident } from "~/core/incidents/incidents.server";
import { incidentContext, loadIncident, readIncidentIntent, runIncidentIntent } from "~/core/incidents/service.server";
import { answerIntent, orErrorResponse } from "~/core/http/index.server";
import { incidentPageTimeline } from "~/core/incidents/timeline.server";
import { listAlerts } from "~/core/alerts/inbox.server";
import { getPortal } from "~/core/portal.server";
import {
  canEditIncidents,
  canRespond,
  formatDuration,
  OPEN_STATUSES,
  responseDueAt,
  SEVERITIES,
  SEVERITY_INFO,
  STATUSES,
  toLocalInput,
} from "~/lib/incidents";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.incident.title ?? "Incident"} · Opsdeck` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const incident = await orErrorResponse(loadIncident(params.id));
  const { store, secrets, pluginTitles, probeTitles, actionTitles } = incidentContext();
  const now = Date.now();
  const showAll = new URL(request.url).searchParams.get("all") === "1";
  const [{ entries, gap, total, hiddenCount, pinned, nextUpdate }, deploys] = await Promise.all([
    incidentPageTimeline(store, incident, { secrets, now, showAll, probeTitles, actionTitles }),
    incidentDeploys(incident, { now, secrets }),
  ]);
  const alerts = (await listAlerts(getPortal(), { status: "all", incidentId: incident.id, limit: 200 })).map((a) => ({ id: a.id, name: a.name, status: a.status, severity: a.severity, summary: a.summary, acknowledgedBy: a.acknowledgedBy, runbook: a.runbook }));
  return json({
    incident,
    alerts,
    timeline: withDeploys(entries, deploys),
    total: total + deploys.entries.length,
    deployMarker: deploys.marker,
    deployError: deploys.error,
    gap,
    hiddenCount,
    pinned,
    nextUpdate,
    now,
    pluginTitles,
    me: user.username,
    canRespond: canRespond(user.roles),
    canEdit: canEditIncidents(user.roles),
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const incident = await orErrorResponse(loadIncident(params.id));
  return answerIntent(() => readIncidentIntent(request), (asked) => runIncidentIntent(asked, { user, incident }, {
    note: ({ store, user, incident, body }) => addEvent(store, user, incident.id, { type: "note", text: body.text }).then(() => {}),
    status: ({ store, user, incident, body }) => addEvent(store, user, incident.id, { type: "status", status: body.status, text: body.text || undefined }).then(() => {}),
    "take-command": ({ store, user, incident }) => addEvent(store, user, incident.id, { type: "commander", commander: user.username }).then(() => {}),
    update: ({ store, user, incident, body }) =>
      updateIncident(store, user, incident.id, {
        ...body,
        impactStartedAt: body.impactStartedAt === "" ? null : body.impactStartedAt,
        runbooks: typeof body.runbooks === "string" ? body.runbooks : undefined,
        plugins: body.plugins ?? (body.pluginsShown ? [] : undefined),
      }).then(() => {}),
    mark: ({ store, user, incident, body: { pinned, hidden, correctedAt, entry } }) =>
      markEntry(store, user, incident.id, { entry, pinned, hidden, correctedAt: correctedAt === "" ? null : correctedAt }).then(() => {}),
  }));
}

type ActionData = { intent: string; ok?: true; error?: string; fieldErrors?: Record<string, string[]> };

function useTick(ms: number, initial: number) {
  const [now, setNow] = useState(initial);
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export default function IncidentPage() {
  const { incident, alerts, timeline, gap, total, hiddenCount, pinned, nextUpdate, now: serverNow, pluginTitles, me, canRespond, canEdit, deployMarker, deployError } = useLoaderData<typeof loader>();
  const data = useActionData<ActionData>();
  const nav = useNavigation();
  const markFetcher = useFetcher<ActionData>();
  const now = useTick(30_000, serverNow);
  const fmt = useFormatTime();
  const busy = nav.state !== "idle";
  const errorsFor = (intent: string) => (data && data.intent === intent ? data.fieldErrors ?? (data.error ? { form: [data.error] } : null) : null);

  const noteForm = useRef<HTMLFormElement>(null);
  const statusForm = useRef<HTMLFormElement>(null);
  const [noteSaved, setNoteSaved] = useState<string | null>(null);
  useEffect(() => {
    if (data?.ok && data.intent === "note") {
      noteForm.current?.reset();
      setNoteSaved(fmt(Date.now(), { date: false }));
    }
    if (data?.ok && data.intent === "status") statusForm.current?.reset();
  }, [data]);

  const open = (OPEN_STATUSES as readonly string[]).includes(incident.status);
  const latestNotes = timeline.filter((e) => e.kind === "note").sort((a, b) => b.at - a.at).slice(0, 3);
  const nextStatuses = STATUSES.filter((s) => s !== incident.status && (s !== "closed" || (canEdit && incident.status === "resolved")) && (incident.status !== "closed" || s === "resolved"));
  const markBusyKey = markFetcher.state !== "idle" ? String(markFetcher.formData?.get("entry") ?? "") : null;
  const markError = markFetcher.data && !markFetcher.data.ok ? markFetcher.data.fieldErrors ?? { form: [markFetcher.data.error ?? "failed"] } : null;

  const onMark = (entry: string, change: MarkChange) => {
    const form: Record<string, string> = { intent: "mark", entry };
    if (change.pinned !== undefined) form.pinned = String(change.pinned);
    if (change.hidden !== undefined) form.hidden = String(change.hidden);
    if (change.correctedAt !== undefined) form.correctedAt = change.correctedAt ?? "";
    markFetcher.submit(form, { method: "post" });
  };

  const sev = SEVERITY_INFO[incident.severity];
  const responseDue = responseDueAt(incident.severity, incident.detectedAt);

  return (
    <article className="incident-page" aria-labelledby="incident-title">
      <header className="incident-head">
        <p className="crumbs no-print">
          <Link to="/incidents">Incidents</Link>
        </p>
        <h1 id="incident-title">{incident.title}</h1>
        <div className="incident-badges">
          <SeverityBadge severity={incident.severity} /> <StatusBadge status={incident.status} />
          <span className="muted">
            {" "}
            response {sev.response.toLowerCase()} (due {fmt(responseDue)})
          </span>
        </div>
        <dl className="incident-facts">
          <dt>Commander</dt>
          <dd data-testid="commander">
            {incident.commander ?? "—"}
            {canRespond && incident.commander !== me && incident.status !== "closed" ? (
              <Form method="post" className="inline no-print">
                <input type="hidden" name="intent" value="take-command" />{" "}
                <button type="submit" className="secondary small" disabled={busy}>
                  Take command
                </button>
              </Form>
            ) : null}
            <FieldError errors={errorsFor("take-command")} name="form" />
          </dd>
          <dt>Impact started</dt>
          <dd>{fmt(incident.impactStartedAt)}</dd>
          <dt>Detected</dt>
          <dd>{fmt(incident.detectedAt)}</dd>
          <dt>Declared</dt>
          <dd>
            {fmt(incident.declaredAt)} by {incident.declaredBy}
          </dd>
          <dt>Resolved</dt>
          <dd>
            {fmt(incident.resolvedAt)}
            {incident.resolvedAt ? ` (${formatDuration(incident.resolvedAt - (incident.impactStartedAt ?? incident.detectedAt))} of impact)` : ""}
          </dd>
          <dt>Runbooks</dt>
          <dd>
            {incident.runbooks.length
              ? incident.runbooks.map((r, i) => (
                  <span key={r}>
                    {i ? ", " : ""}
                    <a href={`/runbooks/${r}`}>{r}</a>
                  </span>
                ))
              : "—"}
          </dd>
          <dt>Plugins</dt>
          <dd>{incident.plugins.length ? incident.plugins.map((p) => pluginTitles[p] ?? p).join(", ") : "—"}</dd>
        </dl>
        <p className="incident-links no-print">
          <Link to={`/incidents/${incident.id}/report`}>Postmortem report</Link> · <a href={`/incidents/${incident.id}/report.md`}>Export markdown</a> ·{" "}
          <Link to={`/incidents/${incident.id}/as-of?at=${Math.min(incident.resolvedAt ?? now, now)}`}>Runbook as of…</Link>
        </p>
      </header>

      <DeployMarker incidentId={incident.id} marker={deployMarker} error={deployError} />
      {alerts.length ? (
        <section aria-labelledby="incident-alerts-title" data-testid="incident-alerts">
          <h2 id="incident-alerts-title">Alerts</h2>
          <ul>
            {alerts.map((a) => (
              <li key={a.id}>
                <strong>{a.name}</strong> <span className="tag">{a.status === "resolved" ? "resolved" : "firing"}</span> {a.severity ? <span className="tag">{a.severity}</span> : null} {a.summary}
                {a.acknowledgedBy ? <span className="muted"> — acknowledged by {a.acknowledgedBy}</span> : null}
                {a.runbook ? (
                  <>
                    {" "}
                    · <a href={a.runbook.href}>{a.runbook.title}</a>
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {nextUpdate ? (
        <p className={`next-update${now > nextUpdate.dueAt ? " overdue" : ""}`} role="status" data-testid="next-update">
          {now > nextUpdate.dueAt ? (
            <>
              <strong>Status update overdue</strong> by {formatDuration(now - nextUpdate.dueAt)} — it was due {fmt(nextUpdate.dueAt)}.
            </>
          ) : (
            <>
              <strong>Next status update due</strong> {fmt(nextUpdate.dueAt)} (in {formatDuration(nextUpdate.dueAt - now)}).
            </>
          )}{" "}
          <span className="muted">Updates every {incident.updateEveryMin} minutes.</span>
        </p>
      ) : null}

      {canRespond ? (
        <section className="incident-write no-print" aria-label="Update the incident">
          <Form method="post" ref={noteForm} className="card">
            <input type="hidden" name="intent" value="note" />
            <label>
              Note
              <textarea name="text" rows={3} required placeholder="What you found, what you are doing, the ETA" />
            </label>
            <FieldError errors={errorsFor("note")} name="text" />
            <FieldError errors={errorsFor("note")} name="form" />
            <button type="submit" disabled={busy}>
              Add note
            </button>
            {noteSaved ? (
              <p className="note-saved" role="status" data-testid="note-saved">
                Note added at {noteSaved} — newest notes are listed below, newest first.
              </p>
            ) : null}
            {latestNotes.length ? (
              <div className="latest-notes" data-testid="latest-notes">
                <h3>Latest notes</h3>
                <ul>
                  {latestNotes.map((n) => (
                    <li key={n.key}>
                      <time dateTime={new Date(n.at).toISOString()}>{fmt(n.at, { date: false })}</time> <strong>{n.actor}</strong>: {n.text ?? n.title}
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
          </Form>
          {nextStatuses.length ? (
            <Form method="post" ref={statusForm} className="card">
              <input type="hidden" name="intent" value="status" />
              <label>
                New status
                <select name="status" defaultValue={nextStatuses.find((s) => STATUSES.indexOf(s) > STATUSES.indexOf(incident.status)) ?? nextStatuses[0]}>
                  {nextStatuses.map((s) => (
                    <option key={s} value={s}>
                      {s}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Update (optional)
                <textarea name="text" rows={2} placeholder={open ? "Root cause found: …" : "Reopened because …"} />
              </label>
              <FieldError errors={errorsFor("status")} name="status" />
              <FieldError errors={errorsFor("status")} name="form" />
              <button type="submit" disabled={busy}>
                Update status
              </button>
            </Form>
          ) : null}
        </section>
      ) : null}

      {canEdit ? <EditDetails incident={incident} errors={errorsFor("update")} busy={busy} pluginTitles={pluginTitles} /> : null}

      {pinned.length ? (
        <section aria-labelledby="pinned-title" className="pinned">
          <h2 id="pinned-title">Pinned</h2>
          <ul>
            {pinned.map((e) => (
              <li key={e.key}>
                <strong>{fmt(e.at)}</strong> {e.title}
                {e.text ? ` — ${e.text}` : ""}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">
          Timeline <span className="muted">({total} entries{hiddenCount ? `, ${hiddenCount} hidden from the report` : ""})</span>
        </h2>
        {markError ? (
          <p className="form-error" role="alert">
            {Object.values(markError).flat().join(" ")}
          </p>
        ) : null}
        <IncidentTimeline incidentId={incident.id} entries={timeline} gap={gap} canEdit={canEdit} onMark={onMark} busyKey={markBusyKey} />
      </section>
    </article>
  );
}

function EditDetails({
  incident,
  errors,
  busy,
  pluginTitles,
}: {
  incident: ReturnType<typeof useLoaderData<typeof loader>>["incident"];
  errors: Record<string, string[]> | null;
  busy: boolean;
  pluginTitles: Record<string, string>;
}) {
  const allPlugins = [...new Set([...Object.keys(pluginTitles), ...incident.plugins])];
  return (
    <details className="card edit-details no-print" open={!!errors}>
      <summary>Edit incident details</summary>
      <Form method="post" className="edit-form">
        <input type="hidden" name="intent" value="update" />
        <input type="hidden" name="pluginsShown" value="1" />
        <FieldError errors={errors} name="form" />
        <label>
          Title
          <input name="title" defaultValue={incident.title} required minLength={3} />
        </label>
        <FieldError errors={errors} name="title" />
        <div className="row">
          <label>
            Severity
            <select name="severity" defaultValue={incident.severity}>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {s} · {SEVERITY_INFO[s].label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Commander
            <input name="commander" defaultValue={incident.commander ?? ""} />
          </label>
          <label>
            Update every (min)
            <input name="updateEveryMin" type="number" min={1} max={1440} defaultValue={incident.updateEveryMin} />
          </label>
        </div>
        <FieldError errors={errors} name="commander" />
        <div className="row">
          <label>
            Impact started (UTC)
            <input type="datetime-local" step={60} name="impactStartedAt" defaultValue={toLocalInput(incident.impactStartedAt)} />
          </label>
          <label>
            Detected (UTC)
            <input type="datetime-local" step={60} name="detectedAt" defaultValue={toLocalInput(incident.detectedAt)} />
          </label>
          <label>
            Declared (UTC)
            <input type="datetime-local" step={60} name="declaredAt" defaultValue={toLocalInput(incident.declaredAt)} />
          </label>
          {incident.resolvedAt ? (
            <label>
              Resolved (UTC)
              <input type="datetime-local" step={60} name="resolvedAt" defaultValue={toLocalInput(incident.resolvedAt)} />
            </label>
          ) : null}
        </div>
        {["impactStartedAt", "detectedAt", "declaredAt", "resolvedAt"].map((k) => (
          <FieldError key={k} errors={errors} name={k} />
        ))}
        <label>
          Runbooks (comma-separated paths)
          <input name="runbooks" defaultValue={incident.runbooks.join(", ")} />
        </label>
        <FieldError errors={errors} name="runbooks" />
        <fieldset>
          <legend>Plugins</legend>
          {allPlugins.map((p) => (
            <label key={p} className="checkbox">
              <input type="checkbox" name="plugins" value={p} defaultChecked={incident.plugins.includes(p)} /> {pluginTitles[p] ?? p}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={busy}>
          Save details
        </button>
      </Form>
    </details>
  );
}
