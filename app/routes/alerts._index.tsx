import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useFormatTime } from "~/components/time";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { acknowledgeAlert, declareFromAlert, listAlerts } from "~/core/alerts/inbox.server";
import { alertsDemoState } from "~/core/alerts/demo.server";
import { createSilence, expireSilence, listSilences } from "~/core/alerts/silences.server";
import { requireUser } from "~/core/auth.server";
import { handle, InputError, readBody } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";
import { canRespond, SEVERITIES } from "~/lib/incidents";

export const meta: MetaFunction = () => [{ title: "Alerts · Opsdeck" }];

const STATUSES = ["firing", "resolved", "all"] as const;
const SEVERITY_RANK: Record<string, number> = { critical: 0, error: 1, high: 1, warning: 2, info: 3 };

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const url = new URL(request.url);
  const asked = url.searchParams.get("status");
  const status = (STATUSES as readonly string[]).includes(asked ?? "") ? (asked as (typeof STATUSES)[number]) : "firing";
  const portal = getPortal();
  const [alerts, silences] = await Promise.all([listAlerts(portal, { status, limit: 500 }), listSilences(portal)]);
  return json({ alerts, silences, status, canAct: canRespond(user.roles), receivers: Object.keys(portal.config.alerts.receivers), demoHint: alertsDemoState(portal)?.hint ?? null, now: Date.now() }, { headers: { "Cache-Control": "no-store" } });
}

/** Intents: ack, declare (from this alert), silence (this alert's name), expire (a silence). */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const portal = getPortal();
  return handle(async () => {
    const body = await readBody(request, { accept: "form" });
    const id = String(body.id ?? "");
    switch (body.intent) {
      case "ack":
        await acknowledgeAlert(portal, user, id);
        return json({ ok: `Acknowledged.` });
      case "declare":
        return redirect(`/incidents/${await declareFromAlert(portal, user, id, { title: body.title, severity: body.severity })}`);
      case "silence":
        await createSilence(portal, user, { matchers: [{ name: "alertname", value: String(body.name ?? ""), isRegex: false }], duration: String(body.duration ?? "1h"), comment: String(body.comment ?? "") });
        return json({ ok: `Silenced ${body.name} for ${body.duration}.` });
      case "expire":
        await expireSilence(portal, user, id);
        return json({ ok: "Silence ended." });
      default:
        throw new InputError({ intent: ["must be ack, declare, silence or expire"] });
    }
  });
}

function age(iso: string | null, now: number): string {
  if (!iso) return "—";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 90) return `${s}s`;
  if (s < 5400) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

type AlertItem = ReturnType<typeof useLoaderData<typeof loader>>["alerts"][number];

function groupAlerts(alerts: AlertItem[]) {
  const groups = new Map<string, { name: string; service: string | null; alerts: AlertItem[] }>();
  for (const a of alerts) {
    const service = a.labels.service ?? null;
    const key = `${a.name}\u0000${service ?? ""}`;
    const g = groups.get(key) ?? { name: a.name, service, alerts: [] };
    g.alerts.push(a);
    groups.set(key, g);
  }
  const rank = (g: { alerts: AlertItem[] }) => Math.min(...g.alerts.map((a) => SEVERITY_RANK[a.severity ?? ""] ?? 4));
  return [...groups.values()].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

export default function AlertsInbox() {
  const fmt = useFormatTime();
  const { alerts, silences, status, canAct, receivers, demoHint, now } = useLoaderData<typeof loader>();
  const result = useActionData<{ ok?: string; error?: string; fieldErrors?: Record<string, string[]> }>();
  const nav = useNavigation();
  const revalidator = useRevalidator();
  useEffect(() => {
    const t = setInterval(() => {
      if (!document.hidden && revalidator.state === "idle") revalidator.revalidate();
    }, 15_000);
    return () => clearInterval(t);
  }, [revalidator]);
  const busy = nav.state !== "idle";
  const groups = groupAlerts(alerts);
  const fieldText = result?.fieldErrors ? Object.entries(result.fieldErrors).map(([k, v]) => `${k}: ${v.join(", ")}`).join("; ") : "";

  return (
    <section aria-labelledby="alerts-title" className="alerts-inbox">
      <h1 id="alerts-title">Alerts</h1>
      <nav className="tabs" aria-label="Filter">
        {STATUSES.map((s) => (
          <Link key={s} to={`?status=${s}`} className={`tab${status === s ? " active" : ""}`} aria-current={status === s ? "page" : undefined}>
            {s[0]!.toUpperCase() + s.slice(1)}
          </Link>
        ))}
      </nav>
      {demoHint ? (
        <p className="hint" data-testid="alerts-demo-hint">
          {demoHint}
        </p>
      ) : null}
      {result?.ok ? <p role="status" className="hint">{result.ok}</p> : null}
      {result?.error ? (
        <p role="alert" className="form-error">
          {result.error}
          {fieldText ? ` — ${fieldText}` : ""}
        </p>
      ) : null}
      {groups.length === 0 ? (
        <p className="muted" data-testid="no-alerts">
          {status === "firing" ? "Nothing is firing." : `No ${status === "all" ? "" : `${status} `}alerts.`}{" "}
          {receivers.length ? `Receivers: ${receivers.map((r) => `/api/alerts/${r}`).join(", ")}.` : "No receiver is configured (alerts.receivers)."}
        </p>
      ) : (
        groups.map((g) => (
          <section key={`${g.name}|${g.service}`} className="alert-group" aria-label={`${g.name}${g.service ? ` (${g.service})` : ""}`}>
            <h2>
              {g.name} {g.service ? <span className="tag">service {g.service}</span> : null} <span className="muted">{g.alerts.length}</span>
            </h2>
            <ul className="alert-list">
              {g.alerts.map((a) => (
                <li key={a.id} className={`alert-card alert-${a.status}`} data-alert={a.id} data-fingerprint={a.fingerprint}>
                  <div className="alert-head">
                    <span className={`alert-sev alert-sev-${a.severity ?? "none"}`}>{a.severity ?? "no severity"}</span>
                    <span className="tag">{a.status}</span>
                    <span className="tag">{a.source}</span>
                    {a.silencedBy ? (
                      <span className="tag" title={a.silence?.comment}>
                        silenced by {a.silence?.createdBy}
                      </span>
                    ) : null}
                  </div>
                  <p className="alert-summary">{a.summary}</p>
                  <p className="muted">
                    started {age(a.startsAt, now)} ago · last seen {age(a.lastSeenAt, now)} ago{a.receivedCount > 1 ? ` · received ${a.receivedCount}×` : ""}
                    {a.resolvedAt ? ` · resolved ${age(a.resolvedAt, now)} ago` : ""}
                  </p>
                  {a.evidence?.length ? (
                    <details>
                      <summary>Readings at arrival ({a.evidence.length})</summary>
                      <ul>
                        {a.evidence.map((r) => (
                          <li key={r.id}>
                            {r.title}: <strong>{r.status}</strong> — {r.summary}
                          </li>
                        ))}
                      </ul>
                    </details>
                  ) : null}
                  <div className="alert-actions">
                    {a.runbook ? (
                      <Link to={a.runbook.href} className="button" data-testid="open-runbook">
                        Open runbook: {a.runbook.title}
                      </Link>
                    ) : (
                      <span className="muted">No runbook names this alert (front matter alert: {a.name})</span>
                    )}
                    {a.incidentId ? <Link to={`/incidents/${a.incidentId}`}>Incident</Link> : null}
                    {a.acknowledgedBy ? (
                      <span className="muted" data-testid="acknowledged">
                        Acknowledged by {a.acknowledgedBy} {age(a.acknowledgedAt, now)} ago
                      </span>
                    ) : canAct ? (
                      <Form method="post" className="inline">
                        <input type="hidden" name="intent" value="ack" />
                        <input type="hidden" name="id" value={a.id} />
                        <button type="submit" disabled={busy}>
                          Acknowledge
                        </button>
                      </Form>
                    ) : null}
                  </div>
                  {canAct && !a.incidentId && a.status === "firing" ? (
                    <details className="alert-more">
                      <summary>Declare incident from this alert</summary>
                      <Form method="post" className="alert-form">
                        <input type="hidden" name="intent" value="declare" />
                        <input type="hidden" name="id" value={a.id} />
                        <label>
                          Title <input name="title" required minLength={3} maxLength={300} defaultValue={`${a.name}: ${a.summary}`.slice(0, 300)} />
                        </label>
                        <label>
                          Severity{" "}
                          <select name="severity" defaultValue={a.severity === "critical" ? "P1" : a.severity === "warning" ? "P2" : "P3"}>
                            {SEVERITIES.map((s) => (
                              <option key={s}>{s}</option>
                            ))}
                          </select>
                        </label>
                        <button type="submit" disabled={busy}>
                          Declare
                        </button>
                      </Form>
                    </details>
                  ) : null}
                  {canAct && a.status === "firing" && !a.silencedBy ? (
                    <details className="alert-more">
                      <summary>Silence {a.name}</summary>
                      <Form method="post" className="alert-form">
                        <input type="hidden" name="intent" value="silence" />
                        <input type="hidden" name="name" value={a.name} />
                        <label>
                          For{" "}
                          <select name="duration" defaultValue="1h">
                            {["30m", "1h", "4h", "24h"].map((d) => (
                              <option key={d}>{d}</option>
                            ))}
                          </select>
                        </label>
                        <label>
                          Why <input name="comment" required minLength={3} maxLength={1000} placeholder="deploying the fix" />
                        </label>
                        <button type="submit" disabled={busy}>
                          Silence
                        </button>
                      </Form>
                    </details>
                  ) : null}
                </li>
              ))}
            </ul>
          </section>
        ))
      )}
      <section aria-labelledby="silences-title" data-testid="silences">
        <h2 id="silences-title">Silences and maintenance windows</h2>
        {silences.length === 0 ? (
          <p className="muted">No silence is active or planned.</p>
        ) : (
          <ul className="alert-list">
            {silences.map((s) => (
              <li key={s.id} className="alert-card" data-silence={s.id}>
                <div>
                  <strong>{s.matchers.map((m) => `${m.name}${m.isEqual === false ? "!" : ""}${m.isRegex ? "=~" : "="}"${m.value}"`).join(", ")}</strong> <span className="tag">{s.state}</span>
                </div>
                <p>
                  {s.comment} <span className="muted">— {s.createdBy}</span>
                </p>
                <p className="muted">
                  {s.schedule ? `every “${s.schedule.cron}” (${s.schedule.timezone}) for ${s.schedule.duration}` : `until ${fmt(s.endsAt)}`}
                  {s.window && s.schedule ? ` · ${s.state === "active" ? "now until" : "next"} ${fmt(s.state === "active" ? s.window.endsAt : s.window.startsAt)}` : ""}
                  {s.alertmanagerId ? ` · Alertmanager silence ${s.alertmanagerId}` : ""}
                </p>
                {canAct && s.origin !== "config" ? (
                  <Form method="post" className="inline">
                    <input type="hidden" name="intent" value="expire" />
                    <input type="hidden" name="id" value={s.id} />
                    <button type="submit" disabled={busy}>
                      End now
                    </button>
                  </Form>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </section>
  );
}
