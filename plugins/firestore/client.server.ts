// The only file that holds firebase-admin: the rest of the plugin gets a Firestore handle from here.
import fs from "node:fs";
import crypto from "node:crypto";
import { cert, deleteApp, initializeApp, type App, type AppOptions } from "firebase-admin/app";
import { DocumentReference, FieldPath, FieldValue, Firestore, GeoPoint, Timestamp, getFirestore, type Settings } from "firebase-admin/firestore";

export { DocumentReference, FieldPath, FieldValue, Firestore, GeoPoint, Timestamp };
export type { DocumentData, DocumentSnapshot, Query, QueryDocumentSnapshot, Transaction, WhereFilterOp } from "firebase-admin/firestore";

export interface FirestoreConnection {
  projectId: string;
  serviceAccountFile?: string;
  serviceAccountJson?: string;
  emulatorHost?: string;
  databaseId?: string;
}

export interface FirestoreClient {
  db: Firestore;
  /** True when talking to an emulator (which cannot evaluate nested field paths in filters). */
  emulator: boolean;
  close(): Promise<void>;
}

const EMULATOR_ENV = "FIRESTORE_EMULATOR_HOST";

/**
 * The Firestore SDK reads FIRESTORE_EMULATOR_HOST when the instance is constructed, and the
 * variable is process-global. Set it (or clear it) only for the synchronous construction of this
 * plugin instance's Firestore, then put back whatever was there, so a production instance and an
 * emulator instance can live in one process.
 */
function withEmulatorEnv<T>(host: string | undefined, build: () => T): T {
  const previous = process.env[EMULATOR_ENV];
  if (host) process.env[EMULATOR_ENV] = host;
  else delete process.env[EMULATOR_ENV];
  try {
    return build();
  } finally {
    if (previous === undefined) delete process.env[EMULATOR_ENV];
    else process.env[EMULATOR_ENV] = previous;
  }
}

function serviceAccount(conn: FirestoreConnection): Record<string, string> {
  let text: string;
  let source: string;
  if (conn.serviceAccountJson) {
    text = conn.serviceAccountJson;
    source = "serviceAccountJson";
  } else {
    source = "serviceAccountFile";
    try {
      text = fs.readFileSync(conn.serviceAccountFile!, "utf8");
    } catch (err) {
      throw new Error(`${source}: cannot read ${conn.serviceAccountFile}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Never echo the text: it holds a private key.
    throw new Error(`${source}: not valid JSON`);
  }
  const sa = parsed as Record<string, string>;
  if (!sa || typeof sa !== "object" || typeof sa.private_key !== "string" || typeof sa.client_email !== "string") {
    throw new Error(`${source}: not a service-account key (needs client_email and private_key)`);
  }
  return sa;
}

/** A firebase-admin Firestore on its own named app, so plugin instances never share state. */
export function createFirestoreClient(conn: FirestoreConnection, opts: { useBigInt?: boolean } = {}): FirestoreClient {
  const name = `opsdeck-firestore-${crypto.randomBytes(6).toString("hex")}`;
  const options: AppOptions = { projectId: conn.projectId };
  if (!conn.emulatorHost) {
    const sa = serviceAccount(conn);
    options.credential = cert({ projectId: conn.projectId, clientEmail: sa.client_email, privateKey: sa.private_key });
  }
  const app: App = initializeApp(options, name);
  const db = withEmulatorEnv(conn.emulatorHost, () => {
    const firestore = conn.databaseId ? getFirestore(app, conn.databaseId) : getFirestore(app);
    // Without credentials (emulator) the gRPC layer asks application-default auth for its
    // universe domain, which probes the GCE metadata server: name it so nothing is probed.
    // useBigInt (backups): integers read as BigInt, so an integer and a double stay apart.
    const settings: Settings = { ...(conn.emulatorHost ? { universeDomain: "googleapis.com" } : {}), ...(opts.useBigInt ? { useBigInt: true } : {}) } as Settings;
    if (Object.keys(settings).length) firestore.settings(settings);
    return firestore;
  });
  let closed = false;
  return {
    db,
    emulator: !!conn.emulatorHost,
    async close() {
      if (closed) return;
      closed = true;
      await deleteApp(app);
    },
  };
}

/** A document's update time as an opaque, exact token ("seconds.nanoseconds"). */
export function updateTimeToken(t: Timestamp): string {
  return `${t.seconds}.${String(t.nanoseconds).padStart(9, "0")}`;
}

export function updateTimeFromToken(token: string): Timestamp | null {
  const m = /^(\d+)\.(\d{9})$/.exec(token);
  return m ? new Timestamp(Number(m[1]), Number(m[2])) : null;
}
