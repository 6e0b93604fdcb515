// `npm start`: build when the build is missing or older than the sources, then serve.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import url from "node:url";

const root = path.resolve(path.dirname(url.fileURLToPath(import.meta.url)), "..");
const buildFile = path.join(process.env.OPSDECK_BUILD_DIR ? path.resolve(root, process.env.OPSDECK_BUILD_DIR) : path.join(root, "build"), "index.js");

function newestMtime(p) {
  let newest = 0;
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  for (const entry of fs.readdirSync(p, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    newest = Math.max(newest, newestMtime(path.join(p, entry.name)));
  }
  return newest;
}

// `npm start -- --accept-audit-gap "reason"`: start once over an audit log whose end cannot be
// vouched for (see README, audit log); the reason is recorded in the log. Passed on as the env.
const argv = process.argv.slice(2);
const gapAt = argv.findIndex((a) => a === "--accept-audit-gap" || a.startsWith("--accept-audit-gap="));
if (gapAt >= 0) {
  const reason = argv[gapAt].includes("=") ? argv[gapAt].slice(argv[gapAt].indexOf("=") + 1) : argv[gapAt + 1];
  if (!reason || reason.startsWith("--") || !reason.trim()) {
    process.stderr.write('usage: npm start -- --accept-audit-gap "why the gap is known and accepted"\n');
    process.exit(2);
  }
  process.env.OPSDECK_ACCEPT_AUDIT_GAP = reason;
}

const sources = ["app", "plugins", "remix.config.js", "package.json"].map((p) => newestMtime(path.join(root, p)));
const built = fs.statSync(buildFile, { throwIfNoEntry: false })?.mtimeMs ?? 0;
if (built < Math.max(...sources)) {
  process.stdout.write("Building the portal…\n");
  const r = spawnSync(process.execPath, [path.join(root, "node_modules/@remix-run/dev/dist/cli.js"), "build"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
await import(url.pathToFileURL(path.join(root, "server/index.js")).href);
