// npm run audit:verify [-- --json]
// Walks the hash chain from the first entry and checks every signed checkpoint against it.
// Exit 0: intact · 1: broken (names the first bad entry) · 2: could not check.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { checkpointSettings, verifyAudit } from "~/core/audit/checkpoints.server";
import { ConfigError, loadConfig } from "~/core/config.server";
import { describeDatabaseUrl, openStore, redactUrl } from "~/core/db/store.server";

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  if (values.help) {
    console.log("usage: npm run audit:verify [-- --json]   (uses DATABASE_URL / app-config.yaml like the server)");
    return 0;
  }
  const env = process.env;
  const cwd = process.cwd();
  const config = loadConfig({ env, cwd });
  const dataDir = path.resolve(cwd, config.app.dataDir);
  const databaseUrl = env.DATABASE_URL ?? path.join(dataDir, "opsdeck.sqlite");
  const { dialect, target } = describeDatabaseUrl(databaseUrl);
  if (dialect === "sqlite" && target !== ":memory:" && !fs.existsSync(path.resolve(target))) {
    console.error(`error: no database at ${path.resolve(target)} (set DATABASE_URL)`);
    return 2;
  }
  const store = await openStore(databaseUrl);
  try {
    try {
      await store.db.selectFrom("audit_entries").select("seq").limit(1).execute();
    } catch {
      console.error(`error: no audit log in ${redactUrl(store.location)} yet (start the portal once so it creates its tables)`);
      return 2;
    }
    const settings = checkpointSettings({ config, dataDir, env });
    const report = await verifyAudit(store, settings);
    if (values.json) {
      console.log(JSON.stringify({ ...report, store: redactUrl(store.location), checkpointFile: settings.file }));
    } else if (report.ok) {
      console.log(
        `audit log intact: ${report.checked} entries (head #${report.head.seq} ${report.head.hash.slice(0, 16)}…), ` +
          `${report.checkpoints} signed checkpoint(s) match${settings.key ? "" : " (no checkpoint key found)"}; checked in ${report.seconds.toFixed(2)}s`,
      );
    } else {
      if (report.problem) console.log(`audit log BROKEN at entry ${report.problem.seq}: ${report.problem.problem}`);
      for (const p of report.checkpointProblems) console.log(`audit log BROKEN: ${p}`);
      console.log(`(${report.checked} entries verified before the first problem; store ${redactUrl(store.location)})`);
    }
    return report.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ConfigError) console.error(`configuration problems:\n${err.problems.map((p) => `  ${p}`).join("\n")}`);
    else console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
