import { getPortal } from "../portal.server";
import { sandboxesRef } from "../../../plugins/demo/api";

export interface SandboxView {
  id: string;
  title: string;
  baseUrl: string;
  credentials: { label: string; value: string }[];
  examples: string[];
  notes: string | null;
}

/**
 * The sandboxes running in demo mode with their base URLs and test keys; null outside demo mode.
 * Their keys are demo values that open only local sandboxes, so they are shown as they are.
 */
export function demoSandboxes(): SandboxView[] | null {
  const portal = getPortal();
  if (!portal.demo.enabled) return null;
  const service = portal.registry.services.get(sandboxesRef);
  if (!service) return [];
  return service.list().map((s) => ({
    id: s.id,
    title: s.title,
    baseUrl: s.baseUrl,
    credentials: s.credentials ?? [],
    examples: s.examples ?? [],
    notes: s.notes ?? null,
  }));
}
