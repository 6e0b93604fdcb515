import { getPortal } from "../portal.server";
import { sandboxesRef } from "../../../plugins/demo/api";
import { InputError, NotFoundError } from "../../../plugins/errors";
import { SHOP_ENV_FIXES } from "../../../demo/shop/environment";

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

/** The deploys sandbox's variable editor, as its demo provides it on the world ("deploys.env"). */
interface EnvEditor {
  names(site: string): string[];
  setEnv(site: string, key: string, value: string | null): void;
}

export interface ShopEnvView {
  sites: { site: string; names: string[] }[];
  fixes: { id: string; site: string; problem: string; fix: string }[];
}

function envEditor(): EnvEditor | null {
  const portal = getPortal();
  if (!portal.demo.enabled) return null;
  return portal.registry.world?.get<EnvEditor>("deploys.env") ?? null;
}

/** The shop's deployed variables by NAME per site (never a value) and a fix per seeded problem; null without the deploys sandbox. */
export function shopEnvControls(): ShopEnvView | null {
  const editor = envEditor();
  if (!editor) return null;
  const sites = [...new Set(SHOP_ENV_FIXES.flatMap((f) => f.changes().map((c) => c.site)))];
  return {
    sites: sites.map((site) => ({ site, names: editor.names(site) })),
    fixes: SHOP_ENV_FIXES.map(({ id, site, problem, fix }) => ({ id, site, problem, fix })),
  };
}

/** Applies one seeded problem's fix in the sandbox, as the platform's dashboard would; answers what was set, by name. */
export function applyShopEnvFix(id: string): string {
  const editor = envEditor();
  if (!editor) throw new NotFoundError("the deploys sandbox with the shop's variables is not running");
  const fix = SHOP_ENV_FIXES.find((f) => f.id === id);
  if (!fix) throw new InputError({ fix: [`unknown fix "${id}"; one of ${SHOP_ENV_FIXES.map((f) => f.id).join(", ")}`] }, `unknown fix "${id}"`);
  const changes = fix.changes();
  for (const c of changes) editor.setEnv(c.site, c.key, c.value);
  return changes.map((c) => `${c.site}: ${c.key} ${c.value === null ? "removed" : "set"}`).join("; ");
}
