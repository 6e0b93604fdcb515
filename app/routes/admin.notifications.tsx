import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useFormatTime } from "~/components/time";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireRole } from "~/core/auth.server";
import { handle, isPortalError, readBody } from "~/core/http/index.server";
import { acknowledge, addOverride, sendTest } from "~/core/notifications/admin.server";
import { listEscalations } from "~/core/notifications/escalation.server";
import { oncallNow } from "~/core/notifications/oncall.server";
import { listDeliveries } from "~/core/notifications/outbox.server";
import { demoNotificationLinks } from "~/core/notifications/demo.server";
import { getPortal } from "~/core/portal.server";

export const meta: MetaFunction = () => [{ title: "Notifications · Opsdeck" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "admin");
  const portal = getPortal();
  const channels = Object.entries(portal.config.notifications.channels).map(([name, c]) => ({ name, kind: c.kind }));
  return json(
    {
      channels,
      deliveries: await listDeliveries(portal.store, { limit: 100 }),
      rotations: await oncallNow(portal.store, portal.config.oncall),
      escalations: await listEscalations(portal.store, 30),
      demo: demoNotificationLinks(),
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, "admin");
  return handle(
    async () => {
      const form = await readBody(request, { accept: "form" });
      const portal = getPortal();
      try {
        switch (form.intent) {
          case "test":
            await sendTest(portal, user, String(form.channel ?? ""));
            return json({ ok: true, message: `A test message is on its way through ${String(form.channel)}: watch its delivery below.` });
          case "override":
            await addOverride(portal, user, { rotation: form.rotation, username: form.username, startsAt: form.startsAt, endsAt: form.endsAt });
            return json({ ok: true, message: `${String(form.username)} covers ${String(form.rotation)} for that range.` });
          case "ack":
            await acknowledge(portal, user, String(form.subject ?? ""));
            return json({ ok: true, message: `Acknowledged: ${String(form.subject)} stops escalating.` });
          default:
            return json({ ok: false, message: "Unknown intent." }, { status: 400 });
        }
      } catch (err) {
        if (isPortalError(err)) return json({ ok: false, message: `${err.message}${err.fieldErrors ? `: ${Object.entries(err.fieldErrors).map(([k, v]) => `${k} ${v?.join(", ")}`).join("; ")}` : ""}` }, { status: err.status });
        throw err;
      }
    },
    { ok: false, message: "The request could not be read." },
  );
}

export default function NotificationsPage() {
  const fmt = useFormatTime();
  const { channels, deliveries, rotations, escalations, demo } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <section aria-labelledby="notifications-title">
      <h1 id="notifications-title">Notifications</h1>
      {result ? (
        <p role="status" className={result.ok ? "notice" : "error"}>
          {result.message}
        </p>
      ) : null}
      {demo ? (
        <p className="muted">
          Demo: the <a href={demo.slack}>Slack sandbox</a> shows what was posted; the <a href={demo.mailbox}>mailbox</a> shows what was mailed.
        </p>
      ) : null}

      <h2>Channels</h2>
      {channels.length === 0 ? <p>No channel is configured (notifications.channels).</p> : null}
      <ul className="plain">
        {channels.map((c) => (
          <li key={c.name} data-channel={c.name}>
            <b>{c.name}</b> <span className="muted">({c.kind})</span>{" "}
            <Form method="post" className="inline-form">
              <input type="hidden" name="intent" value="test" />
              <input type="hidden" name="channel" value={c.name} />
              <button type="submit" disabled={busy}>
                Send a test
              </button>
            </Form>
          </li>
        ))}
      </ul>

      <h2>On call</h2>
      <table>
        <thead>
          <tr>
            <th>Rotation</th>
            <th>Now</th>
            <th>Next</th>
          </tr>
        </thead>
        <tbody>
          {rotations.map((r) => (
            <tr key={r.name} data-rotation={r.name}>
              <td>{r.name}</td>
              <td>{r.now ?? "nobody"}</td>
              <td>{r.next ? `${r.next.user} at ${fmt(r.next.at)}` : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rotations.length ? (
        <Form method="post" className="stack-form">
          <input type="hidden" name="intent" value="override" />
          <label>
            Rotation{" "}
            <select name="rotation">
              {rotations.map((r) => (
                <option key={r.name}>{r.name}</option>
              ))}
            </select>
          </label>
          <label>
            Who covers <input name="username" required />
          </label>
          <label>
            From <input type="datetime-local" name="startsAt" required />
          </label>
          <label>
            Until <input type="datetime-local" name="endsAt" required />
          </label>
          <button type="submit" disabled={busy}>
            Add override
          </button>
        </Form>
      ) : null}

      <h2>Escalations</h2>
      {escalations.length === 0 ? <p>Nothing is escalating.</p> : null}
      <ul className="plain">
        {escalations.map((e) => (
          <li key={e.id} data-escalation={e.subject}>
            {e.kind} <a href={e.kind === "incident" ? `/incidents/${e.subject}` : `/runs/${e.subject}`}>{e.subject}</a> — level {e.level + 1} of policy {e.policy}
            {e.acknowledgedBy ? ` · acknowledged by ${e.acknowledgedBy}` : e.nextAt ? ` · next level at ${fmt(e.nextAt, { date: false })}` : ""}
            {!e.acknowledgedBy ? (
              <Form method="post" className="inline-form">
                <input type="hidden" name="intent" value="ack" />
                <input type="hidden" name="subject" value={e.subject} />
                <button type="submit" disabled={busy}>
                  Acknowledge
                </button>
              </Form>
            ) : null}
          </li>
        ))}
      </ul>

      <h2>Deliveries</h2>
      <table data-testid="deliveries">
        <thead>
          <tr>
            <th>When</th>
            <th>Event</th>
            <th>Channel</th>
            <th>Status</th>
            <th>Attempts</th>
            <th>What the provider said</th>
          </tr>
        </thead>
        <tbody>
          {deliveries.map((d) => (
            <tr key={d.id} data-status={d.status}>
              <td>{fmt(d.sentAt ?? d.createdAt)}</td>
              <td>
                {d.kind} <span className="muted">{d.subject}</span>
              </td>
              <td>
                {d.channel}
                {d.recipient ? ` → ${d.recipient}` : ""}
              </td>
              <td>{d.status}</td>
              <td>{d.attempts}</td>
              <td>{d.lastError ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function ErrorBoundary() {
  return (
    <section>
      <h1>Notifications</h1>
      <p>This page is for admins.</p>
    </section>
  );
}
