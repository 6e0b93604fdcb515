// npm run docs:plugins            rewrites the key table of every docs/plugins/<id>.md from its schema
// npm run docs:plugins -- --check exits 1 naming each page whose table is out of date or key without a text
import fs from "node:fs";
import path from "node:path";
import { installedPlugins } from "~/plugins.server";
import { configKeys, renderKeyTable, undocumentedKeys, withKeyTable } from "~/core/plugins/config-docs.server";

const check = process.argv.includes("--check");
const problems: string[] = [];
for (const plugin of installedPlugins) {
  if (plugin.id === "demo") continue;
  const file = path.join("docs", "plugins", `${plugin.id}.md`);
  const keys = configKeys(plugin.config, `plugins.${plugin.id}`);
  for (const key of undocumentedKeys(keys)) problems.push(`${key}: no .describe() text in plugins/${plugin.id}'s config schema`);
  const page = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : `# ${plugin.title}\n`;
  const next = withKeyTable(page, renderKeyTable(keys));
  if (next === page) continue;
  if (check) problems.push(`${file}: ${fs.existsSync(file) ? "key table out of date" : "missing"} (run npm run docs:plugins)`);
  else {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, next);
    console.log(`wrote ${file}`);
  }
}
for (const p of problems) console.error(p);
process.exit(problems.length && check ? 1 : 0);
