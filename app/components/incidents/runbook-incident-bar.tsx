import { useRouteLoaderData } from "@remix-run/react";
import { useCallback, useEffect, useRef, useState } from "react";
import { useFormatTime } from "~/components/time";
import { canRespond, SEVERITIES, SEVERITY_INFO } from "~/lib/incidents";
import { setActiveIncidentId } from "./active-incident";

interface OpenIncident {
  id: string;
  title: string;
  severity: string;
  status: string;
  runbooks: string[];
  plugins: string[];
}

/** Why an open incident is offered here: it links this runbook, one of its plugins, or neither. */
type Via = "runbook" | "plugin" | "open";

/** Every open incident, those linking this runbook first, then those linking one of its plugins (as the action dialog orders them). */
function offered(incidents: OpenIncident[], runbookPath: string, plugins: string[]): (OpenIncident & { via: Via })[] {
  const rank: Record<Via, number> = { runbook: 0, plugin: 1, open: 2 };
  return incidents
    .map((i) => ({ ...i, via: (i.runbooks.includes(runbookPath) ? "runbook" : i.plugins.some((p) => plugins.includes(p)) ? "plugin" : "open") as Via }))
    .sort((a, b) => rank[a.via] - rank[b.via]);
}

const storageKey = (runbookPath: string) => `opsdeck.incident.${runbookPath}`;
/** Ticks made before any incident is chosen: kept on this device, per user and runbook, until declared. */
const pendingKey = (user: string, runbookPath: string) => `opsdeck.ticks.${user}.${runbookPath}`;

type Pending = Record<string, { checked: boolean; text: string }>;

function readPending(key: string): Pending {
  try {
    const v = JSON.parse(window.localStorage.getItem(key) ?? "{}");
    return v && typeof v === "object" ? (v as Pending) : {};
  } catch {
    return {};
  }
}

/** How often the page asks for the incident's ticks: others' ticks show within this. */
export const TICK_POLL_MS = 3000;

interface SharedTick {
  task: number;
  checked: boolean;
  by?: string;
  at?: number;
}

type TickTime = (at: number) => string;

/**
 * Puts ticks on the page's task boxes (the page renders them unticked, as written), each with who
 * ticked it and when (in the reader's zone, named) when it came from the incident.
 */
function applyTicks(ticks: SharedTick[], tickTime: TickTime): void {
  const byTask = new Map(ticks.map((t) => [t.task, t]));
  document.querySelectorAll<HTMLInputElement>(".runbook-body input[data-task]").forEach((box) => {
    const t = byTask.get(Number(box.dataset.task));
    box.checked = t ? t.checked : box.defaultChecked;
    let note = box.parentElement?.querySelector<HTMLElement>(`.tick-by[data-tick-for="${box.dataset.task}"]`) ?? null;
    if (!t?.by || t.at === undefined) {
      note?.remove();
      return;
    }
    if (!note) {
      note = document.createElement("span");
      note.className = "tick-by";
      note.dataset.tickFor = String(box.dataset.task);
      note.setAttribute("data-testid", "tick-by");
      box.parentElement?.appendChild(note);
    }
    const text = `${t.checked ? "ticked" : "unticked"} by ${t.by} at ${tickTime(t.at)}`;
    if (note.textContent !== text) note.textContent = text;
  });
}

async function postJson(url: string, body: unknown): Promise<{ ok: boolean; status: number; data: any }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    credentials: "same-origin",
    body: JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  return { ok: res.ok, status: res.status, data };
}

function errorText(data: any, fallback: string): string {
  if (data?.fieldErrors && Object.keys(data.fieldErrors).length) return Object.entries(data.fieldErrors as Record<string, string[]>).map(([k, v]) => `${k}: ${v.join(", ")}`).join("; ");
  return typeof data?.error === "string" ? data.error : fallback;
}

/**
 * Shown at the top of a runbook page: declare an incident pre-linked to this runbook (and its
 * plugins), or pick an open incident that links it. Ticks of the page's task lists are recorded
 * on the chosen incident's timeline.
 */
export function RunbookIncidentBar({ runbookPath, plugins }: { runbookPath: string; plugins: string[] }) {
  const root = useRouteLoaderData<{ user: { username: string; roles: string[] } | null }>("root");
  const username = root?.user?.username ?? "";
  const mayWrite = canRespond(root?.user?.roles ?? []);
  const [incidents, setIncidents] = useState<(OpenIncident & { via: Via })[] | null>(null);
  const formatTime = useFormatTime();
  const tickTime: TickTime = (at) => formatTime(at, { date: false });
  const tickTimeRef = useRef(tickTime);
  tickTimeRef.current = tickTime;
  const [selected, setSelected] = useState<string>("");
  const [declaring, setDeclaring] = useState(false);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const selectedRef = useRef(selected);
  selectedRef.current = selected;

  const load = useCallback(async () => {
    const res = await fetch(`/api/incidents?state=open`, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!res.ok) return setIncidents([]);
    const all = offered(((await res.json()) as { incidents: OpenIncident[] }).incidents, runbookPath, plugins);
    setIncidents(all);
    // Chosen by itself only when one open incident links this runbook; any other is the reader's choice.
    const linking = all.filter((i) => i.via === "runbook");
    const remembered = window.localStorage.getItem(storageKey(runbookPath)) ?? "";
    const pick = all.find((i) => i.id === remembered)?.id ?? (linking.length === 1 ? linking[0].id : "");
    setSelected((current) => (current && all.some((i) => i.id === current) ? current : pick));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the runbook's plugins come with its path
  }, [runbookPath]);

  useEffect(() => {
    load().catch(() => setIncidents([]));
  }, [load]);

  useEffect(() => {
    if (selected) window.localStorage.setItem(storageKey(runbookPath), selected);
    setActiveIncidentId(selected);
    return () => setActiveIncidentId(undefined);
  }, [selected, runbookPath]);

  // The ticks shown are everyone's on the chosen incident (from its timeline, asked again every
  // few seconds so a colleague's tick shows up live), else this user's kept on this device until
  // an incident is declared.
  const [shared, setShared] = useState<{ ticked: number; latest: SharedTick | null } | null>(null);
  const refreshTicks = useRef<() => void>(() => undefined);
  useEffect(() => {
    if (incidents === null || !username) return;
    let live = true;
    setShared(null);
    if (!selected) {
      applyTicks(Object.entries(readPending(pendingKey(username, runbookPath))).map(([task, t]) => ({ task: Number(task), checked: t.checked })), tickTimeRef.current);
      return;
    }
    let seen = -1;
    const poll = () =>
      fetch(`/api/incidents/${encodeURIComponent(selected)}/ticks?runbook=${encodeURIComponent(runbookPath)}`, { headers: { Accept: "application/json" } })
        .then((res) => (res.ok ? res.json() : null))
        .then((data: { ticks: (SharedTick & { by: string; at: number })[]; latestAt: number } | null) => {
          if (!live || !data || data.latestAt === seen) return;
          seen = data.latestAt;
          applyTicks(data.ticks, tickTimeRef.current);
          const latest = data.ticks.reduce<SharedTick | null>((a, t) => (!a || (t.at ?? 0) > (a.at ?? 0) ? t : a), null);
          setShared({ ticked: data.ticks.filter((t) => t.checked).length, latest });
        })
        .catch(() => undefined);
    refreshTicks.current = () => void poll();
    void poll();
    const timer = setInterval(() => {
      if (document.visibilityState !== "hidden") void poll();
    }, TICK_POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
      refreshTicks.current = () => undefined;
    };
  }, [selected, incidents, runbookPath, username]);

  // Task-list ticks anywhere in the runbook text land on the chosen incident's timeline.
  useEffect(() => {
    if (!mayWrite) return;
    const onChange = async (event: Event) => {
      const input = event.target as HTMLInputElement | null;
      if (!input || input.type !== "checkbox" || !input.matches("[data-task]") || !input.closest(".runbook-body")) return;
      const incidentId = selectedRef.current;
      const text = input.dataset.taskText || input.closest("li")?.textContent?.trim() || `task ${input.dataset.task}`;
      if (!incidentId) {
        const key = pendingKey(username, runbookPath);
        const pending = readPending(key);
        pending[String(input.dataset.task)] = { checked: input.checked, text };
        window.localStorage.setItem(key, JSON.stringify(pending));
        setMessage({ kind: "ok", text: `${input.checked ? "Ticked" : "Unticked"} “${text}” — kept here and recorded on the incident when you declare one.` });
        return;
      }
      const res = await postJson(`/api/incidents/${encodeURIComponent(incidentId)}/events`, {
        type: "checklist",
        text,
        checked: input.checked,
        task: Number(input.dataset.task),
        runbook: runbookPath,
      }).catch(() => ({ ok: false, status: 0, data: null }));
      setMessage(res.ok ? { kind: "ok", text: `${input.checked ? "Ticked" : "Unticked"} “${text}” on the incident timeline.` } : { kind: "error", text: `Tick not recorded: ${errorText(res.data, "network error")}` });
      refreshTicks.current();
    };
    document.addEventListener("change", onChange);
    return () => document.removeEventListener("change", onChange);
  }, [mayWrite, runbookPath, username]);

  const declare = async (form: HTMLFormElement) => {
    const fd = new FormData(form);
    setBusy(true);
    const res = await postJson("/api/incidents", { title: fd.get("title"), severity: fd.get("severity"), runbook: runbookPath, plugins }).catch(() => ({ ok: false, status: 0, data: null }));
    setBusy(false);
    if (!res.ok) return setMessage({ kind: "error", text: `Not declared: ${errorText(res.data, "network error")}` });
    // Ticks made before the declaration become the incident's first checklist entries.
    const key = pendingKey(username, runbookPath);
    const pending = Object.entries(readPending(key)).sort(([a], [b]) => Number(a) - Number(b));
    let carried = 0;
    for (const [task, t] of pending) {
      const r = await postJson(`/api/incidents/${encodeURIComponent(res.data.id)}/events`, { type: "checklist", text: t.text, checked: t.checked, task: Number(task), runbook: runbookPath }).catch(() => ({ ok: false }));
      if (r.ok) carried++;
    }
    if (carried === pending.length) window.localStorage.removeItem(key);
    setDeclaring(false);
    setSelected(res.data.id);
    setMessage({
      kind: carried === pending.length ? "ok" : "error",
      text: `Incident declared and linked to this runbook.${pending.length ? ` ${carried} of ${pending.length} earlier tick(s) recorded on it.` : ""} Checklist ticks are recorded on it.`,
    });
    await load();
  };

  const current = incidents?.find((i) => i.id === selected);
  return (
    <section className="incident-bar no-print" aria-label="Incident" data-testid="incident-bar">
      <div className="incident-bar-row">
        <strong>Incident</strong>
        {incidents === null ? (
          <span className="muted">loading…</span>
        ) : incidents.length ? (
          <label className="inline-label">
            <span className="sr-only">Record on incident</span>
            <select value={selected} onChange={(e) => setSelected(e.target.value)} aria-label="Record on incident">
              <option value="">— none —</option>
              {incidents.map((i) => (
                <option key={i.id} value={i.id} data-via={i.via}>
                  {i.severity} · {i.title} ({i.via === "runbook" ? "links this runbook" : i.via === "plugin" ? `links ${i.plugins.filter((p) => plugins.includes(p)).join(", ")}` : i.status})
                </option>
              ))}
            </select>
          </label>
        ) : (
          <span className="muted">No open incident.</span>
        )}
        {current ? <a href={`/incidents/${current.id}`}>Open incident</a> : null}
        {current && shared ? (
          <span className="muted" data-testid="shared-ticks" aria-live="polite">
            Checklist shared with everyone on this incident: {shared.ticked} ticked
            {shared.latest?.by && shared.latest.at ? ` · last by ${shared.latest.by} at ${tickTime(shared.latest.at)}` : ""}
          </span>
        ) : null}
        {mayWrite && !declaring ? (
          <button type="button" className="secondary" onClick={() => setDeclaring(true)}>
            Declare incident
          </button>
        ) : null}
      </div>
      {declaring ? (
        <form
          className="incident-bar-declare"
          onSubmit={(e) => {
            e.preventDefault();
            void declare(e.currentTarget);
          }}
        >
          <label>
            Title
            <input name="title" required minLength={3} maxLength={300} autoFocus />
          </label>
          <label>
            Severity
            <select name="severity" defaultValue="P2">
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {s} · {SEVERITY_INFO[s].label} (response {SEVERITY_INFO[s].response.toLowerCase()})
                </option>
              ))}
            </select>
          </label>
          <span className="hint">Links {runbookPath}{plugins.length ? ` and ${plugins.join(", ")}` : ""}.</span>
          <button type="submit" disabled={busy}>
            Declare
          </button>
          <button type="button" className="secondary" onClick={() => setDeclaring(false)}>
            Cancel
          </button>
        </form>
      ) : null}
      {message ? (
        <p className={message.kind === "ok" ? "hint" : "form-error"} role="status">
          {message.text}
        </p>
      ) : null}
    </section>
  );
}
