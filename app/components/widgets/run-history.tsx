import { MarkerList, TimeChart, type ChartMarker } from "~/components/charts/time-chart";
import { useTimePreference } from "~/components/time";
import { formatInstant } from "~/lib/time";
import { useBoxWidth } from "~/components/charts/use-box-width";
import { formatDurationTick } from "~/lib/chart-scale";
import { matchSchedule } from "~/lib/cron-runs";
import { CHART_HEIGHT, CHART_WIDTH } from "./chart-widget";
import { useSlotReading } from "./provider";
import { StatusBadge } from "./status";
import { useWidgetJson } from "./use-json";
import type { WidgetSlot } from "~/lib/widgets";

interface CronJobJson {
  job: string;
  title: string;
  schedule: string;
  human: string;
  timezone: string;
  stateLabel: string;
  summary: string;
  nextRunAt: number | null;
  graceMs?: number;
  scheduled?: number[];
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
 * `::chart{probe="cron.<job>" view="runs"}`: scheduled versus actual starts on a time axis — each
 * run a dot at how late it started after its scheduled time (failures in red), scheduled starts
 * along the zero line, and starts no run answered shaded as missed (a 6-hour stop is one red span);
 * with the learned duration band and the next expected run in the job's time zone and the viewer's.
 */
export function RunHistoryChart({ slot }: { slot: WidgetSlot }) {
  const { reading, error } = useSlotReading(slot);
  const job = slot.id.replace(/^cron\./, "");
  const titleId = `widget-${slot.key}-title`;
  const { data, failed, mounted } = useWidgetJson<CronJobJson>(`/api/cron/${encodeURIComponent(job)}`, reading?.observedAt);

  const { ref: boxRef, width } = useBoxWidth<HTMLDivElement>(CHART_WIDTH);
  const now = mounted ? Date.now() : 0;
  const starts = (data?.runs ?? []).filter((r) => r.startedAt !== null || r.endedAt !== null).map((r) => ({ at: (r.startedAt ?? r.endedAt)!, outcome: r.outcome, durationMs: r.durationMs, source: r.source }));
  const scheduled = data?.scheduled ?? [];
  const match = matchSchedule(scheduled, starts, data?.graceMs ?? 300_000, now);
  const from = Math.min(...(scheduled.length ? [scheduled[0]!] : []), ...starts.map((s) => s.at), now - 3_600_000);
  const late = (r: (typeof match.runs)[number]) => (r.delayMs ?? 0) / 1000;
  const points = match.runs;
  const failures = points.filter((p) => p.outcome === "fail").length;
  const unscheduled = points.filter((p) => p.scheduledAt === null).length;
  const missedCount = match.missed.reduce((n, m) => n + m.missed, 0);
  const markers: ChartMarker[] = match.missed.map((m) => ({ at: m.from, until: m.until, kind: "gap", label: `no run for ${formatDurationTick(m.until - m.from)} (${m.missed} scheduled start${m.missed === 1 ? "" : "s"} missed)` }));
  const series = [
    { name: "scheduled", color: "#9aa4b1", dotsOnly: true, points: scheduled.filter((t) => t <= now).map((t) => ({ at: t, value: 0 })) },
    { name: "started (ok)", color: "#1f5fbf", dotsOnly: true, points: points.filter((p) => p.scheduledAt !== null && p.outcome !== "fail").map((p) => ({ at: p.at, value: late(p) })) },
    { name: "started (failed)", color: "#c62828", dotsOnly: true, points: points.filter((p) => p.scheduledAt !== null && p.outcome === "fail").map((p) => ({ at: p.at, value: late(p) })) },
    { name: "outside the schedule", color: "#6f42c1", dotsOnly: true, points: points.filter((p) => p.scheduledAt === null).map((p) => ({ at: p.at, value: 0 })) },
  ];
  // The reader's own way of showing time, beside the job's zone when they differ.
  const pref = useTimePreference();
  const readerZone = pref.zone !== data?.timezone ? pref.zone : null;
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
              · next run {inZone(data.nextRunAt, data.timezone)} ({data.timezone}){readerZone ? <> · {formatInstant(data.nextRunAt, pref)} your time ({readerZone})</> : null}
            </span>
          ) : null}
          {data.pause ? <span> · paused by {data.pause.pausedBy}: {data.pause.reason}</span> : null}
        </p>
      ) : null}
      <div className="chart-box" ref={boxRef} style={{ width: "100%", maxWidth: CHART_WIDTH, minHeight: CHART_HEIGHT }}>
        {error || failed ? (
          <p className="widget-error" role="alert">
            {error ?? failed}
          </p>
        ) : mounted && data ? (
          points.length || scheduled.length ? (
            <>
              <TimeChart
                width={width}
                height={CHART_HEIGHT}
                from={from}
                to={now}
                series={series}
                unit="s"
                markers={markers}
                label={`${data.title}: scheduled versus actual starts, and how late each run started`}
                valueLabel={(v, step) => (v === 0 ? "on time" : `+${formatDurationTick(v * 1000, step * 1000)}`)}
              />
              <p className="chart-legend muted" data-testid="cron-legend">
                <span className="legend-dot" style={{ background: "#9aa4b1" }} /> scheduled start · <span className="legend-dot" style={{ background: "#1f5fbf" }} /> run started (height: how late) ·{" "}
                <span className="legend-dot" style={{ background: "#c62828" }} /> failed run ·{" "}
                {unscheduled ? (
                  <>
                    <span className="legend-dot" style={{ background: "#6f42c1" }} /> run outside the schedule ·{" "}
                  </>
                ) : null}
                <span className="legend-swatch" /> missed starts
              </p>
            </>
          ) : (
            <p className="muted">No runs and no scheduled starts yet.</p>
          )
        ) : (
          <p className="muted" aria-busy="true">
            Loading runs…
          </p>
        )}
      </div>
      <MarkerList markers={markers} limit={4} />
      <figcaption className="muted" data-testid="cron-run-caption">
        {data
          ? `${points.length} runs · ${failures} failed · ${missedCount} scheduled start${missedCount === 1 ? "" : "s"} missed${unscheduled ? ` · ${unscheduled} outside the schedule` : ""}${data.band ? ` · usual duration ${(data.band.p5 / 1000).toFixed(1)}–${(data.band.p95 / 1000).toFixed(1)} s (p5–p95 of ${data.band.n})` : " · duration band learned after 10 runs"}`
          : null}
      </figcaption>
    </figure>
  );
}
