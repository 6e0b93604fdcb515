import * as Dialog from "@radix-ui/react-dialog";
import { useNavigate, useRouteLoaderData } from "@remix-run/react";
import { useEffect, useMemo, useRef, useState } from "react";
import { getActiveIncidentId } from "~/components/incidents/active-incident";
import { hasRole } from "~/lib/roles";
import { useProbeReadings } from "./provider";
import type { ProbeReadingJson, WidgetSlot } from "~/lib/widgets";

interface JsonSchemaProp {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
}

interface ActionDescription {
  id: string;
  title: string;
  description: string | null;
  risk: "low" | "high" | "critical";
  requiredRole: "responder" | "admin";
  confirm: boolean;
  approval: boolean;
  cancellable: boolean;
  rateLimit: { max: number; per: string } | null;
  schema: { properties?: Record<string, JsonSchemaProp>; required?: string[] } | null;
  secretFields: string[];
}

interface PreviewResponse {
  target?: string;
  preview?: { summary?: string; count?: number; before?: unknown; after?: unknown; rows?: Record<string, unknown>[]; precondition?: string } | null;
  previewError?: string | null;
  /** The dry run refused the input (e.g. more than is refundable): submit stays disabled. */
  previewInvalid?: boolean;
  error?: string;
  fieldErrors?: Record<string, string[]>;
}

type Values = Record<string, string | boolean>;

function typeOf(p: JsonSchemaProp): string {
  const t = Array.isArray(p.type) ? p.type.find((x) => x !== "null") : p.type;
  if (p.enum) return "enum";
  return t ?? "string";
}

/** Form values (strings from inputs) → the JSON input the schema expects. */
function toInput(props: Record<string, JsonSchemaProp>, values: Values): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(props)) {
    const v = values[k];
    if (v === undefined || v === "") continue;
    const t = typeOf(p);
    if (t === "boolean") out[k] = v === true || v === "true";
    else if (t === "number" || t === "integer") out[k] = Number(v);
    else if (t === "enum" && p.enum && typeof p.enum[0] === "number") out[k] = Number(v);
    else out[k] = v;
  }
  return out;
}

function initialValues(desc: ActionDescription, attrs: Record<string, string>): Values {
  const values: Values = {};
  for (const [k, p] of Object.entries(desc.schema?.properties ?? {})) {
    const preset = attrs[k] ?? attrs[`input.${k}`];
    if (preset !== undefined) values[k] = typeOf(p) === "boolean" ? preset === "true" : preset;
    else if (p.default !== undefined) values[k] = typeOf(p) === "boolean" ? Boolean(p.default) : String(p.default);
    else values[k] = typeOf(p) === "boolean" ? false : "";
  }
  return values;
}

function newKey(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto ? crypto.randomUUID() : `k-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

function ReadingLine({ r }: { r: ProbeReadingJson }) {
  return (
    <li>
      <span className={`status-dot status-${r.status}`} aria-hidden="true" /> <strong>{r.title}</strong>: <span className={`status-${r.status}`}>{r.status}</span> — {r.summary}
      {r.observedAt ? <span className="muted"> ({r.observedAt.replace("T", " ").slice(0, 19)} UTC)</span> : null}
    </li>
  );
}

/**
 * An `::action{id="…"}` button: opens a dialog with the form generated from the action's input
 * schema, the dry-run preview (blast radius), the live readings of the page's probes, the risk,
 * and the typed confirmation. The server re-checks everything; this only guides.
 */
export function ActionWidget({ slot }: { slot: WidgetSlot }) {
  const root = useRouteLoaderData("root") as { user?: { username: string; roles: string[] } | null } | undefined;
  const readings = useProbeReadings();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [desc, setDesc] = useState<ActionDescription | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [values, setValues] = useState<Values>({});
  const [preview, setPreview] = useState<PreviewResponse | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const [confirm, setConfirm] = useState("");
  const [breakGlass, setBreakGlass] = useState(false);
  const [reason, setReason] = useState("");
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const keyRef = useRef<string>("");
  const { id: _id, ...attrs } = slot.attrs;

  // Load the description once, when the dialog first opens.
  useEffect(() => {
    if (!open || desc) return;
    let live = true;
    fetch(`/api/actions/${encodeURIComponent(slot.id)}`, { headers: { accept: "application/json" } })
      .then(async (res) => {
        const body = await res.json();
        if (!live) return;
        if (!res.ok) setLoadError(body.error ?? `cannot load the action (${res.status})`);
        else {
          setDesc(body as ActionDescription);
          setValues(initialValues(body as ActionDescription, attrs));
        }
      })
      .catch(() => live && setLoadError("cannot reach the portal"));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open, desc, slot.id]);

  // A fresh idempotency key for each opening: a double click sends the same key, a new attempt a new one.
  useEffect(() => {
    if (open) {
      keyRef.current = newKey();
      setError(null);
      setConfirm("");
      setBreakGlass(false);
      setReason("");
    }
  }, [open]);

  const props = desc?.schema?.properties ?? {};
  const input = useMemo(() => toInput(props, values), [props, values]);
  const inputJson = JSON.stringify(input);

  // Dry run on every change (debounced): validates on the server and shows the blast radius.
  useEffect(() => {
    if (!open || !desc) return;
    let live = true;
    setPreviewing(true);
    const t = setTimeout(() => {
      fetch(`/api/actions/${encodeURIComponent(desc.id)}/preview`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ input: JSON.parse(inputJson) }) })
        .then(async (res) => {
          const body = (await res.json()) as PreviewResponse;
          if (!live) return;
          setPreview(body);
          setFieldErrors(res.ok ? {} : body.fieldErrors ?? {});
        })
        .catch(() => live && setPreview({ error: "cannot reach the portal" }))
        .finally(() => live && setPreviewing(false));
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [open, desc, inputJson]);

  const allowed = desc ? hasRole(root?.user?.roles ?? [], desc.requiredRole) : true;
  const target = preview?.target ?? null;
  const inputValid = !!preview && !preview.error && !preview.previewInvalid && !!target;
  const confirmOk = !desc?.confirm || (target !== null && confirm.trim() === target);
  const reasonOk = !breakGlass || reason.trim().length >= 10;
  const canSubmit = !!desc && allowed && inputValid && confirmOk && reasonOk && !submitting && !previewing;

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!canSubmit || !desc) return;
    setSubmitting(true);
    setError(null);
    // Evidence: exactly what the page showed at the moment of the click.
    const evidence = Object.fromEntries(
      Object.entries(readings)
        .filter(([, r]) => r)
        .map(([pid, r]) => [pid, { status: r!.status, value: r!.value, summary: r!.summary, observedAt: r!.observedAt, stale: r!.stale ?? false }]),
    );
    try {
      const res = await fetch(`/api/actions/${encodeURIComponent(desc.id)}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          input,
          confirm: desc.confirm ? confirm.trim() : undefined,
          idempotencyKey: keyRef.current,
          incidentId: attrs.incident || getActiveIncidentId() || undefined,
          evidence,
          ...(preview?.preview?.precondition ? { precondition: preview.preview.precondition } : {}),
          ...(breakGlass ? { breakGlassReason: reason.trim() } : {}),
        }),
      });
      const body = (await res.json()) as { runId?: string; status?: string; error?: string; fieldErrors?: Record<string, string[]> };
      if (body.runId && (res.status === 202 || res.status === 200)) {
        setOpen(false);
        navigate(`/runs/${body.runId}`);
        return;
      }
      setError(body.error ?? `refused (${res.status})`);
      setFieldErrors(body.fieldErrors ?? {});
      keyRef.current = newKey();
    } catch {
      setError("cannot reach the portal; nothing was sent twice (same key on retry)");
    } finally {
      setSubmitting(false);
    }
  }

  const readingList = Object.values(readings).filter((r): r is ProbeReadingJson => !!r);
  const label = attrs.label || attrs.title || null;

  return (
    <div className="widget widget-action action-widget" data-widget="action" data-id={slot.id}>
      <Dialog.Root open={open} onOpenChange={setOpen}>
        <Dialog.Trigger asChild>
          <button type="button" className="action-button">
            {label ?? `Run ${slot.id}`}
          </button>
        </Dialog.Trigger>
        <Dialog.Portal>
          <Dialog.Overlay className="dialog-overlay" />
          <Dialog.Content className="dialog-content action-dialog" aria-describedby={undefined}>
            <Dialog.Title>{desc?.title ?? slot.id}</Dialog.Title>
            {loadError ? <p className="form-error">{loadError}</p> : null}
            {!desc && !loadError ? <p className="muted">Loading…</p> : null}
            {desc ? (
              <form onSubmit={submit} noValidate>
                <p>
                  <span className={`risk risk-${desc.risk}`} data-testid="action-risk">
                    {desc.risk} risk
                  </span>{" "}
                  <span className="muted">
                    {desc.risk === "low" ? "responders may run it" : desc.risk === "high" ? "admins only; type the target to confirm" : "admins only; a second admin must approve (or break-glass with a reason)"}
                    {desc.rateLimit ? ` · at most ${desc.rateLimit.max} per ${desc.rateLimit.per} per target` : ""}
                  </span>
                </p>
                {desc.description ? <p>{desc.description}</p> : null}
                {!allowed ? <p className="form-error">Your roles cannot run this: it needs {desc.requiredRole}.</p> : null}

                <fieldset className="action-fields">
                  <legend>Input</legend>
                  {Object.entries(props).map(([k, p]) => {
                    const t = typeOf(p);
                    const fid = `${slot.key}-${k}`;
                    const errs = fieldErrors[k];
                    const common = { id: fid, name: k, "aria-invalid": errs ? true : undefined, "aria-describedby": errs ? `${fid}-err` : undefined };
                    return (
                      <div key={k} className="field">
                        <label htmlFor={fid}>{p.description ?? k}</label>
                        {t === "enum" ? (
                          <select {...common} value={String(values[k] ?? "")} onChange={(e) => setValues({ ...values, [k]: e.target.value })}>
                            {desc.schema?.required?.includes(k) && p.default === undefined ? <option value="">choose…</option> : null}
                            {p.enum!.map((o) => (
                              <option key={String(o)} value={String(o)}>
                                {String(o)}
                              </option>
                            ))}
                          </select>
                        ) : t === "boolean" ? (
                          <input {...common} type="checkbox" checked={values[k] === true} onChange={(e) => setValues({ ...values, [k]: e.target.checked })} />
                        ) : (
                          <input
                            {...common}
                            type={desc.secretFields.includes(k) ? "password" : t === "number" || t === "integer" ? "number" : "text"}
                            autoComplete="off"
                            min={p.minimum}
                            max={p.maximum}
                            step={t === "integer" ? 1 : undefined}
                            value={String(values[k] ?? "")}
                            onChange={(e) => setValues({ ...values, [k]: e.target.value })}
                          />
                        )}
                        {errs ? (
                          <span id={`${fid}-err`} className="field-error">
                            {errs[0]}
                          </span>
                        ) : null}
                      </div>
                    );
                  })}
                </fieldset>

                <section className="action-preview" aria-label="Preview" data-testid="action-preview">
                  <h3>What will change</h3>
                  {previewing && !preview ? <p className="muted">Computing the dry run…</p> : null}
                  {preview?.error ? <p className="form-error">{preview.error}</p> : null}
                  {preview?.previewError ? <p className="form-error">Dry run failed: {preview.previewError}</p> : null}
                  {preview?.preview ? (
                    <>
                      <p>{preview.preview.summary}</p>
                      {typeof preview.preview.count === "number" ? (
                        <p>
                          Blast radius: <strong data-testid="blast-radius">{preview.preview.count}</strong> record(s)
                        </p>
                      ) : null}
                      {preview.preview.before !== undefined ? (
                        <p className="muted">
                          before <code>{JSON.stringify(preview.preview.before)}</code> → after <code>{JSON.stringify(preview.preview.after)}</code>
                        </p>
                      ) : null}
                    </>
                  ) : null}
                  {target ? (
                    <p className="muted">
                      Target: <code>{target}</code>
                    </p>
                  ) : null}
                </section>

                <section className="action-before" aria-label="Live state before">
                  <h3>Live state now</h3>
                  {readingList.length ? (
                    <ul>
                      {readingList.map((r) => (
                        <ReadingLine key={r.id} r={r} />
                      ))}
                    </ul>
                  ) : (
                    <p className="muted">No live readings on this page.</p>
                  )}
                </section>

                {desc.confirm && target ? (
                  <div className="field">
                    <label htmlFor={`${slot.key}-confirm`}>
                      Type <code>{target}</code> to confirm
                    </label>
                    <input id={`${slot.key}-confirm`} autoComplete="off" value={confirm} onChange={(e) => setConfirm(e.target.value)} data-testid="action-confirm" />
                  </div>
                ) : null}

                {desc.approval ? (
                  <div className="field break-glass">
                    <label className="checkbox">
                      <input type="checkbox" checked={breakGlass} onChange={(e) => setBreakGlass(e.target.checked)} /> Break-glass: run now without a second admin
                    </label>
                    {breakGlass ? (
                      <>
                        <label htmlFor={`${slot.key}-reason`}>Why can this not wait? (recorded, and reviewed by another admin)</label>
                        <textarea id={`${slot.key}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} rows={2} maxLength={2000} />
                      </>
                    ) : null}
                  </div>
                ) : null}

                {error ? (
                  <p className="form-error" role="alert">
                    {error}
                  </p>
                ) : null}
                <div className="dialog-buttons">
                  <Dialog.Close asChild>
                    <button type="button" className="secondary">
                      Close
                    </button>
                  </Dialog.Close>
                  <button type="submit" className={desc.risk === "low" ? "" : "danger"} disabled={!canSubmit}>
                    {submitting ? "Sending…" : desc.approval && !breakGlass ? "Request approval" : "Run"}
                  </button>
                </div>
              </form>
            ) : null}
          </Dialog.Content>
        </Dialog.Portal>
      </Dialog.Root>
    </div>
  );
}
