import { BarChart, Legend } from "~/components/charts/bar-chart";
import { TimeChart } from "~/components/charts/time-chart";
import { useBoxWidth } from "~/components/charts/use-box-width";
import { formatDurationTick } from "~/lib/chart-scale";
import { SEVERITIES } from "~/lib/incidents";

const SEV_COLORS: Record<string, string> = { P1: "#c62828", P2: "#e0701b", P3: "#d4a514", P4: "#5a7da8" };
const MTTA_COLOR = "#5a7da8";
const MTTR_COLOR = "#1f5fbf";

const minutesText = (m: number) => formatDurationTick(m * 60_000, m * 60_000 >= 3_600_000 ? 1_800_000 : 60_000);
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const weekLabel = (w: string) => `${Number(w.slice(8, 10))} ${MONTHS[Number(w.slice(5, 7)) - 1]}`;

/** Charts are plain SVG drawn on the server at a default width, then fitted to their card. */
export function IncidentsPerWeekChart({ data }: { data: ({ week: string } & Record<string, number | string>)[] }) {
  const { ref, width } = useBoxWidth<HTMLDivElement>(680, 900, 240);
  const series = SEVERITIES.map((s) => ({ key: s, name: s, color: SEV_COLORS[s]! }));
  return (
    <div ref={ref} className="chart-fit">
      <BarChart
        width={width}
        height={240}
        categories={data.map((d) => d.week)}
        series={series}
        values={data.map((d) => Object.fromEntries(SEVERITIES.map((s) => [s, Number(d[s] ?? 0)])))}
        stacked
        label="Incidents declared per week, stacked by severity"
        categoryLabel={weekLabel}
        describe={(w, s, v) => `Week of ${w}: ${v} ${s.name} incident${v === 1 ? "" : "s"}`}
      />
      <Legend series={series} />
    </div>
  );
}

export function MeanTimesChart({ data }: { data: { severity: string; mtta: number | null; mttr: number | null }[] }) {
  const { ref, width } = useBoxWidth<HTMLDivElement>(440, 900, 240);
  const series = [
    { key: "mtta", name: "MTTA", color: MTTA_COLOR },
    { key: "mttr", name: "MTTR", color: MTTR_COLOR },
  ];
  return (
    <div ref={ref} className="chart-fit">
      <BarChart
        width={width}
        height={220}
        categories={data.map((d) => d.severity)}
        series={series}
        values={data.map((d) => ({ mtta: d.mtta, mttr: d.mttr }))}
        unit="min"
        label="Mean time to acknowledge and to resolve, by severity"
        describe={(sev, s, v) => `${sev} ${s.name}: ${minutesText(v)}`}
      />
      <Legend series={series} />
    </div>
  );
}

/** MTTA and MTTR of each week's incidents as two lines: is the team getting faster? */
export function MeanTimesTrendChart({ data }: { data: { week: string; start: number; mtta: number | null; mttr: number | null }[] }) {
  const { ref, width } = useBoxWidth<HTMLDivElement>(680, 1400, 240);
  const WEEK = 7 * 86_400_000;
  const from = data.length ? data[0]!.start : 0;
  const to = data.length ? data[data.length - 1]!.start + WEEK : 1;
  // Each week's value sits in the middle of its week; weeks without incidents break the line.
  const points = (k: "mtta" | "mttr") => data.map((d) => ({ at: d.start + WEEK / 2, value: d[k] }));
  return (
    <div ref={ref} className="chart-fit">
      <TimeChart
        width={width}
        height={220}
        from={from}
        to={to}
        series={[
          { name: "MTTA", color: MTTA_COLOR, points: points("mtta") },
          { name: "MTTR", color: MTTR_COLOR, points: points("mttr") },
        ]}
        unit="min"
        label="MTTA and MTTR per week"
      />
      <Legend
        series={[
          { name: "MTTA (detection → a commander took it)", color: MTTA_COLOR },
          { name: "MTTR (detection → resolved)", color: MTTR_COLOR },
        ]}
      />
    </div>
  );
}

export function HorizontalCountChart({ data, dataKey, labelKey, name }: { data: Record<string, string | number>[]; dataKey: string; labelKey: string; name: string }) {
  const max = Math.max(1, ...data.map((d) => Number(d[dataKey]) || 0));
  return (
    <ul className="hbar-chart" aria-label={name} data-chart="hbars">
      {data.map((d, i) => {
        const v = Number(d[dataKey]) || 0;
        const text = String(d[labelKey]);
        return (
          <li key={i} className="hbar-row">
            <span className="hbar-label" title={text}>
              {text}
            </span>
            <span className="hbar-track">
              <span className="hbar-fill" style={{ width: `${(v / max) * 100}%` }} />
            </span>
            <span className="hbar-value">{v}</span>
          </li>
        );
      })}
    </ul>
  );
}
