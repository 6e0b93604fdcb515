import { useFetcher } from "@remix-run/react";
import { useFormatTime } from "~/components/time";
import { SnoozeFields } from "./snooze-fields";

export interface AlertRowView {
  id: string;
  name: string;
  acknowledgedBy: string | null;
  silence: { createdBy: string; comment: string; endsAt: string | null } | null;
  snoozeMatchers: { name: string; value: string; isRegex: false }[];
}

/** An inbox alert's acknowledge (`POST /api/alerts/:id/ack`) and snooze (a silence on its labels, `POST /api/silences`), where it is shown. */
export function AlertRowControls({ alert, canAct }: { alert: AlertRowView; canAct: boolean }) {
  const ack = useFetcher<{ error?: string }>();
  const snooze = useFetcher<{ error?: string; fieldErrors?: Record<string, string[]> }>();
  const fmt = useFormatTime();
  const error = ack.data?.error ?? snooze.data?.error ?? Object.values(snooze.data?.fieldErrors ?? {})[0]?.[0];
  return (
    <div className="probe-row-controls" data-testid="alert-row-controls">
      {alert.acknowledgedBy ? <div className="muted">Acknowledged by {alert.acknowledgedBy}</div> : null}
      {alert.silence ? (
        <div className="muted" title={alert.silence.comment}>
          Snoozed by {alert.silence.createdBy}
          {alert.silence.endsAt ? ` until ${fmt(alert.silence.endsAt, { date: false })}` : ""}: {alert.silence.comment}
        </div>
      ) : null}
      {canAct && !alert.acknowledgedBy ? (
        <ack.Form method="post" action={`/api/alerts/${encodeURIComponent(alert.id)}/ack`} className="inline">
          <button type="submit" disabled={ack.state !== "idle"}>
            Acknowledge
          </button>
        </ack.Form>
      ) : null}
      {canAct && !alert.silence ? (
        <details>
          <summary>Snooze</summary>
          <form
            className="alert-form"
            onSubmit={(e) => {
              e.preventDefault();
              const f = new FormData(e.currentTarget);
              snooze.submit({ matchers: alert.snoozeMatchers, duration: String(f.get("duration")), comment: String(f.get("comment")) }, { method: "post", action: "/api/silences", encType: "application/json" });
            }}
          >
            <SnoozeFields busy={snooze.state !== "idle"} />
          </form>
        </details>
      ) : null}
      {error ? <div className="form-error">{error}</div> : null}
    </div>
  );
}
