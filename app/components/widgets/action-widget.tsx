import * as Dialog from "@radix-ui/react-dialog";
import { useNavigate, useRouteLoaderData } from "@remix-run/react";
import { useEffect, useMemo, useRef, useState } from "react";
import { getActiveIncidentId } from "~/components/incidents/active-incident";
import { hasRole } from "~/lib/roles";
import { currencyDigits, formatMoney, isMoneyField, readableName, toMinorUnits } from "./labels";
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
  /** Open incidents this run would join: the runbook's first, then the plugin's. */
  incidents?: { id: string; title: string; severity: string; status: string; via: "runbook" | "plugin" }[];
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

/** Form values (strings from inputs) → the JSON input the schema expects; money typed in major units. */
function toInput(props: Record<string, JsonSchemaProp>, values: Values, currency: string | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(props)) {
    const v = values[k];
    if (v === undefined || v === "") continue;
    const t = typeOf(p);
    if (isMoneyField(k) && typeof v === "string") out[k] = toMinorUnits(v, currency) ?? v;
    else if (t === "boolean") out[k] = v === true || v === "true";
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
    // A preset amount is written in minor units (as the action takes it); the field shows major units.
    if (preset !== undefined && isMoneyField(k) && /^\d+$/.test(preset)) values[k] = (Number(preset) / 10 ** currencyDigits(attrs.currency)).toFixed(currencyDigits(attrs.currency));
    else if (preset !== undefined) values[k] = typeOf(p) === "boolean" ? preset === "true" : preset;
    else if (p.default !== undefined) values[k] = typeOf(p) === "boolean" ? Boolean(p.default) : String(p.default);
    else values[k] = typeOf(p) === "boolean" ? false : "";
  }
  return values;
}

function newKey(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto ? crypto.randomUUID() : `k-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

function show(v: unknown, key: string, currency: string | null): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number" && isMoneyField(key) && currency) return formatMoney(v, currency);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** Before/after as a field-by-field diff: what changes is marked, the rest is context. */
function ChangeDiff({ before, after }: { before: unknown; after: unknown }) {
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
  if (!isObj(before) || !isObj(after)) {
    return (
      <p className="diff-plain">
        <span className="diff-before">{JSON.stringify(before)}</span> → <span className="diff-after">{JSON.stringify(after)}</span>
      </p>
    );
  }
  const currency = (typeof before.currency === "string" ? before.currency : typeof after.currency === "string" ? after.currency : null) as string | null;
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return (
    <table className="change-diff" data-testid="change-diff">
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Now</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => {
          const changed = k in after && JSON.stringify(before[k]) !== JSON.stringify(after[k]);
          return (
            <tr key={k} className={changed ? "diff-changed" : undefined} data-changed={changed ? "true" : undefined}>
              <th scope="row" title={k}>
                {readableName(k)}
              </th>
              <td>{show(before[k], k, currency)}</td>
              <td>{k in after ? <strong>{show(after[k], k, currency)}</strong> : <span className="muted">unchanged</span>}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function pagePath(): string | null {
  if (typeof window === "undefined") return null;
  const m = /^\/runbooks\/(.+)$/.exec(window.location.pathname);
  return m ? decodeURIComponent(m[1]) : null;
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
  // Field messages wait until the operator has typed in that field (or tried to run).
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [attempted, setAttempted] = useState(false);
  const [incidentId, setIncidentId] = useState<string>("");
  const [copied, setCopied] = useState(false);
  const [askReason, setAskReason] = useState("");
  const keyRef = useRef<string>("");
  const { id: _id, ...attrs } = slot.attrs;

  // Load the description once, when the dialog first opens.
  useEffect(() => {
    if (!open || desc) return;
    let live = true;
    const runbook = pagePath();
    fetch(`/api/actions/${encodeURIComponent(slot.id)}${runbook ? `?runbook=${encodeURIComponent(runbook)}` : ""}`, { headers: { accept: "application/json" } })
      .then(async (res) => {
        const body = await res.json();
        if (!live) return;
        if (!res.ok) setLoadError(body.error ?? `cannot load the action (${res.status})`);
        else {
          const d = body as ActionDescription;
          setDesc(d);
          setValues(initialValues(d, attrs));
          // The incident the page works on, else the open incident linking this runbook or plugin.
          const active = attrs.incident || getActiveIncidentId();
          setIncidentId(active && (d.incidents ?? []).some((i) => i.id === active) ? active : active || d.incidents?.[0]?.id || "");
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
      setTouched({});
      setAttempted(false);
      setCopied(false);
      setAskReason("");
    }
  }, [open]);

  const props = desc?.schema?.properties ?? {};
  const [currency, setCurrency] = useState<string | null>(attrs.currency ?? null);
  const input = useMemo(() => toInput(props, values, currency), [props, values, currency]);
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
          const b = body.preview?.before as Record<string, unknown> | undefined;
          const a = body.preview?.after as Record<string, unknown> | undefined;
          const c = (b && typeof b.currency === "string" ? b.currency : a && typeof a.currency === "string" ? a.currency : null) as string | null;
          if (c) setCurrency(c);
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
  // Ask an admin: a responder who may not run it sends the input and a reason instead.
  const asking = !!desc && !allowed && hasRole(root?.user?.roles ?? [], "responder");
  const target = preview?.target ?? null;
  const inputValid = !!preview && !preview.error && !preview.previewInvalid && !!target;
  const confirmOk = !desc?.confirm || (target !== null && confirm.trim() === target);
  const reasonOk = !breakGlass || reason.trim().length >= 10;
  const askReasonOk = askReason.trim().length >= 10;
  // The dry run is for those who may run it; a request is checked on the server (schema, target).
  const canSubmit = asking ? askReasonOk && !submitting : !!desc && allowed && inputValid && confirmOk && reasonOk && !submitting && !previewing;

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setAttempted(true);
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
          ...(asking ? { request: { reason: askReason.trim() } } : {}),
          confirm: desc.confirm && !asking ? confirm.trim() : undefined,
          idempotencyKey: keyRef.current,
          // Explicit: the chosen incident, or null when the operator cleared it.
          incidentId: incidentId || null,
          runbook: pagePath() ?? undefined,
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
  const label = attrs.label || attrs.title || slot.title || desc?.title || slot.id;
  const needs = slot.risk ? (slot.risk === "low" ? "responder" : "admin") : desc?.requiredRole;
  const mayRunIt = needs ? hasRole(root?.user?.roles ?? [], needs) : true;
  const showErrors = (k: string) => attempted || touched[k];
  const setField = (k: string, v: string | boolean) => {
    setValues({ ...values, [k]: v });
    setTouched({ ...touched, [k]: true });
  };
  const anyTouched = attempted || Object.values(touched).some(Boolean);
  const copyTarget = () => {
    if (!target) return;
    const done = () => setCopied(true);
    if (navigator.clipboard?.writeText) navigator.clipboard.writeText(target).then(done, () => setConfirm(target));
    else setConfirm(target);
  };

  return (
    <div className="widget widget-action action-widget" data-widget="action" data-id={slot.id}>
      <Dialog.Root open={open} onOpenChange={setOpen}>
        <Dialog.Trigger asChild>
          <button type="button" className={`action-button${mayRunIt ? "" : " action-button-restricted"}`} title={slot.id} data-testid="action-button">
            {label}
            {!mayRunIt && needs ? <span className="action-needs"> · {needs}s only{hasRole(root?.user?.roles ?? [], "responder") ? " — ask one" : ""}</span> : null}
          </button>
        </Dialog.Trigger>
        <Dialog.Portal>
          <Dialog.Overlay className="dialog-overlay" />
          <Dialog.Content className="dialog-content action-dialog" aria-describedby={undefined}>
            <Dialog.Title>{desc?.title ?? slot.title ?? slot.id}</Dialog.Title>
            {loadError ? <p className="form-error">{loadError}</p> : null}
            {!desc && !loadError ? <p className="muted">Loading…</p> : null}
            {desc ? (
              <form onSubmit={submit} noValidate className="action-form">
                <div className="action-form-body">
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
                {!allowed ? (
                  <p className="notice" data-testid="action-needs-role">
                    Only {desc.requiredRole}s can run this.{" "}
                    {asking ? "Fill it in and ask an admin: they run it, or decline it, and this page shows what they decided." : "Viewers cannot ask for actions; ask a responder."}
                  </p>
                ) : null}

                <fieldset className="action-fields">
                  <legend>Input</legend>
                  {Object.entries(props).map(([k, p]) => {
                    const t = typeOf(p);
                    const fid = `${slot.key}-${k}`;
                    const errs = showErrors(k) ? fieldErrors[k] : undefined;
                    const money = isMoneyField(k);
                    const common = { id: fid, name: k, "aria-invalid": errs ? true : undefined, "aria-describedby": errs ? `${fid}-err` : undefined };
                    return (
                      <div key={k} className="field">
                        <label htmlFor={fid}>
                          {p.description ?? readableName(k)}
                          {money ? <span className="muted"> (in {currency ? currency.toUpperCase() : "major units"}, e.g. 12.50{desc.schema?.required?.includes(k) ? "" : "; empty = everything"})</span> : null}
                        </label>
                        {t === "enum" ? (
                          // No default on a consequential choice: the operator picks one.
                          <select {...common} value={String(values[k] ?? "")} onChange={(e) => setField(k, e.target.value)}>
                            {p.default === undefined ? <option value="">{desc.schema?.required?.includes(k) ? "choose…" : "— not set —"}</option> : null}
                            {p.enum!.map((o) => (
                              <option key={String(o)} value={String(o)}>
                                {readableName(String(o))}
                              </option>
                            ))}
                          </select>
                        ) : t === "boolean" ? (
                          <input {...common} type="checkbox" checked={values[k] === true} onChange={(e) => setField(k, e.target.checked)} />
                        ) : money ? (
                          <input {...common} type="text" inputMode="decimal" autoComplete="off" value={String(values[k] ?? "")} onChange={(e) => setField(k, e.target.value)} />
                        ) : (
                          <input
                            {...common}
                            type={desc.secretFields.includes(k) ? "password" : t === "number" || t === "integer" ? "number" : "text"}
                            autoComplete="off"
                            min={p.minimum}
                            max={p.maximum}
                            step={t === "integer" ? 1 : undefined}
                            value={String(values[k] ?? "")}
                            onChange={(e) => setField(k, e.target.value)}
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
                  {preview?.error && anyTouched ? <p className="form-error">{preview.error}</p> : null}
                  {preview?.error && !anyTouched ? <p className="muted">Fill in the input to see what will change.</p> : null}
                  {preview?.previewError ? <p className="form-error">Dry run failed: {preview.previewError}</p> : null}
                  {preview?.preview ? (
                    <>
                      <p>{preview.preview.summary}</p>
                      {typeof preview.preview.count === "number" ? (
                        <p>
                          Blast radius: <strong data-testid="blast-radius">{preview.preview.count}</strong> record(s)
                        </p>
                      ) : null}
                      {preview.preview.before !== undefined ? <ChangeDiff before={preview.preview.before} after={preview.preview.after} /> : null}
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

                <div className="field">
                  <label htmlFor={`${slot.key}-incident`}>Record on incident</label>
                  <select id={`${slot.key}-incident`} value={incidentId} onChange={(e) => setIncidentId(e.target.value)} data-testid="action-incident">
                    <option value="">— none —</option>
                    {incidentId && !(desc.incidents ?? []).some((i) => i.id === incidentId) ? <option value={incidentId}>the incident chosen on this page</option> : null}
                    {(desc.incidents ?? []).map((i) => (
                      <option key={i.id} value={i.id}>
                        {i.severity} · {i.title} ({i.via === "runbook" ? "links this runbook" : `links ${desc.id.split(".")[0]}`})
                      </option>
                    ))}
                  </select>
                </div>

                {desc.approval && !asking ? (
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

                </div>
                <div className="action-form-footer">
                {asking ? (
                  <div className="field">
                    <label htmlFor={`${slot.key}-ask-reason`}>Why is this needed? (the admin sees it)</label>
                    <textarea id={`${slot.key}-ask-reason`} value={askReason} onChange={(e) => setAskReason(e.target.value)} rows={2} maxLength={2000} data-testid="ask-reason" />
                  </div>
                ) : null}
                {desc.confirm && target && !asking ? (
                  <div className="field confirm-field">
                    <label htmlFor={`${slot.key}-confirm`}>
                      Type <code className="confirm-target">{target}</code> to confirm
                    </label>
                    <div className="confirm-row">
                      <input id={`${slot.key}-confirm`} autoComplete="off" spellCheck={false} value={confirm} onChange={(e) => setConfirm(e.target.value)} data-testid="action-confirm" />
                      <button type="button" className="secondary" onClick={copyTarget} data-testid="copy-target">
                        {copied ? "Copied" : "Copy"}
                      </button>
                    </div>
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
                    {submitting ? "Sending…" : asking ? "Ask an admin" : desc.approval && !breakGlass ? "Request approval" : "Run"}
                  </button>
                </div>
                </div>
              </form>
            ) : null}
          </Dialog.Content>
        </Dialog.Portal>
      </Dialog.Root>
    </div>
  );
}
