import { lazy, Suspense } from "react";
import { CHART_HEIGHT, CHART_WIDTH } from "./chart-widget";
import { useSlotReading } from "./provider";
import { StatusBadge } from "./status";
import { useWidgetJson } from "./use-json";
import type { WidgetSlot } from "~/lib/widgets";
import type { RunPoint } from "./run-history-view";

const RunHistoryView = lazy(() => import("./run-history-view"));

interface CronJobJson {
  job: string;
  title: string;
  schedule: string;
  human: string;
  timezone: string;
  stateLabel: string;
  summary: string;
  nextRunAt: number | null;
  band: { n: number; p5: number; p95: number } | null;
  pause: { pausedBy: string; reason: string; until: number | null } | null;
  runs: { startedAt: number | null; endedAt: number | null; durationMs: number | null; outcome: string; exitStatus: number | null; source: string }[];
}

/** The zone's short name (EST, CET…): en-US knows American names, en-GB European ones. */
function zoneName(at: number, timeZone?: string): string {
  const name = (locale: string) => new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: "short" }).formatToParts(new Date(at)).find((p) => p.type === "timeZoneName")?.value;
  const us = name("en-US");
  return us && !/^GMT[+-]/.test(us) ? us : (name("en-GB") ?? us ?? "");
}

function inZone(at: number, timeZone?: string): string {
  return `${new Intl.DateTimeFormat(undefined, { timeZone, dateStyle: "medium", timeStyle: "short", hour12: false }).format(new Date(at))} ${zoneName(at, timeZone)}`;
}

/**
 * `::chart{probe="cron.<job>" view="runs"}`: one bar per run (duration), failures marked, the
 * learned p5–p95 band, and the next expected run in the job's time zone and in the viewer's.
 */
export function RunHistoryChart({ slot }: { slot: WidgetSlot }) {
  const { reading, error } = useSlotReading(slot);
  const job = slot.id.replace(/^cron\./, "");
  const titleId = `widget-${slot.key}-title`;
  const { data, failed, mounted } = useWidgetJson<CronJobJson>(`/api/cron/${encodeURIComponent(job)}`, reading?.observedAt);

  const finished = (data?.runs ?? []).filter((r) => r.outcome !== "running").slice().reverse();
  const points: RunPoint[] = finished.map((r) => {
    const at = r.startedAt ?? r.endedAt ?? 0;
    return {
      at,
      seconds: r.durationMs === null ? null : Math.round(r.durationMs / 100) / 10,
      failed: r.outcome === "fail",
      label: `${inZone(at)} · ${r.outcome}${r.exitStatus !== null && r.exitStatus !== 0 ? ` (exit ${r.exitStatus})` : ""} · ${r.source}`,
    };
  });
  const failures = points.filter((p) => p.failed).length;
  const viewerZone = mounted ? Intl.DateTimeFormat().resolvedOptions().timeZone : null;
  return (
    <figure className="widget widget-chart widget-run-history" data-widget="chart" data-view="runs" data-id={slot.id} data-status={reading?.status ?? "pending"} aria-labelledby={titleId}>
      <header className="widget-head">
        <h3 id={titleId} className="widget-title">
          {slot.attrs.title || (data ? `${data.title}: run history` : reading?.title) || slot.id}
        </h3>
        <StatusBadge status={reading?.status ?? "unknown"} pending={!reading && !error} />
      </header>
      {data ? (
        <p className="widget-summary" data-testid="cron-schedule">
          <strong>{data.stateLabel}</strong> · {data.human} (<code>{data.schedule}</code>, {data.timezone})
          {data.nextRunAt !== null ? (
            <span data-testid="cron-next-run">
              {" "}
              · next run {inZone(data.nextRunAt, data.timezone)} ({data.timezone}){viewerZone ? <> · {inZone(data.nextRunAt)} your time ({viewerZone})</> : null}
            </span>
          ) : null}
          {data.pause ? <span> · paused by {data.pause.pausedBy}: {data.pause.reason}</span> : null}
        </p>
      ) : null}
      <div className="chart-box" style={{ width: CHART_WIDTH, maxWidth: "100%", height: CHART_HEIGHT }}>
        {error || failed ? (
          <p className="widget-error" role="alert">
            {error ?? failed}
          </p>
        ) : mounted && data ? (
          points.length ? (
            <Suspense fallback={<p className="muted">Loading chart…</p>}>
              <RunHistoryView points={points} band={data.band ? { p5: data.band.p5 / 1000, p95: data.band.p95 / 1000 } : null} width={CHART_WIDTH} height={CHART_HEIGHT} />
            </Suspense>
          ) : (
            <p className="muted">No finished runs yet.</p>
          )
        ) : (
          <p className="muted" aria-busy="true">
            Loading runs…
          </p>
        )}
      </div>
      <figcaption className="muted" data-testid="cron-run-caption">
        {data
          ? `${points.length} runs · ${failures} failed${data.band ? ` · usual duration ${(data.band.p5 / 1000).toFixed(1)}–${(data.band.p95 / 1000).toFixed(1)} s (p5–p95 of ${data.band.n})` : " · duration band learned after 10 runs"}`
          : null}
      </figcaption>
    </figure>
  );
}
