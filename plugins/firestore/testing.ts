// Shared by this plugin's tests: a seeded emulator, a firebase-admin client on it, probe/action contexts.
import type { ActionContext, Actor, ProbeContext } from "../plugin-api";
import { createFirestoreClient, type FirestoreClient } from "./client.server";
import { FirestoreConfigSchema, type FirestoreConfig } from "./config";
import { startFirestoreSandbox, wildlifeExchangeConfig, type FirestoreSandbox } from "./sandbox";
import { shopCatalog } from "../../tests/helpers/shop";

export interface SeededFirestore {
  sandbox: FirestoreSandbox;
  client: FirestoreClient;
  config: FirestoreConfig & { projectId: string };
  now: Date;
  stop(): Promise<void>;
}

export async function seededFirestore(opts: { seed?: boolean } = {}): Promise<SeededFirestore> {
  const now = new Date();
  const sandbox = await startFirestoreSandbox({ catalog: opts.seed === false ? undefined : shopCatalog, now });
  const config = { ...FirestoreConfigSchema.parse(wildlifeExchangeConfig(sandbox)), projectId: sandbox.projectId };
  const client = createFirestoreClient(config);
  return {
    sandbox,
    client,
    config,
    now,
    async stop() {
      await client.close();
      await sandbox.stop();
    },
  };
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export function probeContext(now = new Date()): ProbeContext {
  return { signal: new AbortController().signal, log: quiet, now: () => now };
}

export const admin: Actor = { username: "admin", roles: ["admin"] };

export function actionContext(logs: string[] = []): ActionContext {
  return {
    runId: "run-test",
    actor: admin,
    idempotencyKey: "key-test",
    signal: new AbortController().signal,
    log: (m) => logs.push(m),
    progress: () => {},
  };
}

export const previewContext = () => ({ signal: new AbortController().signal, actor: admin });
