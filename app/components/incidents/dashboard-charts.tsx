import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { SEVERITIES } from "~/lib/incidents";

const SEV_COLORS: Record<string, string> = { P1: "#c62828", P2: "#e0701b", P3: "#d4a514", P4: "#5a7da8" };

/** Recharts draws after hydration (empty on the server), so every chart has a fixed size. */
export function IncidentsPerWeekChart({ data }: { data: ({ week: string } & Record<string, number | string>)[] }) {
  return (
    <BarChart width={680} height={260} data={data} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
      <CartesianGrid stroke="#e3e7ed" strokeDasharray="3 3" />
      <XAxis dataKey="week" fontSize={11} tickFormatter={(w: string) => w.slice(5)} />
      <YAxis allowDecimals={false} fontSize={12} width={32} />
      <Tooltip labelFormatter={(w) => `Week of ${w}`} />
      <Legend />
      {SEVERITIES.map((s) => (
        <Bar key={s} dataKey={s} stackId="sev" fill={SEV_COLORS[s]} isAnimationActive={false} />
      ))}
    </BarChart>
  );
}

export function MeanTimesChart({ data }: { data: { severity: string; mtta: number | null; mttr: number | null }[] }) {
  return (
    <BarChart width={440} height={240} data={data} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
      <CartesianGrid stroke="#e3e7ed" strokeDasharray="3 3" />
      <XAxis dataKey="severity" fontSize={12} />
      <YAxis fontSize={12} width={44} unit="m" />
      <Tooltip formatter={(v) => (v == null ? "—" : `${v} min`)} />
      <Legend />
      <Bar dataKey="mtta" name="MTTA (min)" fill="#5a7da8" isAnimationActive={false} />
      <Bar dataKey="mttr" name="MTTR (min)" fill="#1f5fbf" isAnimationActive={false} />
    </BarChart>
  );
}

export function HorizontalCountChart({ data, dataKey, labelKey, name }: { data: Record<string, string | number>[]; dataKey: string; labelKey: string; name: string }) {
  const height = Math.max(120, 28 * data.length + 40);
  return (
    <BarChart width={440} height={height} data={data} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 8 }}>
      <CartesianGrid stroke="#e3e7ed" strokeDasharray="3 3" />
      <XAxis type="number" allowDecimals={false} fontSize={12} />
      <YAxis type="category" dataKey={labelKey} width={160} fontSize={11} tickFormatter={(v: string) => (v.length > 24 ? `${v.slice(0, 23)}…` : v)} />
      <Tooltip />
      <Bar dataKey={dataKey} name={name} fill="#1f5fbf" isAnimationActive={false} />
    </BarChart>
  );
}
