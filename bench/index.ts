// npm run bench [-- --json] [-- --only runbooks,probes]
// Each area measures its own figures for real; this prints them, and with --json ends with one
// JSON object of named figures on the last line.
import path from "node:path";
import url from "node:url";

const AREAS = ["runbooks", "probes", "audit", "timeline", "sse", "cron", "sql", "redis", "promql", "live-blocks", "backups", "mongo", "alerts", "notifications", "appenv", "slo", "runbooks-2k"] as const;

const args = process.argv.slice(2);
const asJson = args.includes("--json");
const onlyArg = args.find((a) => a.startsWith("--only="))?.slice(7) ?? (args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined);
const only = onlyArg ? new Set(onlyArg.split(",")) : null;

const here = path.dirname(url.fileURLToPath(import.meta.url));
const figures: Record<string, number> = {};
let failed = false;

for (const area of AREAS) {
  if (only && !only.has(area)) continue;
  const started = Date.now();
  try {
    const mod = (await import(url.pathToFileURL(path.join(here, `${area}.ts`)).href)) as { run(): Promise<Record<string, number>> };
    const result = await mod.run();
    Object.assign(figures, result);
    console.error(`bench ${area}: ${JSON.stringify(result)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (err) {
    failed = true;
    console.error(`bench ${area} failed: ${err instanceof Error ? err.stack : String(err)}`);
  }
}

if (asJson) console.log(JSON.stringify(figures));
else for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(36)} ${v}`);
process.exit(failed ? 1 : 0);
