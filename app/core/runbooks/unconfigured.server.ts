// A widget or button that names a probe or action of an installed plugin this install has not
// configured (or configured without that probe) is "not configured here", not broken: the page
// shows the YAML that would configure it, and freshness does not count it.
import { installedPlugins } from "~/plugins.server";
import type { UnconfiguredWidget } from "~/lib/runbook";
import { configKeys } from "../plugins/config-docs.server";

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

/**
 * Where a config-declared probe's name would go: the plugin's map sections whose text says each
 * entry becomes a probe (`…; each becomes the probe cron.<name>`), the one whose probe prefix the
 * name carries first. Other maps (stripe's endpointSecrets, http's headers) declare no probe, so a
 * probe a configured plugin lacks is then an unknown id, not a missing entry.
 */
function declaredSnippet(pluginId: string, name: string): string | null {
  const plugin = installedPlugins.find((p) => p.id === pluginId);
  if (!plugin) return null;
  const maps: { key: string; prefix: string }[] = [];
  for (const k of configKeys(plugin.config)) {
    if (/[<[]/.test(k.key) || !k.type.startsWith("map of")) continue;
    // Every probe an entry becomes: redis's patterns give redis.keys-<name> and redis.ttl-<name>.
    for (const m of (k.description ?? "").matchAll(new RegExp(`\\b${pluginId}\\.([a-z0-9-]*)<name>`, "g"))) maps.push({ key: k.key, prefix: m[1]! });
  }
  const fits = maps.filter((m) => name.startsWith(m.prefix) && name.length > m.prefix.length).sort((a, b) => b.prefix.length - a.prefix.length);
  const best = fits[0];
  if (!best) return null;
  const others = [...new Set(maps.map((m) => m.key))].filter((k) => k !== best.key);
  const hint = others.length ? `# or under ${others.join(", ")}; see docs/plugins/${pluginId}.md` : `# see docs/plugins/${pluginId}.md`;
  const path = best.key.split(".");
  const nested = path.map((seg, i) => `${"  ".repeat(i + 2)}${seg}:`);
  return ["plugins:", `  ${pluginId}:`, ...nested, `${"  ".repeat(path.length + 2)}${name.slice(best.prefix.length)}: …   ${hint}`].join("\n");
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
