import type { Portal } from "../portal.server";

export interface RunFinished {
  runId: string;
  actionId: string;
  pluginId: string;
  status: string;
}

type Listener = (event: RunFinished) => void;
const listeners = new WeakMap<object, Set<Listener>>();

/** Lets another feature react when a run ends (probes re-read the acting plugin) without the runner importing it. */
export function onRunFinished(portal: Portal, listener: Listener): () => void {
  let set = listeners.get(portal);
  if (!set) listeners.set(portal, (set = new Set()));
  set.add(listener);
  return () => set!.delete(listener);
}

export function emitRunFinished(portal: Portal, event: RunFinished): void {
  for (const l of listeners.get(portal) ?? []) {
    try {
      l(event);
    } catch (err) {
      portal.log.warn({ err: err instanceof Error ? err.message : String(err), runId: event.runId }, "a run-finished listener failed");
    }
  }
}
