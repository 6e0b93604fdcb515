import { createContext, useContext } from "react";
import type { ProbeReadingJson, WidgetSlot } from "./types";

/**
 * Holds the live readings of every probe on a runbook page; widgets read from it, and the action
 * dialog takes its "before" state and evidence from it. The probes issue makes it live.
 */
const ReadingsContext = createContext<Record<string, ProbeReadingJson | undefined>>({});

export function WidgetsProvider({ slots: _slots, children }: { slots: WidgetSlot[]; children: React.ReactNode }) {
  return <ReadingsContext.Provider value={{}}>{children}</ReadingsContext.Provider>;
}

export function useProbeReadings(): Record<string, ProbeReadingJson | undefined> {
  return useContext(ReadingsContext);
}
