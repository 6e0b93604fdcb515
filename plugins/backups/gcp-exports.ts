// Managed Firestore exports in a GCP project, watched read-only: the Firestore Admin API's
// long-running operations (`exportDocuments`) and the Cloud Storage bucket they write to.
//
//   GET {adminUrl}/v1/projects/{project}/databases/{database}/operations   → { operations, nextPageToken }
//   GET {storageUrl}/storage/v1/b/{bucket}/o?prefix=…&delimiter=/           → { prefixes, items, nextPageToken }
//
// An export the Admin API calls SUCCESSFUL is trusted only when its folder is still in the bucket
// with its `.overall_export_metadata` file: a lifecycle rule or a person may have deleted it since.
//
// Access tokens are minted from a service account (google-auth-library's JWT: an RS256 assertion
// POSTed to the key's token_uri) and minted again before they expire; a static token is a fallback.
import fs from "node:fs";
import crypto from "node:crypto";
import { GoogleAuth, JWT } from "google-auth-library";
import { z } from "zod";
import { DurationSchema, formatAge, parseDuration, probe, secret, type ProbeDefinition } from "../plugin-api";
import { formatBytes } from "./engine";

export const GcpExportsSchema = z
  .object({
    project: z
      .string()
      .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "a GCP project id (6–30 lower-case letters, digits or hyphens)")
      .describe("The GCP project whose Firestore exports are watched, e.g. wildlife-exchange-prod."),
    database: z.string().min(1).default("(default)").describe("The Firestore database id."),
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, "a Cloud Storage bucket name, without gs://")
      .describe("The Cloud Storage bucket the exports go to, without gs://."),
    prefix: z.string().default("").describe("The folder inside the bucket the exports are written under, e.g. exports/."),
    clientEmail: z.string().email().optional().describe("The service account's e-mail, e.g. ${GCP_CLIENT_EMAIL}; with privateKey. Its tokens are minted and refreshed by the portal."),
    privateKey: secret(z.string().min(1))
      .optional()
      .describe("The service account's PEM private key, e.g. ${GCP_PRIVATE_KEY}, with real newlines or \\n escapes; with clientEmail."),
    serviceAccountFile: z.string().min(1).optional().describe("Path to the service account's JSON key file (its client_email, private_key and token_uri are used)."),
    serviceAccountJson: secret(z.string().min(1)).optional().describe("The service account's JSON key itself, e.g. ${GCP_SERVICE_ACCOUNT}."),
    applicationDefault: z.boolean().optional().describe("true: Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, or the metadata server on Google Cloud)."),
    tokenUri: z
      .string()
      .url()
      .optional()
      .describe("Where service-account tokens are minted; default the key's token_uri, else https://oauth2.googleapis.com/token."),
    token: secret(z.string().min(1))
      .optional()
      .describe("Fallback only: a static OAuth access token, e.g. ${GCP_ACCESS_TOKEN}. It expires within the hour and is not refreshed; prefer a service account."),
    adminUrl: z.string().url().default("https://firestore.googleapis.com").describe("Base URL of the Firestore Admin API (a sandbox or a private endpoint)."),
    storageUrl: z.string().url().default("https://storage.googleapis.com").describe("Base URL of the Cloud Storage JSON API (a sandbox or a private endpoint)."),
    maxAge: DurationSchema.default("26h").describe("Older than this, the newest successful export counts as stale (warn; twice as old is critical)."),
  })
  .strict()
  .superRefine((c, ctx) => {
    const sources = [
      (c.clientEmail || c.privateKey) && "clientEmail + privateKey",
      c.serviceAccountFile && "serviceAccountFile",
      c.serviceAccountJson && "serviceAccountJson",
      c.applicationDefault && "applicationDefault",
      c.token && "token",
    ].filter(Boolean);
    if (sources.length === 0) ctx.addIssue({ code: "custom", path: ["clientEmail"], message: "set a service account (clientEmail + privateKey, serviceAccountFile or serviceAccountJson), applicationDefault: true, or a static token" });
    if (sources.length > 1) ctx.addIssue({ code: "custom", message: `set only one credential, not ${sources.join(" and ")}` });
    if (c.clientEmail && !c.privateKey) ctx.addIssue({ code: "custom", path: ["privateKey"], message: "clientEmail needs privateKey" });
    if (c.privateKey && !c.clientEmail) ctx.addIssue({ code: "custom", path: ["clientEmail"], message: "privateKey needs clientEmail" });
  });
export type GcpExportsConfig = z.infer<typeof GcpExportsSchema>;

export const GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";
/** Read-only: the Admin API's operations list and the bucket's listing. */
export const GCP_SCOPES = ["https://www.googleapis.com/auth/datastore", "https://www.googleapis.com/auth/devstorage.read_only"];

/** A PEM key as it arrives from an environment variable: `\n` escapes, quotes or CRLF around it. */
function normalizePem(key: string): string {
  let k = key.trim();
  if ((k.startsWith('"') && k.endsWith('"')) || (k.startsWith("'") && k.endsWith("'"))) k = k.slice(1, -1);
  return `${k.replace(/\\r\\n|\\n/g, "\n").replace(/\r\n/g, "\n").trim()}\n`;
}

export interface GcpServiceAccount {
  email: string;
  key: string;
  tokenUri: string;
  source: string;
}

/** The service account a config names, its key checked (never echoed), or null when it names none. */
export function gcpServiceAccount(c: GcpExportsConfig): GcpServiceAccount | null {
  let sa: GcpServiceAccount | null = null;
  if (c.clientEmail && c.privateKey) sa = { email: c.clientEmail, key: normalizePem(c.privateKey), tokenUri: GOOGLE_TOKEN_URI, source: "gcp.privateKey" };
  const json = c.serviceAccountJson ?? (c.serviceAccountFile ? fs.readFileSync(c.serviceAccountFile, "utf8") : undefined);
  if (json !== undefined) {
    const source = c.serviceAccountFile ? `gcp.serviceAccountFile (${c.serviceAccountFile})` : "gcp.serviceAccountJson";
    let parsed: { client_email?: unknown; private_key?: unknown; token_uri?: unknown };
    try {
      // A key pasted with its private_key's real newlines is not strict JSON; escape them inside strings.
      parsed = JSON.parse(json.replace(/"(?:[^"\\]|\\.)*"/gs, (str) => str.replace(/\r?\n/g, "\\n")));
    } catch {
      throw new GcpApiError(`${source}: not valid JSON (a service account key file from the Cloud console)`);
    }
    if (typeof parsed.client_email !== "string" || typeof parsed.private_key !== "string") throw new GcpApiError(`${source}: has no client_email and private_key (is it a service account key?)`);
    sa = { email: parsed.client_email, key: normalizePem(parsed.private_key), tokenUri: typeof parsed.token_uri === "string" ? parsed.token_uri : GOOGLE_TOKEN_URI, source };
  }
  if (!sa) return null;
  try {
    crypto.createPrivateKey(sa.key);
  } catch {
    throw new GcpApiError(`${sa.source}: the private key is not a PEM private key (it should start with -----BEGIN PRIVATE KEY-----)`);
  }
  return c.tokenUri ? { ...sa, tokenUri: c.tokenUri } : sa;
}

export interface GcpAuth {
  /** How the token is had: "service account <email>", "application default credentials" or "static token". */
  kind: string;
  /** An Authorization header value with a currently valid token. */
  authorization(): Promise<string>;
}

/**
 * The token source a config names. A service account's tokens are minted by google-auth-library
 * and cached until `eagerRefreshMs` before they expire (5 minutes unless a test says otherwise).
 */
export function gcpAuth(c: GcpExportsConfig, opts: { eagerRefreshMs?: number } = {}): GcpAuth {
  const sa = gcpServiceAccount(c);
  if (sa) {
    // The token endpoint's address is fixed in the library; the assertion's aud names the one used.
    const jwt = new JWT({ email: sa.email, key: sa.key, scopes: GCP_SCOPES, additionalClaims: { aud: sa.tokenUri }, ...(opts.eagerRefreshMs ? { eagerRefreshThresholdMillis: opts.eagerRefreshMs } : {}) });
    if (sa.tokenUri !== GOOGLE_TOKEN_URI) {
      jwt.transporter.interceptors.request.add({
        resolved: async (o) => {
          if (String(o.url) === GOOGLE_TOKEN_URI) o.url = new URL(sa.tokenUri);
          return o;
        },
      });
    }
    return {
      kind: `service account ${sa.email}`,
      async authorization() {
        try {
          const { token } = await jwt.getAccessToken();
          if (!token) throw new Error("the token endpoint answered no access_token");
          return `Bearer ${token}`;
        } catch (err) {
          throw new GcpApiError(`minting an access token for ${sa.email} at ${sa.tokenUri}: ${(err as Error).message}`);
        }
      },
    };
  }
  if (c.applicationDefault) {
    const auth = new GoogleAuth({ scopes: GCP_SCOPES });
    return {
      kind: "application default credentials",
      async authorization() {
        try {
          const token = await auth.getAccessToken();
          if (!token) throw new Error("no access token");
          return `Bearer ${token}`;
        } catch (err) {
          throw new GcpApiError(`Application Default Credentials: ${(err as Error).message}`);
        }
      },
    };
  }
  const token = c.token ?? "";
  return { kind: "static token", authorization: async () => `Bearer ${token}` };
}

const METADATA_TYPE = "type.googleapis.com/google.firestore.admin.v1.ExportDocumentsMetadata";

/** One `exportDocuments` operation as the Admin API reports it. */
export interface ExportOperation {
  name: string;
  done?: boolean;
  error?: { code?: number; message?: string };
  metadata?: {
    "@type"?: string;
    startTime?: string;
    endTime?: string;
    operationState?: string;
    progressDocuments?: { completedWork?: string; estimatedWork?: string };
    progressBytes?: { completedWork?: string; estimatedWork?: string };
    collectionIds?: string[];
    outputUriPrefix?: string;
  };
}

/** One export folder in the bucket. */
export interface ExportFolder {
  prefix: string;
  created: number | null;
  bytes: number;
  objects: number;
  /** The `<name>.overall_export_metadata` file an export writes last. */
  complete: boolean;
}

export class GcpApiError extends Error {}

export function createGcpClient(c: GcpExportsConfig, opts: { fetch?: typeof fetch; auth?: GcpAuth } = {}) {
  const doFetch = opts.fetch ?? fetch;
  const auth = opts.auth ?? gcpAuth(c);
  const get = async <T>(url: string, signal: AbortSignal, what: string): Promise<T> => {
    const res = await doFetch(url, { headers: { authorization: await auth.authorization(), accept: "application/json" }, signal });
    const text = await res.text();
    if (!res.ok) {
      let message = text.slice(0, 200);
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
      } catch {
        /* not JSON */
      }
      throw new GcpApiError(`${what}: HTTP ${res.status}${message ? ` — ${message}` : ""}`);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new GcpApiError(`${what}: the answer is not JSON`);
    }
  };
  const base = (u: string) => u.replace(/\/+$/, "");
  return {
    auth,
    /** Export operations, newest first (at most `max`, following page tokens). */
    async exportOperations(signal: AbortSignal, max = 100): Promise<ExportOperation[]> {
      const out: ExportOperation[] = [];
      let pageToken = "";
      for (let page = 0; page < 10 && out.length < max; page++) {
        const url = `${base(c.adminUrl)}/v1/projects/${encodeURIComponent(c.project)}/databases/${encodeURIComponent(c.database)}/operations?pageSize=100${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ""}`;
        const body = await get<{ operations?: ExportOperation[]; nextPageToken?: string }>(url, signal, "Firestore Admin API operations");
        for (const op of body.operations ?? []) if (op.metadata?.["@type"] === METADATA_TYPE) out.push(op);
        if (!body.nextPageToken) break;
        pageToken = body.nextPageToken;
      }
      return out.sort((a, b) => Date.parse(b.metadata?.startTime ?? "") - Date.parse(a.metadata?.startTime ?? "")).slice(0, max);
    },
    /** Export folders under the prefix, each with its size and whether it is complete. */
    async exportFolders(signal: AbortSignal): Promise<ExportFolder[]> {
      const list = async (prefix: string, delimiter: boolean) => {
        const prefixes: string[] = [];
        const items: { name: string; size?: string; timeCreated?: string }[] = [];
        let pageToken = "";
        for (let page = 0; page < 20; page++) {
          const url = `${base(c.storageUrl)}/storage/v1/b/${encodeURIComponent(c.bucket)}/o?prefix=${encodeURIComponent(prefix)}${delimiter ? "&delimiter=%2F" : ""}${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ""}`;
          const body = await get<{ prefixes?: string[]; items?: typeof items; nextPageToken?: string }>(url, signal, "Cloud Storage listing");
          prefixes.push(...(body.prefixes ?? []));
          items.push(...(body.items ?? []));
          if (!body.nextPageToken) break;
          pageToken = body.nextPageToken;
        }
        return { prefixes, items };
      };
      const top = await list(c.prefix, true);
      // The newest folders are the ones that matter; each costs one listing.
      const folders = top.prefixes.sort().reverse().slice(0, 40);
      return Promise.all(
        folders.map(async (prefix) => {
          const { items } = await list(prefix, false);
          const name = prefix.replace(/\/$/, "").split("/").pop()!;
          const created = items.reduce<number | null>((min, i) => {
            const t = Date.parse(i.timeCreated ?? "");
            return Number.isFinite(t) && (min === null || t < min) ? t : min;
          }, null);
          return {
            prefix,
            created,
            bytes: items.reduce((n, i) => n + (Number(i.size) || 0), 0),
            objects: items.length,
            complete: items.some((i) => i.name === `${prefix}${name}.overall_export_metadata`),
          };
        }),
      );
    },
  };
}

const hours = (ms: number) => Math.round((ms / 3_600_000) * 10) / 10;

/** The bucket folder an operation wrote to (`gs://bucket/prefix/name` → `prefix/name/`), or null. */
export function folderOf(op: ExportOperation, bucket: string): string | null {
  const uri = op.metadata?.outputUriPrefix;
  if (!uri?.startsWith(`gs://${bucket}/`)) return null;
  const path = uri.slice(`gs://${bucket}/`.length).replace(/\/*$/, "/");
  return path === "/" ? null : path;
}

/**
 * A read that callers within `ttlMs` of each other share. It runs on its own timeout, so one
 * caller giving up does not fail the others; a failed read is not kept.
 */
function sharedRead<T>(read: (signal: AbortSignal) => Promise<T>, ttlMs: number, timeoutMs = 15_000): (signal: AbortSignal, now: number) => Promise<T> {
  let last: { at: number; value: Promise<T> } | null = null;
  return (signal, now) => {
    if (!last || now - last.at > ttlMs || now < last.at) {
      const value = read(AbortSignal.timeout(timeoutMs));
      const entry = { at: now, value };
      last = entry;
      value.catch(() => {
        if (last === entry) last = null;
      });
    }
    const shared = last.value;
    return new Promise<T>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const stop = () => reject(signal.reason);
      signal.addEventListener("abort", stop, { once: true });
      shared.then(resolve, reject).finally(() => signal.removeEventListener("abort", stop));
    });
  };
}

/** The probes: the export operations (`gcp-exports`) and the bucket's folders (`gcp-export-folders`). */
export function gcpExportProbes(c: GcpExportsConfig, client = createGcpClient(c)): ProbeDefinition[] {
  const maxAge = parseDuration(c.maxAge);
  const where = `gs://${c.bucket}/${c.prefix}`;
  // Both probes read the bucket's folders, one listing per folder: one listing serves both.
  const listFolders = sharedRead((signal) => client.exportFolders(signal), 60_000);
  return [
    probe({
      id: "gcp-exports",
      title: `Managed Firestore exports of ${c.project}`,
      description: `The Firestore Admin API's export operations, each checked against its folder in ${where}: hours since the newest successful export that is still complete in the bucket.`,
      unit: "h",
      every: "5m",
      timeout: "15s",
      thresholds: { warn: `> ${hours(maxAge)}`, critical: `> ${hours(2 * maxAge)}` },
      async read(ctx) {
        const now = ctx.now().getTime();
        const [ops, folders] = await Promise.all([client.exportOperations(ctx.signal), listFolders(ctx.signal, now)]);
        const byPrefix = new Map(folders.map((f) => [f.prefix, f]));
        /** The operation's folder in the bucket, as listed (undefined when missing or elsewhere). */
        const listed = new Map(ops.map((op) => [op, byPrefix.get(folderOf(op, c.bucket) ?? "")]));
        const rows = ops.slice(0, 30).map((op) => {
          const m = op.metadata ?? {};
          const folder = folderOf(op, c.bucket);
          const inBucket = listed.get(op);
          return {
            started: m.startTime ?? "",
            state: m.operationState ?? (op.done ? "DONE" : "RUNNING"),
            took: m.startTime && m.endTime ? `${Math.round((Date.parse(m.endTime) - Date.parse(m.startTime)) / 1000)} s` : "",
            documents: m.progressDocuments?.completedWork ?? "",
            size: m.progressBytes?.completedWork ? formatBytes(Number(m.progressBytes.completedWork)) : "",
            collections: (m.collectionIds ?? []).join(", ") || "all",
            output: m.outputUriPrefix ?? "",
            "in bucket": !folder ? "not in the watched bucket" : !inBucket ? "folder missing" : inBucket.complete ? "complete" : "incomplete (no overall_export_metadata)",
            error: op.error?.message ?? "",
          };
        });
        const proven = ops.find((op) => op.metadata?.operationState === "SUCCESSFUL" && listed.get(op)?.complete);
        const newest = ops[0];
        const lost = ops.filter((op) => op.metadata?.operationState === "SUCCESSFUL" && now - Date.parse(op.metadata.endTime ?? "") < 30 * 86_400_000 && !listed.get(op)?.complete);
        if (!proven) return { value: null, status: "critical", summary: ops.length ? `no successful export of ${c.project} is complete in ${where}` : `no export operations in ${c.project}`, rows };
        const age = now - Date.parse(proven.metadata!.endTime ?? proven.metadata!.startTime!);
        const notes: string[] = [];
        if (newest && newest !== proven && newest.metadata?.operationState === "FAILED") notes.push(`newest export FAILED: ${newest.error?.message ?? "no message"}`);
        if (newest && newest.metadata && !newest.done && newest.metadata.startTime && now - Date.parse(newest.metadata.startTime) > 3 * 3_600_000) notes.push(`an export has been ${newest.metadata.operationState ?? "running"} for ${formatAge(now - Date.parse(newest.metadata.startTime))}`);
        const failedRecently = ops.filter((op) => op !== newest && op.metadata?.operationState === "FAILED" && now - Date.parse(op.metadata.startTime ?? "") < 7 * 86_400_000);
        if (failedRecently.length) notes.push(`${failedRecently.length} export${failedRecently.length === 1 ? "" : "s"} FAILED in the last 7 days (${failedRecently[0]!.metadata!.startTime!.slice(0, 10)}: ${failedRecently[0]!.error?.message ?? "no message"})`);
        if (lost.length) notes.push(`${lost.length} successful export${lost.length === 1 ? "'s folder is" : "s' folders are"} missing or incomplete in the bucket`);
        const m = proven.metadata!;
        return {
          value: hours(age),
          summary: `newest complete export ${formatAge(age)} ago (${m.progressDocuments?.completedWork ?? "?"} documents, ${m.progressBytes?.completedWork ? formatBytes(Number(m.progressBytes.completedWork)) : "size unknown"})${notes.length ? `; ${notes.join("; ")}` : ""}`,
          ...(notes.length ? { status: newest?.metadata?.operationState === "FAILED" ? ("critical" as const) : ("warn" as const) } : {}),
          rows,
        };
      },
    }),
    probe({
      id: "gcp-export-folders",
      title: `Export folders in ${where}`,
      description: "The export folders in the bucket, newest first, with their size and whether each is complete (has its overall_export_metadata file).",
      every: "5m",
      timeout: "15s",
      async read(ctx) {
        const folders = await listFolders(ctx.signal, ctx.now().getTime());
        const incomplete = folders.filter((f) => !f.complete);
        const now = ctx.now().getTime();
        return {
          value: folders.length,
          status: incomplete.length ? "warn" : "ok",
          summary: `${folders.length} export folders${folders.length === 40 ? " (newest 40)" : ""}, ${formatBytes(folders.reduce((n, f) => n + f.bytes, 0))}${incomplete.length ? `; ${incomplete.length} incomplete: ${incomplete.slice(0, 3).map((f) => f.prefix).join(", ")}` : ""}`,
          rows: folders.map((f) => ({
            folder: `gs://${c.bucket}/${f.prefix}`,
            created: f.created === null ? "" : new Date(f.created).toISOString().replace(/\.\d+Z$/, "Z"),
            age: f.created === null ? "" : formatAge(now - f.created),
            size: formatBytes(f.bytes),
            objects: f.objects,
            complete: f.complete ? "yes" : "no",
          })),
        };
      },
    }),
  ];
}
