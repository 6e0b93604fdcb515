// The only file that holds firebase-admin: the rest of the plugin gets a Firestore handle from here.
import fs from "node:fs";
import crypto from "node:crypto";
import { applicationDefault, cert, deleteApp, initializeApp, type App, type AppOptions, type Credential } from "firebase-admin/app";
import { GoogleAuth } from "google-auth-library";
import { DocumentReference, FieldPath, FieldValue, Firestore, GeoPoint, Timestamp, getFirestore, type Settings } from "firebase-admin/firestore";

export { DocumentReference, FieldPath, FieldValue, Firestore, GeoPoint, Timestamp };
export type { DocumentData, DocumentSnapshot, Query, QueryDocumentSnapshot, Transaction, WhereFilterOp } from "firebase-admin/firestore";

export interface FirestoreConnection {
  projectId: string;
  clientEmail?: string;
  privateKey?: string;
  serviceAccountFile?: string;
  serviceAccountJson?: string;
  applicationDefault?: boolean;
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

export interface ServiceAccountKey {
  clientEmail: string;
  privateKey: string;
  projectId?: string;
  /** The config key the key came from, for start errors. */
  source: string;
}

/**
 * JSON forbids raw control characters inside strings, but a key pasted into an environment
 * variable often has its private_key's newlines made real: escape them back before parsing.
 */
function escapeNewlinesInStrings(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString && ch === "\\") {
      out += ch + (text[i + 1] ?? "");
      i++;
      continue;
    }
    if (ch === '"') inString = !inString;
    if (inString && ch === "\n") out += "\\n";
    else if (inString && ch === "\r") out += "\\r";
    else out += ch;
  }
  return out;
}

/** A PEM key as it arrives from an environment variable: `\n` escapes, quotes or CRLF around it. */
export function normalizePrivateKey(key: string): string {
  let k = key.trim();
  if ((k.startsWith('"') && k.endsWith('"')) || (k.startsWith("'") && k.endsWith("'"))) k = k.slice(1, -1);
  return `${k.replace(/\\r\\n|\\n/g, "\n").replace(/\r\n/g, "\n").trim()}\n`;
}

function checkPem(sa: ServiceAccountKey): void {
  try {
    crypto.createPrivateKey(sa.privateKey);
  } catch {
    // Never echo the text: it is the key.
    throw new Error(`${sa.source}: the private key is not a PEM private key (it should start with -----BEGIN PRIVATE KEY-----)`);
  }
}

/**
 * The firebase-admin credential a connection uses; none beside an emulator, which checks no
 * credentials (the key is still parsed, so a malformed one fails the start the same way).
 */
export function firebaseCredential(conn: FirestoreConnection): Credential | undefined {
  const sa = serviceAccountKey(conn);
  if (conn.emulatorHost) return undefined;
  if (sa) {
    checkPem(sa);
    return cert({ projectId: conn.projectId, clientEmail: sa.clientEmail, privateKey: sa.privateKey });
  }
  return conn.applicationDefault ? applicationDefault() : undefined;
}

/** The service-account key a connection names, or null when it uses application-default credentials or an emulator only. */
export function serviceAccountKey(conn: Omit<FirestoreConnection, "projectId">): ServiceAccountKey | null {
  if (conn.clientEmail && conn.privateKey) return { clientEmail: conn.clientEmail, privateKey: normalizePrivateKey(conn.privateKey), source: "privateKey" };
  if (!conn.serviceAccountJson && !conn.serviceAccountFile) return null;
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
    parsed = JSON.parse(escapeNewlinesInStrings(text.trim()));
  } catch {
    // Never echo the text: it holds a private key.
    throw new Error(`${source}: not valid JSON`);
  }
  const sa = parsed as Record<string, unknown>;
  if (!sa || typeof sa !== "object" || typeof sa.private_key !== "string" || typeof sa.client_email !== "string") {
    throw new Error(`${source}: not a service-account key (needs client_email and private_key)`);
  }
  return {
    clientEmail: sa.client_email,
    privateKey: normalizePrivateKey(sa.private_key),
    projectId: typeof sa.project_id === "string" && sa.project_id ? sa.project_id : undefined,
    source,
  };
}

/** A user-managed service account's e-mail names its project: name@PROJECT.iam.gserviceaccount.com. */
export function projectFromEmail(email: string): string | undefined {
  return /@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/.exec(email)?.[1];
}

/**
 * Application-default credentials' project without a network call: GOOGLE_CLOUD_PROJECT or
 * GCLOUD_PROJECT, else the key file GOOGLE_APPLICATION_CREDENTIALS names.
 */
function applicationDefaultProject(env: NodeJS.ProcessEnv): string | undefined {
  const named = env.GOOGLE_CLOUD_PROJECT || env.GCLOUD_PROJECT;
  if (named) return named;
  const file = env.GOOGLE_APPLICATION_CREDENTIALS;
  if (!file) return undefined;
  try {
    const json = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
    const id = json.project_id ?? json.quota_project_id;
    return typeof id === "string" && id ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The project a connection talks to: the one configured, else the credential's. Undefined only
 * for application-default credentials that say nothing locally (the metadata server knows).
 */
export function credentialProjectId(conn: Omit<FirestoreConnection, "projectId"> & { projectId?: string }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (conn.projectId) return conn.projectId;
  const sa = serviceAccountKey(conn);
  if (sa) return sa.projectId ?? projectFromEmail(sa.clientEmail);
  if (conn.applicationDefault) return applicationDefaultProject(env);
  return undefined;
}

/** Asks application-default credentials for their project (the metadata server on Google Cloud). */
export async function detectApplicationDefaultProject(): Promise<string> {
  const auth = new GoogleAuth();
  return auth.getProjectId();
}

/** A firebase-admin Firestore on its own named app, so plugin instances never share state. */
export function createFirestoreClient(conn: FirestoreConnection, opts: { useBigInt?: boolean } = {}): FirestoreClient {
  const name = `opsdeck-firestore-${crypto.randomBytes(6).toString("hex")}`;
  const options: AppOptions = { projectId: conn.projectId };
  const credential = firebaseCredential(conn);
  if (credential) options.credential = credential;
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
