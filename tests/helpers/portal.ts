import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import pino from "pino";
import YAML from "yaml";
import type { PluginDefinition } from "../../plugins/plugin-api";
import { migrate, openStore, pgConnection, type Store } from "~/core/db/store.server";
import { bootPortal } from "~/core/boot.server";
import type { BootStep, Portal } from "~/core/portal.server";

export const DIALECTS = ["sqlite", "postgres"] as const;
export type TestDialect = (typeof DIALECTS)[number];

const PG_ADMIN = process.env.OPSDECK_TEST_PG ?? "postgres://127.0.0.1:5432/test";

/** A fresh, empty database of the given dialect: a temp SQLite file, or a new PostgreSQL database. */
export async function freshDatabaseUrl(dialect: TestDialect): Promise<{ url: string; drop(): Promise<void> }> {
  if (dialect === "sqlite") {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-db-"));
    return { url: path.join(dir, "test.sqlite"), drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `opsdeck_t_${crypto.randomBytes(6).toString("hex")}`;
  const admin = new pg.Client(pgConnection(PG_ADMIN));
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = PG_ADMIN.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    async drop() {
      const c = new pg.Client(pgConnection(PG_ADMIN));
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** A migrated store for tests that need only the database. */
export async function testStore(dialect: TestDialect): Promise<{ store: Store; cleanup(): Promise<void> }> {
  const db = await freshDatabaseUrl(dialect);
  const store = await openStore(db.url);
  await migrate(store);
  return {
    store,
    async cleanup() {
      await store.close();
      await db.drop();
    },
  };
}

export interface TestPortalOptions {
  dialect?: TestDialect;
  /** app-config.yaml content as an object. */
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  plugins?: readonly PluginDefinition[];
  steps?: BootStep[];
  background?: boolean;
  runbooks?: Record<string, string>;
}

/** Boots a whole portal in a temp folder (config, runbooks, data) on a fresh database. */
export async function testPortal(options: TestPortalOptions = {}): Promise<{ portal: Portal; dir: string; cleanup(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-portal-"));
  fs.writeFileSync(path.join(dir, "app-config.yaml"), YAML.stringify(options.config ?? {}));
  fs.mkdirSync(path.join(dir, "runbooks"), { recursive: true });
  for (const [file, text] of Object.entries(options.runbooks ?? {})) {
    fs.mkdirSync(path.dirname(path.join(dir, "runbooks", file)), { recursive: true });
    fs.writeFileSync(path.join(dir, "runbooks", file), text);
  }
  const db = await freshDatabaseUrl(options.dialect ?? "sqlite");
  const portal = await bootPortal({
    cwd: dir,
    env: { OPSDECK_DEMO_PASSWORD: "test-password", SESSION_SECRET: "test-session-secret-0123456789", ...options.env },
    databaseUrl: db.url,
    plugins: options.plugins,
    steps: options.steps,
    background: options.background ?? false,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
  });
  return {
    portal,
    dir,
    async cleanup() {
      await portal.shutdown();
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Request as the portal's middleware would hand it to a route (peer address set). */
export function makeRequest(url: string, init: RequestInit & { peer?: string; cookie?: string } = {}): Request {
  const headers = new Headers(init.headers);
  headers.set("x-opsdeck-peer", init.peer ?? "127.0.0.1");
  headers.set("x-opsdeck-proto", "http");
  if (init.cookie) headers.set("cookie", init.cookie);
  return new Request(new URL(url, "http://localhost"), { ...init, headers });
}

/**
 * Waits until a run has left pending/started (and, with `pastApproval`, awaiting_approval too),
 * polling the store; fails naming the status it was stuck in.
 */
export async function settleRun(portal: Portal, runId: string, options: { timeoutMs?: number; pastApproval?: boolean } = {}) {
  const { getRun } = await import("~/core/actions/runs.server");
  const waiting = options.pastApproval ? ["pending", "started", "awaiting_approval"] : ["pending", "started"];
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const run = await getRun(portal, runId);
    if (run && !waiting.includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run?.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
