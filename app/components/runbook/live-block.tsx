import { useEffect, useState } from "react";
import { Time } from "~/components/time";
import { createPortal } from "react-dom";
import { useRouteLoaderData } from "@remix-run/react";
import { ActionWidget } from "~/components/widgets/action-widget";
import { PromRangeChart } from "./prom-range-chart";
import { hasRole, requiredRoleFor, type Role } from "~/lib/roles";

/** A block or mention of the runbook the portal can read now (from /api/runbooks/live/<path>). */
interface LiveBlockInfo {
  id: number;
  kind: "sql" | "promql" | "mongo" | "health" | "firestore" | "stripe" | "redis" | "platform" | "env";
  /** Health checks: where the URL or host-less path is read (a service's address), when not the URL itself. */
  url?: string;
  /** Environment statements: the variable and the app-environment services that check it. */
  env?: { name: string; rules: string[] | "any"; services: string[] };
  query: string;
  /** redis-cli reads: the prefilled input and label; commands the portal refuses: why (no button). */
  input?: Record<string, string>;
  label?: string;
  refused?: string;
  at: "pre" | "li" | "code" | "a" | "text";
  action?: { id: string; input: Record<string, string>; label: string; risk: "low" | "high" | "critical" };
  /** The pipeline action the block's button files, with its risk (sql, mongo, promql). */
  runs?: { action: string; risk: "low" | "high" | "critical" };
}

interface Verdicts {
  blocks: LiveBlockInfo[];
  sql: { available: boolean; statementTimeoutMs?: number; maxRows?: number };
  promql: { available: boolean; reason?: string };
}

type RunState =
  | { state: "idle" }
  | { state: "running"; label: string }
  | { state: "done"; label: string; result: any; finishedAt: string | null }
  | { state: "failed"; label: string; error: string };

function newKey(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto ? `live-${crypto.randomUUID()}` : `live-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** Files the run through the one action pipeline, then follows it to its end. */
async function runAction(actionId: string, input: Record<string, unknown>): Promise<{ result: any; finishedAt: string | null }> {
  const res = await fetch(`/api/actions/${actionId}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ input, idempotencyKey: newKey() }),
  });
  const body = await res.json().catch(() => ({}));
  // A refusal always carries fieldErrors ({} when no field is to blame): named only when there are some.
  if (!res.ok || !body.runId) throw new Error(Object.keys(body.fieldErrors ?? {}).length ? `${body.error}: ${Object.values(body.fieldErrors).flat().join("; ")}` : body.error ?? `HTTP ${res.status}`);
  for (let i = 0; i < 240; i++) {
    const r = await fetch(`/api/runs/${encodeURIComponent(body.runId)}`);
    const run = await r.json().catch(() => ({}));
    if (run.status === "succeeded") return { result: run.result, finishedAt: run.finishedAt ?? run.finished_at ?? null };
    if (run.status && !["pending", "started", "running", "awaiting_approval"].includes(run.status)) throw new Error(run.error ?? `the run ended ${run.status}`);
    await new Promise((done) => setTimeout(done, i < 10 ? 150 : 500));
  }
  throw new Error("no answer in time; see the run page");
}

function fmt(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function SqlTable({ result }: { result: any }) {
  const fields: string[] = result?.data?.fields ?? Object.keys(result?.rows?.[0] ?? {});
  const rows: Record<string, unknown>[] = result?.rows ?? [];
  if (!rows.length) return <p className="live-empty">No rows.</p>;
  return (
    <div className="live-table-wrap">
      <table className="live-table">
        <thead>
          <tr>{fields.map((f) => <th key={f}>{f}</th>)}</tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>{fields.map((f) => <td key={f}>{fmt(r[f])}</td>)}</tr>
          ))}
        </tbody>
      </table>
      {result?.data?.truncated ? <p className="live-note">Only the first {rows.length} rows were read (the row cap).</p> : null}
    </div>
  );
}

/**
 * deploys.logs: one line per entry, its time, level and stream above the text (a table squeezed each
 * column on a phone: "in fo", "stre am"); the text keeps the card's width and wraps where it must.
 */
function LogLines({ rows }: { rows: { at?: string; level?: string; stream?: string; line?: string }[] }) {
  return (
    <ol className="live-log">
      {rows.map((r, i) => {
        const level = /^(error|fatal|critical)$/i.test(r.level ?? "") ? "error" : /^warn/i.test(r.level ?? "") ? "warn" : "info";
        return (
          <li key={i} className={`live-log-${level}`}>
            <span className="live-log-meta">{[r.at ? `${r.at} UTC` : "", r.level, r.stream].filter(Boolean).join(" · ")}</span>
            <code>{r.line}</code>
          </li>
        );
      })}
    </ol>
  );
}

function labelsText(labels: Record<string, string> | undefined): string {
  const e = Object.entries(labels ?? {});
  return e.length ? `{${e.map(([k, v]) => `${k}="${v}"`).join(", ")}}` : "";
}

function PromValue({ result }: { result: any }) {
  const rows: { labels: Record<string, string>; value: number | null; raw: string | null }[] = result?.rows ?? [];
  if (!rows.length) return <p className="live-empty">No series: the query returns an empty result now.</p>;
  const cond = result?.data?.condition;
  return (
    <ul className="live-values">
      {cond ? <li className="live-note">Condition {cond.op} {cond.threshold} is not met now; the left side reads:</li> : null}
      {rows.slice(0, 50).map((r, i) => (
        <li key={i}>
          <strong className="live-value">{r.value === null ? fmt(r.raw) : Number(r.value.toPrecision(6)).toString()}</strong> <code>{labelsText(r.labels)}</code>
        </li>
      ))}
    </ul>
  );
}

function DocumentFields({ data }: { data: any }) {
  if (!data.exists) return <p className="live-empty">No such document: {data.path} does not exist now.</p>;
  const fields: { name: string; value: string }[] = data.fields ?? [];
  if (!fields.length) return <p className="live-empty">The document exists and has no fields.</p>;
  return (
    <div className="live-table-wrap">
      <table className="live-table live-fields">
        <thead>
          <tr>
            <th>field</th>
            <th>value</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((f) => (
            <tr key={f.name}>
              <td>
                <code>{f.name}</code>
              </td>
              <td>{f.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data.truncated ? <p className="live-note">Only the first {fields.length} fields are shown.</p> : null}
    </div>
  );
}

/** The app-environment check's verdicts on one statement, per service; never a value. */
function EnvVerdicts({ data }: { data: any }) {
  const services: { service: string; title: string; error: string | null; settingsUrl: string | null; verdicts: { rule: string; verdict: string; detail: string }[] }[] = data.services ?? [];
  return (
    <ul className="live-env" data-testid="live-env">
      {services.map((s) => (
        <li key={s.service}>
          <strong>{s.title}</strong>
          {s.error ? (
            <span className="live-error"> · could not read the variables: {s.error}</span>
          ) : (
            <ul>
              {s.verdicts.map((v) => (
                <li key={v.rule} className={`live-verdict live-${v.verdict}`}>
                  <strong>{v.verdict}</strong> · {v.detail}
                </li>
              ))}
            </ul>
          )}
          {s.settingsUrl ? (
            <>
              {" "}
              <a href={s.settingsUrl} rel="noreferrer" target="_blank">
                settings
              </a>
            </>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** A Stripe id: the guarded action dialog, prefilled with the id. Opening it runs nothing. */
function StripeMention({ block }: { block: LiveBlockInfo }) {
  const a = block.action!;
  return (
    <div className={`live-block live-${block.kind}`} data-live-block={block.id} data-stripe-id={block.kind === "stripe" ? block.query : undefined}>
      <ActionWidget slot={{ kind: "action", id: a.id, attrs: { ...a.input, label: a.label }, line: 0, key: `mention-${block.id}`, risk: a.risk }} />
    </div>
  );
}

/** "Check now" on an allow-listed health URL (or "Show fields" on a document path): the server reads the URL or path from the runbook by id. */
async function checkNow(runbookPath: string, id: number) {
  const res = await fetch(`/api/runbooks/live/${runbookPath.split("/").map(encodeURIComponent).join("/")}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ id }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return { result: { data: { kind: "path" in body ? "document" : body.kind === "env" ? "env" : "health", ...body } }, finishedAt: body.readAt as string };
}

export function LiveBlock({ block, runbookPath }: { block: LiveBlockInfo; runbookPath: string }) {
  if (block.kind === "stripe") return block.action ? <StripeMention block={block} /> : null;
  if (block.kind === "redis" && block.refused) {
    return (
      <div className="live-block live-redis live-refused" data-live-block={block.id}>
        <p className="live-note" data-testid="live-refused">
          No button for <code>{block.query}</code>: {block.refused}
        </p>
      </div>
    );
  }
  // A redis-cli DEL or KEYS … | xargs DEL: the guarded action dialog, prefilled (its preview shows what would go).
  if (block.kind === "redis" && block.action) return <StripeMention block={block} />;
  // A deploy-platform command or dashboard step (vercel --prod, Click "Redeploy", gcloud firestore export): the guarded dialog, prefilled.
  if (block.kind === "platform" && block.action) return <StripeMention block={block} />;
  return <ReadableBlock block={block} runbookPath={runbookPath} />;
}

function ReadableBlock({ block, runbookPath }: { block: LiveBlockInfo; runbookPath: string }) {
  const [run, setRun] = useState<RunState>({ state: "idle" });
  const go = (label: string, actionId: string, input: Record<string, unknown>) => {
    setRun({ state: "running", label });
    (actionId === "health" ? checkNow(runbookPath, block.id) : runAction(actionId, input)).then(
      ({ result, finishedAt }) => setRun({ state: "done", label, result, finishedAt }),
      (err) => setRun({ state: "failed", label, error: err instanceof Error ? err.message : String(err) }),
    );
  };
  const root = useRouteLoaderData("root") as { user?: { roles: string[] } | null } | undefined;
  const roles = root?.user?.roles ?? [];
  // A button the signed-in person may not press is shown disabled with the role it needs, never enabled to answer 403.
  const needs: Role | null = block.runs ? requiredRoleFor(block.runs.risk) : null;
  const refused = !!needs && !hasRole(roles, needs);
  const busy = run.state === "running" || refused;
  const why = refused ? `Only ${needs}s can run this (${block.runs!.action}); you are signed in as ${roles.join(", ") || "no role"}.` : undefined;
  return (
    <div className={`live-block live-${block.kind}`} data-live-block={block.id} data-needs-role={refused ? needs! : undefined}>
      <div className="live-buttons" title={why}>
        {block.kind === "health" ? (
          <button type="button" disabled={busy} onClick={() => go("Check now", "health", {})} title={block.url ? `Read at ${block.url}` : undefined}>
            Check now{block.query.startsWith("/") ? ` ${block.query}` : ""}
          </button>
        ) : block.kind === "env" ? (
          <button type="button" disabled={busy} onClick={() => go("Check environment", "health", {})}>
            Check {block.env?.name} ({block.env?.services.join(", ")})
          </button>
        ) : block.kind === "firestore" ? (
          run.state === "done" ? (
            <button type="button" aria-expanded="true" onClick={() => setRun({ state: "idle" })}>
              Hide fields of {block.query}
            </button>
          ) : (
            <button type="button" aria-expanded="false" disabled={busy} onClick={() => go("Show fields", "health", {})}>
              Show fields of {block.query}
            </button>
          )
        ) : block.kind === "redis" ? (
          <button type="button" disabled={busy} onClick={() => go(block.label ?? "Run", "redis.read", block.input ?? {})}>
            Run {block.label}
          </button>
        ) : block.kind === "platform" ? (
          <button type="button" disabled={busy} onClick={() => go(block.label ?? "Show logs", "deploys.logs", block.input ?? {})}>
            {block.label}
          </button>
        ) : block.kind === "mongo" ? (
          <button type="button" disabled={busy} onClick={() => go("Run read-only", "mongodb.query", { query: block.query })}>
            Run read-only
          </button>
        ) : block.kind === "sql" ? (
          <button type="button" disabled={busy} onClick={() => go("Run read-only", "supabase.query", { sql: block.query })}>
            Run read-only
          </button>
        ) : (
          <>
            {/* A selector named in a sentence: the button says which part of it is read. */}
            <button type="button" disabled={busy} onClick={() => go("Show value", "prometheus.query", { promql: block.query })}>
              Show value{block.label ? ` of ${block.label}` : ""}
            </button>
            <button type="button" disabled={busy} onClick={() => go("Chart 24h", "prometheus.query", { promql: block.query, range: "24h" })}>
              Chart 24h
            </button>
          </>
        )}
        {run.state === "running" ? <span className="live-status">Running…</span> : null}
        {refused ? (
          <span className="live-needs" data-testid="live-needs-role">
            {needs}s only{hasRole(roles, "responder") && needs === "admin" ? " — ask an admin" : needs === "responder" ? " — ask a responder to run it" : ""}
          </span>
        ) : null}
      </div>
      {run.state === "failed" ? (
        <p className="live-error" role="alert">
          {run.error}
        </p>
      ) : null}
      {run.state === "done" ? (
        <div className="live-result" aria-live="polite">
          {run.result?.data?.kind === "document" ? (
            <DocumentFields data={run.result.data} />
          ) : run.result?.data?.kind === "env" ? (
            <EnvVerdicts data={run.result.data} />
          ) : run.result?.data?.kind === "health" ? (
            <p className={`live-health live-${run.result.data.status}`}>
              <strong>{run.result.data.status}</strong> · {run.result.data.summary}
            </p>
          ) : run.result?.data?.kind === "deploy-logs" ? (
            <>
              <p className="live-redis-summary">{run.result.summary}</p>
              {run.result.rows?.length ? <LogLines rows={run.result.rows} /> : null}
            </>
          ) : run.result?.data?.kind === "redis" ? (
            <>
              <p className="live-redis-summary">{run.result.summary}</p>
              {run.result.rows?.length ? <SqlTable result={run.result} /> : null}
            </>
          ) : run.result?.data?.kind === "sql" || run.result?.data?.kind === "mongo" ? <SqlTable result={run.result} /> : run.result?.data?.kind === "promql-range" ? <PromRangeChart data={run.result.data} promql={block.query} onRange={(range) => go(`Chart ${range}`, "prometheus.query", { promql: block.query, range })} /> : <PromValue result={run.result} />}
          <p className="live-note">
            Read at <Time at={run.result?.data?.readAt ?? run.finishedAt ?? Date.now()} seconds />
            {run.result?.data?.kind === "sql" ? ` · ${run.result.data.rowCount} row(s) · ${run.result.data.durationMs} ms · read-only transaction` : ""}
            {run.result?.data?.kind === "mongo" ? ` · ${run.result.data.method === "countDocuments" || run.result.data.method === "estimatedDocumentCount" ? `${run.result.data.count} document(s) match` : `${run.result.data.rowCount} row(s)${run.result.data.truncated ? " (capped)" : ""}`} · ${run.result.data.durationMs} ms · read-only, maxTimeMS ${run.result.data.maxTimeMS}` : ""}
          </p>
        </div>
      ) : null}
    </div>
  );
}

/**
 * Mounts a LiveBlock beside each element the renderer marked `data-live-id` that the portal can run
 * now. The body's HTML stays as rendered; the blocks live in hosts inserted after the element
 * (after a fence, inside a list item, after the paragraph holding inline code).
 */
export function LiveBlocks({ runbookPath }: { runbookPath: string }) {
  const [mounts, setMounts] = useState<{ host: HTMLElement; block: LiveBlockInfo }[]>([]);
  useEffect(() => {
    let cancelled = false;
    const hosts: HTMLElement[] = [];
    fetch(`/api/runbooks/live/${runbookPath.split("/").map(encodeURIComponent).join("/")}`)
      .then((r) => (r.ok ? r.json() : null))
      .then((v: Verdicts | null) => {
        if (cancelled || !v) return;
        const body = document.querySelector(".runbook-body");
        if (!body) return;
        const next: { host: HTMLElement; block: LiveBlockInfo }[] = [];
        const lastHost = new Map<Element, HTMLElement>();
        for (const block of v.blocks) {
          const el = body.querySelector<HTMLElement>(`[data-live-id~="${block.id}"]`);
          if (!el) continue;
          const host = document.createElement("div");
          host.className = "live-host";
          if (block.at === "li") el.appendChild(host);
          else if (block.at === "a") (el.closest("p, li, td") ?? el).insertAdjacentElement(el.closest("li") ? "beforeend" : "afterend", host);
          else if (block.at === "code" || block.at === "text") {
            // Beside the paragraph; inside a list item or table cell (a block after a cell would break the row).
            // Several mentions in one paragraph keep their order: each goes after the previous one's host.
            const around = el.closest("p, li, td") ?? el;
            const previous = lastHost.get(around);
            if (previous) previous.insertAdjacentElement("afterend", host);
            else around.insertAdjacentElement(el.closest("li") || around.tagName === "TD" ? "beforeend" : "afterend", host);
            lastHost.set(around, host);
          }
          else {
            // Several redis-cli lines in one fence keep their order below it.
            const around = el.closest(".code-block") ?? el;
            const previous = lastHost.get(around);
            (previous ?? around).insertAdjacentElement("afterend", host);
            lastHost.set(around, host);
          }
          hosts.push(host);
          next.push({ host, block });
        }
        setMounts(next);
      })
      .catch(() => {});
    return () => {
      cancelled = true;
      for (const h of hosts) h.remove();
      setMounts([]);
    };
  }, [runbookPath]);
  return <>{mounts.map((m) => createPortal(<LiveBlock block={m.block} runbookPath={runbookPath} />, m.host, `live-${m.block.id}`))}</>;
}
