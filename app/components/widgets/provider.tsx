import { createContext, useContext, useEffect, useMemo, useState } from "react";
import type { ProbeReadingJson, WidgetSlot } from "~/lib/widgets";

/**
 * Holds the live readings of every probe on a runbook page; widgets read from it, and the action
 * dialog takes its "before" state and evidence from it.
 *
 * One Server-Sent Events stream per page (`/api/probes/stream`) delivers each reading as it
 * returns and again whenever the probe has a new one; the stream closes while the tab is hidden
 * and reopens (with current readings) when it is shown again.
 */
interface ReadingsState {
  /** By view key: a probe id, or `probeId#warn#critical` for a widget with its own thresholds. */
  readings: Record<string, ProbeReadingJson | undefined>;
  invalid: Record<string, string | undefined>;
  live: boolean;
}

const ReadingsContext = createContext<ReadingsState>({ readings: {}, invalid: {}, live: false });

const PROBE_KINDS = new Set(["status", "chart", "table", "slo"]);

/** The stream key of a widget: its probe id, plus its own thresholds when the directive sets them. */
export function viewKey(slot: WidgetSlot): string {
  const warn = slot.attrs.warn?.trim() ?? "";
  const critical = slot.attrs.critical?.trim() ?? "";
  return warn || critical ? `${slot.id}#${warn}#${critical}` : slot.id;
}

export function WidgetsProvider({ slots, children }: { slots: WidgetSlot[]; children: React.ReactNode }) {
  const keys = useMemo(() => {
    const set = new Set<string>();
    for (const slot of slots) {
      if (!PROBE_KINDS.has(slot.kind)) continue;
      set.add(slot.id);
      set.add(viewKey(slot));
    }
    return [...set].sort();
  }, [slots]);
  const [state, setState] = useState<ReadingsState>({ readings: {}, invalid: {}, live: false });
  const query = keys.map((k) => `v=${encodeURIComponent(k)}`).join("&");

  useEffect(() => {
    if (!query || typeof EventSource === "undefined") return;
    let source: EventSource | null = null;
    const open = () => {
      if (source || document.hidden) return;
      source = new EventSource(`/api/probes/stream?${query}`);
      source.addEventListener("open", () => setState((s) => (s.live ? s : { ...s, live: true })));
      source.addEventListener("error", () => setState((s) => (s.live ? { ...s, live: false } : s)));
      source.addEventListener("reading", (e) => {
        const { key, reading } = JSON.parse((e as MessageEvent<string>).data) as { key: string; reading: ProbeReadingJson };
        setState((s) => ({ ...s, readings: { ...s.readings, [key]: reading } }));
      });
      // The session that opened the stream ended (signed out, expired, disabled): stop, do not reconnect.
      source.addEventListener("session-ended", () => close());
      source.addEventListener("invalid", (e) => {
        const { key, error } = JSON.parse((e as MessageEvent<string>).data) as { key: string; error: string };
        setState((s) => ({ ...s, invalid: { ...s.invalid, [key]: error } }));
      });
    };
    const close = () => {
      source?.close();
      source = null;
      setState((s) => (s.live ? { ...s, live: false } : s));
    };
    const onVisibility = () => (document.hidden ? close() : open());
    open();
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      document.removeEventListener("visibilitychange", onVisibility);
      close();
    };
  }, [query]);

  return <ReadingsContext.Provider value={state}>{children}</ReadingsContext.Provider>;
}

/** Readings of the page's probes by probe id (under each probe's own thresholds). */
export function useProbeReadings(): Record<string, ProbeReadingJson | undefined> {
  const { readings } = useContext(ReadingsContext);
  return useMemo(() => Object.fromEntries(Object.entries(readings).filter(([k]) => !k.includes("#"))), [readings]);
}

/** The reading one widget shows (with the directive's thresholds when it sets them). */
export function useSlotReading(slot: WidgetSlot): { reading?: ProbeReadingJson; error?: string; live: boolean } {
  const { readings, invalid, live } = useContext(ReadingsContext);
  const key = viewKey(slot);
  return { reading: readings[key], error: invalid[key] ?? invalid[slot.id], live };
}

/** The current time, ticking while the tab is visible: for "as of 12 s ago". */
export function useNow(everyMs = 1000): number | null {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => {
      if (!document.hidden) setNow(Date.now());
    }, everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
