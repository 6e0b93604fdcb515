import type { ProbeReadingJson } from "~/lib/widgets";
import type { Store } from "../db/store.server";
import { createScrubber } from "../secrets/index.server";

export interface AsOfReading extends ProbeReadingJson {
  /** How old the stored sample was at the asked time; null when there was none yet. */
  ageMs: number | null;
}

/** Each probe's reading as the scheduler stored it last at or before `at` (the widget values of that moment). */
export async function readingsAt(store: Store, probes: { id: string; title: string; unit?: string }[], at: number, secrets: readonly string[] = []): Promise<AsOfReading[]> {
  const scrubber = createScrubber(secrets);
  return Promise.all(
    probes.map(async (p): Promise<AsOfReading> => {
      const row = await store.db
        .selectFrom("probe_samples")
        .select(["at", "status", "value", "summary", "error"])
        .where("probe_id", "=", p.id)
        .where("at", "<=", at)
        .orderBy("at", "desc")
        .limit(1)
        .executeTakeFirst();
      if (!row) return { id: p.id, title: p.title, unit: p.unit, status: "unknown", value: null, summary: "No stored sample before this time", observedAt: null, ageMs: null };
      return {
        id: p.id,
        title: p.title,
        unit: p.unit,
        status: (["ok", "warn", "critical", "unknown"].includes(row.status) ? row.status : "unknown") as ProbeReadingJson["status"],
        value: row.value == null ? null : Number(row.value),
        summary: scrubber.text(row.summary),
        error: row.error == null ? undefined : scrubber.text(row.error),
        observedAt: new Date(Number(row.at)).toISOString(),
        ageMs: at - Number(row.at),
      };
    }),
  );
}
