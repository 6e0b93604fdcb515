import { Form } from "@remix-run/react";
import { SEVERITIES, SEVERITY_INFO } from "~/lib/incidents";
import { FieldError } from "./bits";

export function DeclareIncidentForm({
  errors,
  plugins,
  runbooks,
  defaults,
  busy,
}: {
  errors?: Record<string, string[]> | null;
  plugins: { id: string; title: string }[];
  runbooks: string[];
  defaults?: { runbook?: string; severity?: string; title?: string };
  busy?: boolean;
}) {
  return (
    <Form method="post" className="declare-form card">
      <FieldError errors={errors} name="form" />
      <label>
        Title
        <input name="title" required minLength={3} maxLength={300} defaultValue={defaults?.title} aria-describedby="title-error" placeholder="Stripe webhooks failing for paid orders" />
      </label>
      <FieldError errors={errors} name="title" />
      <fieldset className="sev-choice">
        <legend>Severity</legend>
        {SEVERITIES.map((s) => (
          <label key={s} className="radio">
            <input type="radio" name="severity" value={s} defaultChecked={(defaults?.severity ?? "P2") === s} />
            <span>
              <strong>
                {s} · {SEVERITY_INFO[s].label}
              </strong>{" "}
              <span className="muted">response: {SEVERITY_INFO[s].response}. {SEVERITY_INFO[s].meaning}.</span>
            </span>
          </label>
        ))}
      </fieldset>
      <FieldError errors={errors} name="severity" />
      <label>
        Runbook (optional)
        <input name="runbook" list="runbook-paths" defaultValue={defaults?.runbook} placeholder="payments/stripe-webhooks" />
        <datalist id="runbook-paths">
          {runbooks.map((r) => (
            <option key={r} value={r} />
          ))}
        </datalist>
        <span className="hint">Links the runbook and the plugins it uses.</span>
      </label>
      <FieldError errors={errors} name="runbook" />
      {plugins.length ? (
        <fieldset>
          <legend>Affected plugins</legend>
          {plugins.map((p) => (
            <label key={p.id} className="checkbox">
              <input type="checkbox" name="plugins" value={p.id} /> {p.title}
            </label>
          ))}
        </fieldset>
      ) : null}
      <FieldError errors={errors} name="plugins" />
      <div className="row">
        <label>
          Detected at (UTC, optional)
          <input type="datetime-local" name="detectedAt" step={60} />
        </label>
        <label>
          Impact started (UTC, optional)
          <input type="datetime-local" name="impactStartedAt" step={60} />
        </label>
      </div>
      <FieldError errors={errors} name="detectedAt" />
      <FieldError errors={errors} name="impactStartedAt" />
      <label>
        First note (optional)
        <textarea name="note" rows={3} />
      </label>
      <button type="submit" disabled={busy}>
        Declare incident
      </button>
    </Form>
  );
}
