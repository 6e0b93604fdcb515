// SQLite's WAL checkpoints, off the event loop.
//
// In WAL mode every commit appends to the -wal file, and by default the commit that takes it past
// 1000 pages copies the WAL back into the database and fsyncs it, inline, on the one thread that
// also serves every request: a busy write path (cron pings, audit appends) stalled all requests for
// several milliseconds every few hundred writes. Here a worker thread with its own connection runs
// PASSIVE checkpoints (they never block the writer or wait for readers) on a short interval, and the
// main connection's automatic checkpoint is turned off only while that worker is alive. If the worker
// cannot start or dies, the main connection checkpoints automatically again, as SQLite does by default.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type SQLite from "better-sqlite3";

/** SQLite's own default for `wal_autocheckpoint`, restored whenever the worker is not running. */
export const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

// CommonJS, evaluated in the worker: the server build is one bundled file, so the worker's code
// cannot be a module of its own; the driver is required by its resolved path.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma("busy_timeout = 1000");
let timer = null;
let stopping = false;
function checkpoint() {
  let [r] = db.pragma("wal_checkpoint(PASSIVE)");
  let restarted = false;
  // Under writes without a pause the writer never finds the WAL fully copied back, so it never
  // starts it over and the file grows without end. Past the cap, RESTART waits for the writer's
  // current transaction, copies the little PASSIVE left and makes the next commit start the WAL over.
  if (r && r.log > workerData.maxFrames) {
    // Once more without blocking first, so the writer waits only for what came in meanwhile.
    db.pragma("wal_checkpoint(PASSIVE)");
    [r] = db.pragma("wal_checkpoint(RESTART)");
    restarted = true;
  }
  if (r) parentPort.postMessage({ type: "checkpointed", frames: r.checkpointed, log: r.log, restarted });
}
function round() {
  timer = null;
  if (stopping) return;
  try {
    checkpoint();
  } catch (err) {
    parentPort.postMessage({ type: "problem", message: String(err && err.message || err) });
  }
  timer = setTimeout(round, workerData.everyMs);
}
parentPort.on("message", (m) => {
  if (m !== "stop") return;
  stopping = true;
  if (timer) clearTimeout(timer);
  try { checkpoint(); } catch {}
  db.close();
  parentPort.postMessage({ type: "stopped" });
  parentPort.close();
});
parentPort.postMessage({ type: "ready" });
timer = setTimeout(round, workerData.everyMs);
`;

export interface Checkpointer {
  /** True while the worker checkpoints (and the main connection's automatic checkpoint is off). */
  readonly active: boolean;
  /** Frames in the WAL and how many of them were copied back, at the worker's last round. */
  readonly last: { log: number; checkpointed: number } | null;
  /** Rounds that had to make the WAL start over (it had passed `maxFrames` under steady writes). */
  readonly restarts: number;
  /** The last error the worker reported, if any. */
  readonly lastProblem: string | null;
  /** Resolves once the worker is checkpointing (true) or has given up (false). */
  readonly ready: Promise<boolean>;
  /** A last checkpoint, then the worker ends; the main connection checkpoints automatically again. */
  stop(): Promise<void>;
}

export function startCheckpointer(sqlite: SQLite.Database, file: string, options: { everyMs?: number; maxFrames?: number } = {}): Checkpointer {
  const everyMs = options.everyMs ?? 100;
  // 16 000 frames of 4 KiB: the WAL stays under about 64 MB, and under steady writes the writer
  // waits for a RESTART once per 16 times as many pages as SQLite's automatic checkpoint made it wait.
  const maxFrames = options.maxFrames ?? 16 * DEFAULT_AUTOCHECKPOINT_PAGES;
  const restore = () => {
    if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  };
  let active = false;
  let last: { log: number; checkpointed: number } | null = null;
  let restarts = 0;
  let lastProblem: string | null = null;
  let settle: (ok: boolean) => void = () => {};
  const ready = new Promise<boolean>((resolve) => (settle = resolve));
  let worker: Worker;
  try {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, everyMs, maxFrames } });
  } catch (err) {
    lastProblem = (err as Error).message;
    settle(false);
    return { active: false, last: null, restarts: 0, lastProblem, ready, stop: async () => {} };
  }
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  worker.on("message", (m: { type: string; frames?: number; log?: number; restarted?: boolean; message?: string }) => {
    if (m.type === "ready") {
      if (!sqlite.open) return;
      sqlite.pragma("wal_autocheckpoint = 0");
      active = true;
      settle(true);
    } else if (m.type === "checkpointed") {
      last = { log: m.log ?? 0, checkpointed: m.frames ?? 0 };
      if (m.restarted) restarts++;
    }
    else if (m.type === "problem") lastProblem = m.message ?? "unknown";
  });
  worker.on("error", (err) => {
    lastProblem = err.message;
  });
  void exited.then(() => {
    active = false;
    restore();
    settle(false);
  });
  return {
    get active() {
      return active;
    },
    get last() {
      return last;
    },
    get restarts() {
      return restarts;
    },
    get lastProblem() {
      return lastProblem;
    },
    ready,
    async stop() {
      // Held open until the worker has made its last checkpoint and closed its connection.
      worker.ref();
      worker.postMessage("stop");
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), 5_000)));
      if ((await Promise.race([exited, timeout])) === "timeout") await worker.terminate();
      clearTimeout(timer);
      await exited;
    },
  };
}
