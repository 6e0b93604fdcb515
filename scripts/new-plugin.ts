// npm run new-plugin -- <id>   writes plugins/<id>/ in the current shape (config with .describe()
// texts, index, api with a service ref, client, one probe, one action with its risk and preview,
// a sandbox, a doctor, tests beside them), docs/plugins/<id>.md with its generated key table, and
// registers the plugin in app/plugins.server.ts. See docs/adding-a-plugin.md.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { z } from "zod";
import { configKeys, renderKeyTable, withKeyTable } from "~/core/plugins/config-docs.server";

const ROOT = process.cwd();
const TEMPLATES = path.join(ROOT, "scripts", "new-plugin");
const REGISTRY = path.join(ROOT, "app", "plugins.server.ts");
const RESERVED = new Set(["demo", "plugin-api", "errors", "orders-api", "core", "app"]);

function fail(message: string): never {
  console.error(`new-plugin: ${message}`);
  process.exit(1);
}

export function namesOf(id: string) {
  const words = id.split("-");
  const pascal = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
  return { ID: id, NAME: pascal, VAR: pascal[0]!.toLowerCase() + pascal.slice(1), ENV: id.toUpperCase().replace(/-/g, "_"), TITLE: words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join(" ") };
}

function fill(template: string, names: ReturnType<typeof namesOf>): string {
  return template.replace(/__(ID|NAME|VAR|ENV|TITLE)__/g, (_all, key: keyof typeof names) => names[key]);
}

function templates(dir = TEMPLATES, prefix = ""): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? templates(path.join(dir, e.name), `${prefix}${e.name}/`) : e.name.endsWith(".ts.tpl") ? [`${prefix}${e.name}`] : []));
}

async function main() {
  const id = process.argv[2];
  if (!id) fail("usage: npm run new-plugin -- <id>   (a kebab-case id such as job-queue)");
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(id)) fail(`"${id}" is not a plugin id: use kebab-case (lower-case letters, digits and single dashes, starting with a letter), e.g. job-queue`);
  if (RESERVED.has(id)) fail(`"${id}" is reserved (a file of the plugin API or the demo plugin); choose another id`);
  const dir = path.join(ROOT, "plugins", id);
  const page = path.join(ROOT, "docs", "plugins", `${id}.md`);
  if (fs.existsSync(dir)) fail(`plugins/${id} already exists; choose another id or edit that plugin`);
  if (fs.existsSync(page)) fail(`docs/plugins/${id}.md already exists; choose another id`);
  const registry = fs.readFileSync(REGISTRY, "utf8");
  const names = namesOf(id);
  if (new RegExp(`from "\\.\\./plugins/${id}"`).test(registry)) fail(`app/plugins.server.ts already imports plugins/${id}`);
  const list = /export const installedPlugins: readonly PluginDefinition\[\] = \[([^\]]*)\];/.exec(registry);
  if (!list) fail("app/plugins.server.ts has no `export const installedPlugins: readonly PluginDefinition[] = [...]` line to add the plugin to");
  const listed = list[1]!.split(",").map((s) => s.trim());
  if (listed.includes(names.VAR)) fail(`app/plugins.server.ts already has a plugin named ${names.VAR}`);

  for (const rel of templates()) {
    const target = path.join(dir, rel.replace(/\.tpl$/, ""));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, fill(fs.readFileSync(path.join(TEMPLATES, rel), "utf8"), names));
  }

  // The docs page's key table comes from the schema just written, as `npm run docs:plugins` makes it.
  const config = (await import(pathToFileURL(path.join(dir, "config.ts")).href)) as Record<string, z.ZodType>;
  const schema = config[`${names.NAME}ConfigSchema`]!;
  fs.mkdirSync(path.dirname(page), { recursive: true });
  fs.writeFileSync(page, withKeyTable(fill(fs.readFileSync(path.join(TEMPLATES, "docs.md.tpl"), "utf8"), names), renderKeyTable(configKeys(schema, `plugins.${id}`))));

  // Registered last, so that a failure above leaves the list untouched: one import, one entry (before the demo plugin, which stays last).
  const lastImport = [...registry.matchAll(/^import .* from "\.\.\/plugins\/[^"]+";$/gm)].at(-1)!;
  const at = lastImport.index! + lastImport[0].length;
  const entries = listed.includes("demo") ? [...listed.filter((e) => e !== "demo"), names.VAR, "demo"] : [...listed, names.VAR];
  let next = `${registry.slice(0, at)}\nimport ${names.VAR} from "../plugins/${id}";${registry.slice(at)}`;
  next = next.replace(list[0], `export const installedPlugins: readonly PluginDefinition[] = [${entries.join(", ")}];`);
  fs.writeFileSync(REGISTRY, next);

  console.log(`wrote plugins/${id}/ (${templates().length} files), docs/plugins/${id}.md, and registered ${names.VAR} in app/plugins.server.ts`);
  console.log(`next: npx vitest run plugins/${id}; then replace the provider calls in plugins/${id}/client.server.ts (docs/adding-a-plugin.md)`);
}

await main();
