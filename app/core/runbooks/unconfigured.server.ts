// A widget or button that names a probe or action of an installed plugin this install has not
// configured (or configured without that probe) is "not configured here", not broken: the page
// shows the YAML that would configure it, and freshness does not count it.
import type { z } from "zod";
import { installedPlugins } from "~/plugins.server";
import type { UnconfiguredWidget } from "~/lib/runbook";
import { configKeys } from "../plugins/config-docs.server";

type Def = { type: string; [k: string]: any };
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

function innerDef(s: z.ZodType): Def {
  let d = defOf(s);
  for (let i = 0; i < 20 && ["optional", "default", "prefault", "nullable", "readonly", "pipe", "catch"].includes(d.type); i++) {
    d = defOf(d.type === "pipe" ? d.in : d.innerType);
  }
  return d;
}

const envName = (plugin: string, key: string) => `${plugin}_${key.replace(/([a-z0-9])([A-Z])/g, "$1_$2")}`.replace(/[^A-Za-z0-9]+/g, "_").toUpperCase();

/**
 * The smallest `plugins.<id>` section from the schema: each required key, and each key whose text
 * shows an `${ENV}` example; secrets always as `${ENV}`, never a value.
 */
export function configSnippet(pluginId: string): string {
  const plugin = installedPlugins.find((p) => p.id === pluginId);
  if (!plugin) return "";
  const lines: string[] = [];
  for (const k of configKeys(plugin.config)) {
    if (k.key.includes(".") || k.key.includes("[") || k.key.includes("<")) continue;
    const env = /\$\{([A-Z][A-Z0-9_]*)\}/.exec(k.description ?? "")?.[1];
    if (!k.required && !env) continue;
    const example = /e\.g\. ([^\s,;)]+)/.exec(k.description ?? "")?.[1]?.replace(/\.$/, "");
    const value = k.secret || env ? `\${${env ?? envName(pluginId, k.key)}}` : example ?? `<${k.key}>`;
    lines.push(`    ${k.key}: ${value}`);
  }
  return ["plugins:", `  ${pluginId}:`, ...(lines.length ? lines : ["    {}"])].join("\n");
}

/** Where a config-declared probe's name would go: the plugin's map sections (queries, checks, jobs…). */
function declaredSnippet(pluginId: string, name: string): string | null {
  const plugin = installedPlugins.find((p) => p.id === pluginId);
  if (!plugin) return null;
  const top = innerDef(plugin.config);
  if (top.type !== "object") return null;
  const maps = Object.entries(top.shape as Record<string, z.ZodType>).filter(([, s]) => innerDef(s).type === "record").map(([k]) => k);
  if (!maps.length) return null;
  return ["plugins:", `  ${pluginId}:`, `    ${maps[0]}:`, `      ${name}: …   # or under ${maps.slice(1).join(", ") || maps[0]}; see docs/plugins/${pluginId}.md`].join("\n");
}

/**
 * Why an id that no enabled plugin provides is missing: an installed plugin that is not
 * configured, or configured without that declared probe. Null for an unknown id: no installed
 * plugin, or a configured one that has no such fixed probe or action.
 */
export function unconfiguredWidget(id: string, kind: "probe" | "action", configured: ReadonlySet<string>): UnconfiguredWidget | null {
  const dot = id.indexOf(".");
  if (dot <= 0) return null;
  const pluginId = id.slice(0, dot);
  const plugin = installedPlugins.find((p) => p.id === pluginId);
  if (!plugin || pluginId === "demo") return null;
  const isConfigured = configured.has(pluginId);
  // A configured plugin lacks a probe only when its name is one the config declares (a query, a check, a job).
  const declared = isConfigured && kind === "probe" ? declaredSnippet(pluginId, id.slice(dot + 1)) : null;
  if (isConfigured && !declared) return null;
  const snippet = declared ?? configSnippet(pluginId);
  return {
    id,
    kind,
    plugin: pluginId,
    pluginTitle: plugin.title,
    pluginConfigured: isConfigured,
    reason: isConfigured
      ? `${plugin.title} is configured here, but without the ${kind} ${id}`
      : `${plugin.title} (plugins.${pluginId}) is not configured here`,
    snippet,
    docs: `docs/plugins/${pluginId}.md`,
  };
}
