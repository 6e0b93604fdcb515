/** Parses `INFO` output into field → value. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith("#")) continue;
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export function num(info: Record<string, string>, field: string): number | null {
  const v = info[field];
  if (v === undefined || v === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? Math.round(v) : +v.toFixed(1)} ${units[u]}`;
}

/**
 * Counters that only grow while the server runs (evicted_keys, rejected_connections): the
 * increase since the previous reading, counting from the current value after a restart.
 */
export function counterDelta() {
  let previous: { value: number; runId: string } | null = null;
  return (value: number, runId: string): { delta: number; first: boolean } => {
    const prev = previous;
    previous = { value, runId };
    if (!prev) return { delta: 0, first: true };
    if (prev.runId !== runId || value < prev.value) return { delta: value, first: false };
    return { delta: value - prev.value, first: false };
  };
}
