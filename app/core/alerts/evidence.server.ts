import type { Portal } from "../portal.server";
import { probeEngine } from "../probes/service.server";
import { scrub } from "../secrets/index.server";

/** One widget reading kept with an alert, as the runbook page would have shown it at arrival. */
export interface EvidenceReading {
  id: string;
  title: string;
  status: string;
  value: number | null;
  unit?: string;
  summary: string;
  observedAt: string | null;
  error?: string;
}

const MAX_PROBES = 20;

/**
 * The current readings of a runbook's widget probes: a cached reading at once, a fresh read when
 * there is none yet, never waiting longer than `timeoutMs` (a probe still reading is recorded as such).
 */
export async function captureEvidence(portal: Portal, probeIds: readonly string[], timeoutMs = 1500): Promise<EvidenceReading[]> {
  const engine = probeEngine(portal);
  const ids = probeIds.filter((id) => engine.has(id)).slice(0, MAX_PROBES);
  if (!ids.length) return [];
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  try {
    const readings = await Promise.all(
      ids.map(async (id): Promise<EvidenceReading> => {
        const title = engine.probe(id).def.title;
        const view = await Promise.race([engine.reading(id).catch(() => null), late]);
        if (!view) return { id, title, status: "unknown", value: null, summary: `no reading within ${timeoutMs} ms`, observedAt: null };
        return { id, title: view.title, status: view.status, value: view.value, unit: view.unit, summary: view.summary, observedAt: view.observedAt, ...(view.error ? { error: view.error } : {}) };
      }),
    );
    return scrub(readings, portal.config.secretValues);
  } finally {
    clearTimeout(timer);
  }
}
