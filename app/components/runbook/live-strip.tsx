import { useProbeReadings } from "~/components/widgets/provider";
import { formatValue } from "~/components/widgets/status";
import type { WidgetSlot } from "~/lib/widgets";

/**
 * The page's live figures in one line under the title, worst first: on a phone the first figure
 * is on the first screen, before the procedure text; each links to its widget in the text.
 */
export function LiveStrip({ slots }: { slots: WidgetSlot[] }) {
  const readings = useProbeReadings();
  const probes = [...new Map(slots.filter((s) => s.kind !== "action").map((s) => [s.id, s])).values()];
  if (!probes.length) return null;
  const rank = { critical: 0, warn: 1, unknown: 2, ok: 3 } as const;
  const sorted = probes
    .map((s) => ({ slot: s, reading: readings[s.id] }))
    .sort((a, b) => rank[a.reading?.status ?? "unknown"] - rank[b.reading?.status ?? "unknown"]);
  return (
    <ul className="live-strip" aria-label="Live now" data-testid="live-strip">
      {sorted.map(({ slot, reading }) => (
        <li key={slot.id} className={`live-chip status-${reading?.status ?? "unknown"}`} data-probe={slot.id}>
          <a href={`#slot-${slot.key}`}>
            <span className={`status-dot status-${reading?.status ?? "unknown"}`} aria-hidden="true" /> {slot.title ?? slot.id}:{" "}
            <strong>{reading ? (reading.value !== null ? formatValue(reading.value, reading.unit) : reading.status) : "…"}</strong>
          </a>
        </li>
      ))}
    </ul>
  );
}
