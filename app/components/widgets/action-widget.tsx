import * as Dialog from "@radix-ui/react-dialog";
import { Time } from "~/components/time";
import { useNavigate, useRouteLoaderData } from "@remix-run/react";
import { useEffect, useMemo, useRef, useState } from "react";
import { getActiveIncidentId } from "~/components/incidents/active-incident";
import { hasRole } from "~/lib/roles";
import { currencyDigits, formatMoney, isMoneyField, readableName, toMinorUnits } from "./labels";
import { useProbeReadings } from "./provider";
import { accessFor, useActionRisk } from "./action-access";
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
  /** Open incidents: those this run would join first (the runbook's, then the plugin's), then the other open ones (`open`). */
  incidents?: { id: string; title: string; severity: string; status: string; via: "runbook" | "plugin" | "target" | "open" }[];
  /** Input fields whose value is picked from a list the plugin reads live (e.g. a restore's backup). */
  optionFields?: string[];
}

interface InputChoice {
  value: string;
  label: string;
  badge?: { text: string; tone: "ok" | "warn" | "bad" };
  detail?: string;
  refused?: string;
}

interface InputChoices {
  choices: InputChoice[];
  note?: string;
  error?: string;
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
export function ChangeDiff({ before, after }: { before: unknown; after: unknown }) {
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
      {r.observedAt ? (
        <span className="muted">
          {" "}
          (<Time at={r.observedAt} seconds />)
        </span>
      ) : null}
    </li>
  );
}

/** A field whose value is picked from the plugin's live list: each choice with its badge; a refused one cannot be picked. */
function ChoiceList({ field, fid, choices, value, onPick }: { field: string; fid: string; choices: InputChoices | undefined; value: string; onPick: (v: string) => void }) {
  if (!choices) return <p className="muted">Reading the choices…</p>;
  return (
    <div className="choice-list" role="radiogroup" aria-labelledby={`${fid}-label`} data-testid={`choices-${field}`}>
      {choices.error ? <p className="form-error">{choices.error}</p> : null}
      {choices.note ? (
        <p className="notice choice-note" data-testid={`choices-${field}-note`}>
          {choices.note}
        </p>
      ) : null}
      {choices.choices.map((c) => (
        <label key={c.value} className={`choice${c.refused ? " choice-refused" : ""}${value === c.value ? " choice-picked" : ""}`} data-value={c.value} data-testid="choice">
          <input type="radio" name={fid} value={c.value} checked={value === c.value} disabled={!!c.refused} onChange={() => onPick(c.value)} />
          <span className="choice-text">
            <span className="choice-label">{c.label}</span>
            {c.badge ? <span className={`choice-badge choice-badge-${c.badge.tone}`}>{c.badge.text}</span> : null}
            {c.detail ? <span className="muted choice-detail">{c.detail}</span> : null}
            {c.refused ? <span className="choice-why">cannot be chosen: {c.refused}</span> : null}
          </span>
        </label>
      ))}
      {!choices.choices.length && !choices.error && !choices.note ? <p className="muted">Nothing to choose from.</p> : null}
    </div>
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
  // Untouched and empty, the server joins the run by its rules (runbook, plugin, target); a choice is sent as made.
  const [incidentTouched, setIncidentTouched] = useState(false);
  const [approvalReason, setApprovalReason] = useState("");
  const [choices, setChoices] = useState<Record<string, InputChoices>>({});
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
          const joinable = (d.incidents ?? []).filter((i) => i.via !== "open");
          setIncidentId(active || joinable[0]?.id || "");
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
      setApprovalReason("");
      setIncidentTouched(false);
    }
  }, [open]);

  const props = desc?.schema?.properties ?? {};
  const [currency, setCurrency] = useState<string | null>(attrs.currency ?? null);
  const input = useMemo(() => toInput(props, values, currency), [props, values, currency]);
  const inputJson = JSON.stringify(input);

  // Live choices for list fields (e.g. the backups of the chosen target), read again when the other fields change.
  const choiceFields = desc?.optionFields ?? [];
  const choiceContext = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(inputJson) as Record<string, unknown>).filter(([k]) => !choiceFields.includes(k))));
  useEffect(() => {
    if (!open || !desc || !choiceFields.length) return;
    let live = true;
    for (const field of choiceFields) {
      fetch(`/api/actions/${encodeURIComponent(desc.id)}/options?field=${encodeURIComponent(field)}&input=${encodeURIComponent(choiceContext)}`, { headers: { accept: "application/json" } })
        .then(async (res) => {
          const body = (await res.json()) as InputChoices;
          if (live) setChoices((c) => ({ ...c, [field]: res.ok ? body : { choices: [], error: body.error ?? `cannot list the choices (${res.status})` } }));
        })
        .catch(() => live && setChoices((c) => ({ ...c, [field]: { choices: [], error: "cannot reach the portal" } })));
    }
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open, desc, choiceContext]);

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
  // A request for a second admin says why: the approver reads it (the server refuses it without).
  const wantsApprovalReason = !!desc?.approval && !asking && !breakGlass;
  const approvalReasonOk = !wantsApprovalReason || approvalReason.trim().length >= 10;
  const askReasonOk = askReason.trim().length >= 10;
  // The dry run is for those who may run it; a request is checked on the server (schema, target).
  const canSubmit = asking ? askReasonOk && !submitting : !!desc && allowed && inputValid && confirmOk && reasonOk && approvalReasonOk && !submitting && !previewing;

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
          // The chosen incident, null when the operator cleared it; untouched and empty, the server's joining rules decide.
          ...(incidentId || incidentTouched ? { incidentId: incidentId || null } : {}),
          ...(wantsApprovalReason ? { reason: approvalReason.trim() } : {}),
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
  const risk = useActionRisk(slot.id, slot.risk ?? desc?.risk);
  const { access, needs } = accessFor(root?.user?.roles ?? [], risk);
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
        {access === "none" ? (
          // A viewer sees what exists and who may press it; no dialog that would answer 403.
          <button type="button" className="action-button action-button-restricted" title={`${slot.id}: needs the ${needs ?? "responder"} role`} data-testid="action-button" data-access="none" disabled>
            {label}
            <span className="action-needs"> · needs the {needs ?? "responder"} role</span>
          </button>
        ) : (
          <Dialog.Trigger asChild>
            <button type="button" className={`action-button${access === "ask" ? " action-button-restricted" : ""}`} title={slot.id} data-testid="action-button" data-access={access}>
              {label}
              {access === "ask" ? <span className="action-needs"> · Ask an admin…</span> : null}
            </button>
          </Dialog.Trigger>
        )}
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
                        <label htmlFor={fid} id={`${fid}-label`}>
                          {p.description ?? readableName(k)}
                          {money ? <span className="muted"> (in {currency ? currency.toUpperCase() : "major units"}, e.g. 12.50{desc.schema?.required?.includes(k) ? "" : "; empty = everything"})</span> : null}
                        </label>
                        {desc.optionFields?.includes(k) ? (
                          <ChoiceList field={k} fid={fid} choices={choices[k]} value={String(values[k] ?? "")} onPick={(v) => setField(k, v)} />
                        ) : t === "enum" ? (
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
                  <select
                    id={`${slot.key}-incident`}
                    value={incidentId}
                    onChange={(e) => {
                      setIncidentId(e.target.value);
                      setIncidentTouched(true);
                    }}
                    data-testid="action-incident"
                  >
                    <option value="">{(desc.incidents ?? []).length ? "— none —" : "— none (no open incident) —"}</option>
                    {incidentId && !(desc.incidents ?? []).some((i) => i.id === incidentId) ? <option value={incidentId}>the incident chosen on this page</option> : null}
                    {(desc.incidents ?? []).map((i) => (
                      <option key={i.id} value={i.id}>
                        {i.severity} · {i.title} (
                        {i.via === "runbook" ? "links this runbook" : i.via === "plugin" ? `links ${desc.id.split(".")[0]}` : i.via === "target" ? "works on this target" : i.status})
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
                {wantsApprovalReason ? (
                  <div className="field">
                    <label htmlFor={`${slot.key}-approval-reason`}>Why is this needed? (the approving admin reads it)</label>
                    <textarea
                      id={`${slot.key}-approval-reason`}
                      value={approvalReason}
                      onChange={(e) => setApprovalReason(e.target.value)}
                      rows={2}
                      maxLength={2000}
                      aria-invalid={(attempted || fieldErrors.reason) && !approvalReasonOk ? true : undefined}
                      data-testid="approval-reason"
                    />
                    {fieldErrors.reason || (attempted && !approvalReasonOk) ? <span className="field-error">{fieldErrors.reason?.[0] ?? "say why (at least 10 characters)"}</span> : null}
                  </div>
                ) : null}
                {desc.confirm && target && !asking ? (
                  <div className="field confirm-field">
                    <label htmlFor={`${slot.key}-confirm`}>Type the target to confirm</label>
                    <code className="confirm-target" data-testid="confirm-target">
                      {target}
                    </code>
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
