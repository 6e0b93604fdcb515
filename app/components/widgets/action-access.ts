import { useEffect, useState } from "react";
import { hasRole } from "~/lib/roles";

export type Risk = "low" | "high" | "critical";

let risks: Promise<Record<string, Risk>> | null = null;

/** Every action's risk, read once per page load from `GET /api/actions` (row buttons carry only an id). */
function loadRisks(): Promise<Record<string, Risk>> {
  risks ??= fetch("/api/actions", { headers: { accept: "application/json" } })
    .then(async (res) => (res.ok ? ((await res.json()) as { id: string; risk: Risk }[]) : []))
    .then((list) => Object.fromEntries(list.map((a) => [a.id, a.risk])))
    .catch(() => {
      risks = null;
      return {};
    });
  return risks;
}

/** The risk of an action: the slot's when the page knows it, else read once for the page. */
export function useActionRisk(actionId: string, known: Risk | undefined): Risk | undefined {
  const [risk, setRisk] = useState<Risk | undefined>(known);
  useEffect(() => {
    if (known) return setRisk(known);
    let live = true;
    void loadRisks().then((r) => live && setRisk(r[actionId]));
    return () => {
      live = false;
    };
  }, [actionId, known]);
  return risk;
}

export type Access = "run" | "ask" | "none";

/** What a user may do with an action of this risk: run it, ask an admin for it (a responder), or nothing (a viewer). */
export function accessFor(roles: readonly string[], risk: Risk | undefined): { access: Access; needs: "responder" | "admin" | null } {
  if (!risk) return { access: hasRole(roles, "responder") ? "run" : "none", needs: hasRole(roles, "responder") ? null : "responder" };
  const needs = risk === "low" ? "responder" : "admin";
  if (hasRole(roles, needs)) return { access: "run", needs: null };
  return { access: hasRole(roles, "responder") ? "ask" : "none", needs };
}
