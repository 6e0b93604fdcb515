// npm run doctor [-- --json]: loads the config as the portal does, makes one read-only call per
// configured plugin and credential, prints ok or the problem with its fix; exit 1 when a
// configured plugin cannot work (or the config does not load).
import { parseArgs } from "node:util";
import pino from "pino";
import { ConfigError } from "~/core/config.server";
import { doctorFromConfig } from "~/core/doctor/portal.server";
import { doctorFailed, doctorJson, formatDoctorReport } from "~/core/doctor/run.server";

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { json: { type: "boolean", default: false } } });
  const log = pino({ level: process.env.LOG_LEVEL ?? "silent" }, pino.destination(2));
  try {
    const report = await doctorFromConfig({ log });
    process.stdout.write(values.json ? `${JSON.stringify(doctorJson(report), null, 2)}\n` : `${formatDoctorReport(report)}\n`);
    return doctorFailed(report) ? 1 : 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // The config's own problems are what the portal's start would refuse with; they name their keys.
    const checks = err.problems.map((p) => ({ name: "config", ok: false, detail: p, fix: "correct the key named in app-config.yaml (or the environment variable)" }));
    if (values.json) process.stdout.write(`${JSON.stringify({ mode: "configured", plugins: [{ id: "config", status: "problem", checks }] }, null, 2)}\n`);
    else process.stdout.write(`PROBLEM the config does not load (the portal would refuse to start):\n${err.problems.map((p) => `  ✗ ${p}`).join("\n")}\n`);
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`doctor failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
