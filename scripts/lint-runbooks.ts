// npm run lint:runbooks [dir]: checks every runbook against the plugins this portal really
// registers (boots the portal on a throwaway database), prints `file:line: problem`, exits 1 on any.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { ConfigError } from "~/core/config.server";
import { bootPortal } from "~/core/boot.server";
import type { Portal } from "~/core/portal.server";
import { lintRunbooks } from "~/core/runbooks/lint.server";
import { scanRunbooks } from "~/core/runbooks/source.server";

async function main(): Promise<number> {
  const arg = process.argv.slice(2).find((a) => !a.startsWith("-"));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-lint-"));
  const env: NodeJS.ProcessEnv = { ...process.env, OPSDECK_DATA_DIR: path.join(tmp, "data") };
  if (arg) env.OPSDECK_RUNBOOKS_DIR = path.resolve(arg);
  env.OPSDECK_DEMO_PASSWORD ??= "lint-only-not-a-login";
  let portal: Portal | undefined;
  try {
    portal = await bootPortal({
      env,
      databaseUrl: path.join(tmp, "lint.sqlite"),
      background: false,
      log: pino({ level: process.env.LOG_LEVEL ?? "error" }),
    });
    const dir = portal.runbooksDir;
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      process.stderr.write(`lint:runbooks: no runbooks folder at ${dir}\n`);
      return 2;
    }
    const count = scanRunbooks(dir).length;
    const problems = lintRunbooks(dir, portal.registry);
    const shown = (file: string) => {
      const rel = path.relative(process.cwd(), path.join(dir, file));
      return rel.startsWith("..") ? path.join(dir, file) : rel;
    };
    for (const p of problems) process.stdout.write(`${shown(p.file)}:${p.line}: ${p.message}\n`);
    const registry = `${portal.registry.probes.size} probes, ${portal.registry.actions.size} actions from ${portal.registry.plugins.map((p) => p.id).join(", ") || "no plugins"}`;
    if (problems.length) {
      process.stdout.write(`\n${problems.length} problem(s) in ${count} runbook(s) (checked against ${registry})\n`);
      return 1;
    }
    process.stdout.write(`lint:runbooks: ${count} runbook(s) OK (checked against ${registry})\n`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) process.stderr.write(`lint:runbooks: the configuration has problems:\n${err.problems.map((p) => `  ${p}`).join("\n")}\n`);
    else process.stderr.write(`lint:runbooks: ${(err as Error).stack ?? err}\n`);
    return 2;
  } finally {
    await portal?.shutdown().catch(() => {});
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
