import { useFetcher } from "@remix-run/react";
import { useFormatTime } from "~/components/time";
import { SnoozeFields } from "./snooze-fields";

export interface ProbeRowStateView {
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  snoozed: { id: string; createdBy: string; comment: string; endsAt: string | null } | null;
}

/** A "needs attention" row's acknowledge and snooze, through the alerts' own mechanism. */
export function ProbeRowControls({ probeId, state, canAct }: { probeId: string; state: ProbeRowStateView | undefined; canAct: boolean }) {
  const ack = useFetcher<{ error?: string }>();
  const snooze = useFetcher<{ error?: string; fieldErrors?: Record<string, string[]> }>();
  const fmt = useFormatTime();
  const action = `/api/alerts/probes/${encodeURIComponent(probeId)}`;
  const error = ack.data?.error ?? snooze.data?.error;
  return (
    <div className="probe-row-controls" data-testid="probe-row-controls">
      {state?.acknowledgedBy ? <div className="muted">Acknowledged by {state.acknowledgedBy}</div> : null}
      {state?.snoozed ? (
        <div className="muted" title={state.snoozed.comment}>
          Snoozed by {state.snoozed.createdBy}
          {state.snoozed.endsAt ? ` until ${fmt(state.snoozed.endsAt, { date: false })}` : ""}: {state.snoozed.comment}
        </div>
      ) : null}
      {canAct && !state?.acknowledgedBy ? (
        <ack.Form method="post" action={action} className="inline">
          <input type="hidden" name="intent" value="ack" />
          <button type="submit" disabled={ack.state !== "idle"}>
            Acknowledge
          </button>
        </ack.Form>
      ) : null}
      {canAct && !state?.snoozed ? (
        <details>
          <summary>Snooze</summary>
          <snooze.Form method="post" action={action} className="alert-form">
            <input type="hidden" name="intent" value="snooze" />
            <SnoozeFields busy={snooze.state !== "idle"} />
          </snooze.Form>
        </details>
      ) : null}
      {error ? <div className="form-error">{error}</div> : null}
    </div>
  );
}
