// npm run lint:runbooks [dir]: checks every runbook against the plugins this portal really
// registers (boots the portal on a throwaway database), prints `file:line: problem`, exits 1 on any.
// --suggest: prints, per file and line, the directive that would make a mention a permanent widget.
// --fix [--out DIR]: writes those directives into a copy (`DIR/<file>.md`, or `<file>.suggested.md`
// beside the file); the runbooks themselves are never changed.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { ConfigError } from "~/core/config.server";
import { bootPortal } from "~/core/boot.server";
import type { Portal } from "~/core/portal.server";
import { checkPromqlLive } from "~/core/runbooks/lint-promql.server";
import { lintRunbooks } from "~/core/runbooks/lint.server";
import { scanRunbooks } from "~/core/runbooks/source.server";
import { applySuggestions, readSource, suggestForText, suggestSources } from "~/core/runbooks/suggest.server";

function parseArgs(argv: string[]) {
  const flags = { suggest: false, fix: false, out: undefined as string | undefined, dir: undefined as string | undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--suggest") flags.suggest = true;
    else if (a === "--fix") flags.fix = flags.suggest = true;
    else if (a === "--out") flags.out = argv[++i];
    else if (a.startsWith("--out=")) flags.out = a.slice(6);
    else if (!a.startsWith("-")) flags.dir ??= a;
    else throw new Error(`unknown option ${a} (use [dir] [--suggest] [--fix [--out DIR]])`);
  }
  if (flags.out !== undefined && !flags.out) throw new Error("--out needs a folder");
  return flags;
}

/** --suggest / --fix: one line per suggestion, files under their names; returns the exit code. */
async function suggest(portal: Portal, dir: string, flags: ReturnType<typeof parseArgs>): Promise<number> {
  const sources = suggestSources(dir);
  let total = 0;
  let written = 0;
  for (const src of sources) {
    const text = readSource(src.abs);
    const suggestions = await suggestForText(text, src.file.replace(/\.txt$/i, ".md"), portal.registry);
    total += suggestions.length;
    if (suggestions.length) {
      process.stdout.write(`${path.relative(process.cwd(), src.abs).startsWith("..") ? src.abs : path.relative(process.cwd(), src.abs)}\n`);
      for (const s of suggestions) process.stdout.write(`  line ${s.line}: ${s.mention} → ${s.config ? "config: " : ""}${s.directive}\n`);
    }
    if (!flags.fix || (!suggestions.length && !flags.out)) continue;
    const target = flags.out ? path.join(path.resolve(flags.out), src.file.replace(/\.(md|txt)$/i, ".md")) : src.abs.replace(/\.(md|txt)$/i, ".suggested.md");
    if (path.resolve(target) === path.resolve(src.abs)) throw new Error(`--fix would overwrite ${src.abs}: choose another --out folder`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, applySuggestions(text, suggestions));
    written++;
  }
  process.stdout.write(`lint:runbooks --suggest: ${total} suggestion(s) in ${sources.length} file(s)${flags.fix ? `; ${written} cop${written === 1 ? "y" : "ies"} written${flags.out ? ` to ${flags.out}` : " beside the files (*.suggested.md)"}` : ""}\n`);
  return 0;
}

async function main(): Promise<number> {
  let flags: ReturnType<typeof parseArgs>;
  try {
    flags = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`lint:runbooks: ${(err as Error).message}\n`);
    return 2;
  }
  const arg = flags.dir;
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
    if (flags.suggest) return await suggest(portal, dir, flags);
    const count = scanRunbooks(dir).length;
    const live = await checkPromqlLive(dir, portal.registry);
    if (live.note) process.stdout.write(`lint:runbooks: ${live.note}\n`);
    const shown = (file: string) => {
      const rel = path.relative(process.cwd(), path.join(dir, file));
      return rel.startsWith("..") ? path.join(dir, file) : rel;
    };
    const all = [...lintRunbooks(dir, portal.registry), ...live.problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
    const problems = all.filter((p) => !p.notConfigured);
    const unconfigured = all.filter((p) => p.notConfigured);
    for (const p of problems) process.stdout.write(`${shown(p.file)}:${p.line}: ${p.message}\n`);
    // Not broken: the page shows the YAML that would configure each of these.
    if (unconfigured.length) {
      process.stdout.write(`\nnot configured here (${unconfigured.length}; not failures):\n`);
      for (const p of unconfigured) process.stdout.write(`${shown(p.file)}:${p.line}: ${p.message}\n`);
    }
    const registry = `${portal.registry.probes.size} probes, ${portal.registry.actions.size} actions from ${portal.registry.plugins.map((p) => p.id).join(", ") || "no plugins"}`;
    if (problems.length) {
      process.stdout.write(`\n${problems.length} problem(s) in ${count} runbook(s) (checked against ${registry})\n`);
      return 1;
    }
    process.stdout.write(`lint:runbooks: ${count} runbook(s) OK${unconfigured.length ? `, ${unconfigured.length} widget(s) not configured here` : ""} (checked against ${registry})\n`);
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
