// The portal for browser tests: demo mode, fresh data folder, known demo password.
import fs from "node:fs";
import path from "node:path";
import url from "node:url";

const root = path.resolve(path.dirname(url.fileURLToPath(import.meta.url)), "../..");
const dataDir = path.join(root, `tests/.tmp/e2e-${process.env.PORT ?? "default"}`);
fs.rmSync(dataDir, { recursive: true, force: true });
fs.mkdirSync(dataDir, { recursive: true });
process.env.OPSDECK_DATA_DIR = dataDir;
process.env.OPSDECK_DEMO_PASSWORD = "e2e-password";
process.env.LOG_LEVEL ??= "warn";
await import(url.pathToFileURL(path.join(root, "server/index.js")).href);
