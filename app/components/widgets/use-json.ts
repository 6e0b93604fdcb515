import { useEffect, useState } from "react";

/**
 * GETs JSON for a widget once it is mounted (never during the server render), again whenever `url`
 * or `refresh` changes (a probe's new reading), aborting the request it replaces. A 4xx/5xx answer
 * becomes `failed` with the server's own words (its first field error, else its error).
 */
export function useWidgetJson<T>(url: string, refresh: unknown): { data: T | null; failed: string | null; mounted: boolean } {
  const [data, setData] = useState<T | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  useEffect(() => {
    if (!mounted) return;
    const controller = new AbortController();
    fetch(url, { signal: controller.signal, headers: { accept: "application/json" } })
      .then(async (res) => {
        const body = await res.json();
        if (!res.ok) {
          const field = body?.fieldErrors ? (Object.values(body.fieldErrors as Record<string, string[]>)[0]?.[0] ?? null) : null;
          throw new Error(field ?? body?.error ?? `HTTP ${res.status}`);
        }
        setData(body as T);
        setFailed(null);
      })
      .catch((err) => {
        if (!controller.signal.aborted) setFailed(err instanceof Error ? err.message : String(err));
      });
    return () => controller.abort();
  }, [mounted, url, refresh]);
  return { data, failed, mounted };
}
