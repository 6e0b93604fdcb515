// Opsdeck's HTTP server: loads the Remix server build and lets it boot the portal, so the
// middleware and the routes share one copy of the core services.
import path from "node:path";
import url from "node:url";

const root = path.resolve(path.dirname(url.fileURLToPath(import.meta.url)), "..");
process.env.OPSDECK_ROOT ??= root;
process.chdir(process.env.OPSDECK_CWD ?? root);
process.env.NODE_ENV ??= "production";

// OPSDECK_BUILD_DIR: a build made with the same variable (remix.config.js), else build/.
const buildDir = process.env.OPSDECK_BUILD_DIR ? path.resolve(root, process.env.OPSDECK_BUILD_DIR) : path.join(root, "build");
const build = await import(url.pathToFileURL(path.join(buildDir, "index.js")).href);
const { startPortal, ConfigError } = build.entry.module;

try {
  const { portal } = await startPortal(build);
  if (portal.demo.enabled && !process.env.OPSDECK_DEMO_PASSWORD) {
    process.stdout.write(`\nDemo mode. Sign in as viewer, responder, admin, admin2 or manager with password: ${portal.demo.password}\n\n`);
  }
} catch (err) {
  if (err instanceof ConfigError || err?.name === "ConfigError") {
    process.stderr.write(`Opsdeck cannot start, the configuration has problems:\n${err.problems.map((p) => `  ${p}`).join("\n")}\n`);
  } else if (err?.code === "EADDRINUSE") {
    process.stderr.write(`Opsdeck cannot start: port ${err.port} is already in use (set PORT).\n`);
  } else {
    process.stderr.write(`Opsdeck cannot start: ${err?.message ?? err}\n`);
  }
  process.exit(1);
}
