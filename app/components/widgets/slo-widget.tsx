import { useSlotReading } from "./provider";
import { WidgetHead, WidgetNotReady } from "./status";
import { useWidgetJson } from "./use-json";
import type { SloWidgetJson } from "~/lib/slo";
import type { WidgetSlot } from "~/lib/widgets";

const W = 640;
const H = 140;
const WINDOWS = ["5m", "30m", "1h", "6h", "3d"] as const;

const burnText = (v: number | null) => (v === null ? "no events" : `${v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2)}×`);

/** How far back the chart's first point lies: "30d", "3d", "20h" (a source that holds less than the window starts later). */
const spanText = (ms: number) => (ms >= 2 * 86_400_000 ? `${Math.round(ms / 86_400_000)}d` : `${Math.max(1, Math.round(ms / 3_600_000))}h`);

/**
 * The budget left over the window as a line from 100 % down, deploys as marks. The plot stretches to
 * the card's width at a fixed height; its labels are text beside it, so they stay readable on a phone
 * (text inside a scaled-down SVG shrank to a few pixels at 390 px).
 */
function BudgetChart({ data }: { data: SloWidgetJson }) {
  const points = data.budget.filter((p) => p.remainingPct !== null) as { at: number; remainingPct: number }[];
  if (!points.length) return <p className="muted">{data.chartError ?? "No events in the window yet: nothing to draw."}</p>;
  const from = data.budget[0]!.at;
  const to = Math.max(data.at, data.budget.at(-1)!.at);
  const lo = Math.min(0, ...points.map((p) => p.remainingPct));
  const x = (t: number) => ((t - from) / Math.max(1, to - from)) * (W - 20) + 10;
  const y = (v: number) => 10 + ((100 - v) / (100 - lo || 1)) * (H - 20);
  const line = points.map((p) => `${x(p.at).toFixed(1)},${y(p.remainingPct).toFixed(1)}`).join(" ");
  const label = (v: number, text: string) => (
    <span className="muted" style={{ position: "absolute", left: 0, top: `${(y(v) / H) * 100}%`, transform: "translateY(-50%)", fontSize: 12, lineHeight: 1 }}>
      {text}
    </span>
  );
  return (
    <figure className="slo-chart-box" style={{ margin: "8px 0 0" }}>
      <div style={{ position: "relative", paddingLeft: 40, height: H }}>
        {label(100, "100%")}
        {label(0, "0%")}
        <svg className="slo-chart" viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" width="100%" height={H} style={{ display: "block" }} role="img" aria-label={`Error budget left over the last ${data.window}`}>
          <line x1={10} x2={W - 10} y1={y(0)} y2={y(0)} className="slo-zero" stroke="currentColor" strokeOpacity={0.3} vectorEffect="non-scaling-stroke" />
          {data.deploys
            .filter((d) => d.at >= from && d.at <= to)
            .map((d) => (
              <g key={`${d.at}-${d.label}`} className="slo-deploy" data-testid="slo-deploy">
                <line x1={x(d.at)} x2={x(d.at)} y1={4} y2={H - 4} stroke="#8250df" strokeDasharray="3 3" vectorEffect="non-scaling-stroke" />
                <title>{`Deploy ${new Date(d.at).toISOString().slice(0, 16).replace("T", " ")}: ${d.label}`}</title>
              </g>
            ))}
          <polyline points={line} fill="none" stroke="#0969da" strokeWidth={2} vectorEffect="non-scaling-stroke" />
        </svg>
      </div>
      <figcaption className="muted" style={{ display: "flex", justifyContent: "space-between", paddingLeft: 40, fontSize: 12 }}>
        <span>{`−${spanText(to - from)}`}</span>
        <span>now</span>
      </figcaption>
      {data.deploysNote ? <p className="muted" style={{ fontSize: 12, margin: "2px 0 0" }} data-testid="slo-deploys-note">{data.deploysNote}</p> : null}
    </figure>
  );
}

/** `::slo{id="…"}`: objective, budget left with a bar, burn rates in a sentence, the budget over the window with deploys. */
export function SloWidget({ slot }: { slot: WidgetSlot }) {
  const { reading, error } = useSlotReading(slot);
  const name = slot.id.slice(slot.id.indexOf(".") + 1);
  const { data, failed } = useWidgetJson<SloWidgetJson>(`/api/slo/${encodeURIComponent(name)}`, reading?.observedAt);
  const titleId = `widget-${slot.key}-title`;
  const status = reading?.status ?? "unknown";
  const left = data?.remainingPct ?? null;
  return (
    <section className={`widget widget-slo status-card is-${reading ? status : "pending"}`} data-widget="slo" data-id={slot.id} data-status={reading ? status : "pending"} aria-labelledby={titleId}>
      <WidgetHead titleId={titleId} title={slot.attrs.title || data?.title || reading?.title || slot.id} status={status} pending={!reading && !error} />
      {!data ? (
        failed ? <p className="widget-error" role="alert">{failed}</p> : <WidgetNotReady error={error} probeId={slot.id} />
      ) : (
        <>
          <p className="slo-objective">
            Objective <strong>{data.objective} %</strong> over {data.window}
            {data.owner ? <span className="muted"> · owner {data.owner}</span> : null}
          </p>
          <p className="slo-budget" data-testid="slo-budget">
            Budget left: <strong>{left === null ? "no events yet" : `${left.toFixed(1)} %`}</strong>
            <span className="muted"> of {Math.round(data.windowEvents).toLocaleString("en")} events</span>
          </p>
          <meter className="slo-bar" min={0} max={100} low={25} high={50} optimum={100} value={Math.max(0, Math.min(100, left ?? 0))} aria-label="Error budget left" />
          <p className="slo-sentence" data-testid="slo-sentence">{data.sentence}</p>
          <table className="slo-burns">
            <caption className="muted">Burn rate (1× spends the budget exactly over the window)</caption>
            <thead>
              <tr>{WINDOWS.map((w) => <th key={w} scope="col">{w}</th>)}</tr>
            </thead>
            <tbody>
              <tr>{WINDOWS.map((w) => <td key={w} data-window={w}>{burnText(data.burn[w])}</td>)}</tr>
            </tbody>
          </table>
          <ul className="slo-conditions">
            {data.conditions.map((c) => (
              <li key={c.rule} data-kind={c.kind} data-firing={c.firing ? "yes" : "no"}>
                {c.firing ? "⚠ " : ""}
                {c.kind}: {c.rule} — {c.firing ? "firing" : c.suppressed ? `would fire, but only ${Math.round(c.events)} events in the long window (fewer than ${data.minEvents}): quiet on low traffic` : "quiet"}
              </li>
            ))}
          </ul>
          <BudgetChart data={data} />
        </>
      )}
    </section>
  );
}
