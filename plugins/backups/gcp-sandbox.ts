// A sandbox of the two Google APIs the managed-export watch reads, as documented: the Firestore
// Admin API's operations list (google.longrunning.Operation with ExportDocumentsMetadata) and the
// Cloud Storage JSON API's object listing (prefixes with a delimiter, items with sizes as strings,
// page tokens). It holds the demo shop's daily exports at 02:00 UTC for the last 45 days, as its
// bucket's lifecycle left them: dailies kept 30 days, Sundays and firsts of the month longer. One
// export three days ago FAILED, and one folder nine days ago lost its overall_export_metadata.
//
// It also mints access tokens as Google's OAuth 2.0 token endpoint does for a service account
// (RFC 7523 JWT-bearer grant): the RS256 assertion is verified with the account's public key, its
// iss, aud, iat/exp and scope are checked, and only tokens it minted and that have not expired (or
// the static token, when one is set) open the APIs, each API only with its scope.
import crypto from "node:crypto";
import type { DemoRequest, DemoResponse } from "../plugin-api";
import type { ExportOperation } from "./gcp-exports";

const DAY = 86_400_000;

export interface GcpSandboxData {
  project: string;
  database: string;
  bucket: string;
  prefix: string;
  /** A static access token the APIs accept; none: only minted tokens. */
  token?: string;
  /** The service account whose assertions the token endpoint accepts. */
  serviceAccount?: { email: string; publicKey: crypto.KeyObject | string; tokenUri: string; expiresIn?: number };
  operations: ExportOperation[];
  objects: { name: string; size: number; timeCreated: string }[];
}

const COLLECTIONS = ["orders", "stripeEvents", "opsHealth", "adminRevenueAggregates", "adminRevenueAggState"];

/** The shop's exports up to `now`: one a day at 02:00 UTC (plus a few seconds), newest last. */
export function demoExports(now: number, o: { project: string; bucket: string; prefix: string; token: string; database?: string }): GcpSandboxData {
  const operations: ExportOperation[] = [];
  const objects: GcpSandboxData["objects"] = [];
  const today = Math.floor(now / DAY) * DAY;
  for (let d = 44; d >= 0; d--) {
    const start = today - d * DAY + 2 * 3_600_000 + ((d * 7919) % 40) * 1000;
    if (start > now) continue;
    const iso = (t: number) => new Date(t).toISOString();
    const name = `${iso(start).slice(0, 19)}_${(start / 1000) % 100_000}`;
    const docs = 12_400 + (44 - d) * 37;
    const bytes = docs * 1_930;
    const failed = d === 3;
    const running = start + 95_000 > now;
    const end = start + 60_000 + ((d * 104_729) % 30) * 1000;
    operations.push({
      name: `projects/${o.project}/databases/${o.database ?? "(default)"}/operations/ASA${Buffer.from(`export-${name}`).toString("base64url")}`,
      done: !running,
      metadata: {
        "@type": "type.googleapis.com/google.firestore.admin.v1.ExportDocumentsMetadata",
        startTime: iso(start),
        ...(running ? {} : { endTime: iso(failed ? start + 41_000 : end) }),
        operationState: running ? "PROCESSING" : failed ? "FAILED" : "SUCCESSFUL",
        progressDocuments: { completedWork: String(failed ? Math.round(docs * 0.4) : running ? Math.round(docs / 2) : docs), estimatedWork: String(docs) },
        progressBytes: { completedWork: String(failed ? Math.round(bytes * 0.4) : running ? Math.round(bytes / 2) : bytes), estimatedWork: String(bytes) },
        outputUriPrefix: `gs://${o.bucket}/${o.prefix}${name}`,
      },
      ...(failed ? { error: { code: 8, message: "Quota exceeded for export operations; retry later." } } : {}),
      ...(running || failed ? {} : { response: { "@type": "type.googleapis.com/google.firestore.admin.v1.ExportDocumentsResponse", outputUriPrefix: `gs://${o.bucket}/${o.prefix}${name}` } }),
    });
    // The bucket: what a successful export wrote, as its lifecycle rule left it.
    const date = new Date(start);
    const kept = d < 30 || date.getUTCDay() === 0 || date.getUTCDate() === 1;
    if (failed || running || !kept) continue;
    const folder = `${o.prefix}${name}/`;
    const created = iso(end);
    for (const c of COLLECTIONS) {
      const share = Math.round(bytes / COLLECTIONS.length);
      objects.push({ name: `${folder}all_namespaces/kind_${c}/output-0`, size: share, timeCreated: created });
      objects.push({ name: `${folder}all_namespaces/kind_${c}/all_namespaces_kind_${c}.export_metadata`, size: 312, timeCreated: created });
    }
    if (d !== 9) objects.push({ name: `${folder}${name}.overall_export_metadata`, size: 1_024, timeCreated: created });
  }
  return { project: o.project, database: o.database ?? "(default)", bucket: o.bucket, prefix: o.prefix, token: o.token, operations, objects };
}

const googleError = (status: number, code: string, message: string): DemoResponse => ({ status, headers: { "content-type": "application/json; charset=UTF-8" }, body: { error: { code: status, message, status: code } } });
const oauthError = (error: string, description: string, status = 400): DemoResponse => ({ status, headers: { "content-type": "application/json; charset=utf-8" }, body: { error, error_description: description } });

const SCOPE_DATASTORE = ["https://www.googleapis.com/auth/datastore", "https://www.googleapis.com/auth/cloud-platform"];
const SCOPE_STORAGE = [
  "https://www.googleapis.com/auth/devstorage.read_only",
  "https://www.googleapis.com/auth/devstorage.read_write",
  "https://www.googleapis.com/auth/devstorage.full_control",
  "https://www.googleapis.com/auth/cloud-platform",
];

/** The JWT-bearer grant: a verified assertion gets a token valid for `expiresIn` seconds. */
function mintToken(req: DemoRequest, sa: NonNullable<GcpSandboxData["serviceAccount"]>, minted: Map<string, { expires: number; scopes: string[] }>): DemoResponse {
  if (req.method !== "POST") return oauthError("invalid_request", "Method not allowed: POST the grant as a form.", 405);
  if (!/^application\/x-www-form-urlencoded/i.test(req.headers["content-type"] ?? "")) return oauthError("invalid_request", "The grant must be sent as application/x-www-form-urlencoded.");
  const form = new URLSearchParams(req.body.toString("utf8"));
  const grant = form.get("grant_type");
  if (grant !== "urn:ietf:params:oauth:grant-type:jwt-bearer") return oauthError("unsupported_grant_type", `Invalid grant_type: ${grant ?? ""}`);
  const assertion = form.get("assertion") ?? "";
  const parts = assertion.split(".");
  if (parts.length !== 3) return oauthError("invalid_request", "Invalid JWT: the assertion is not a signed JWT (header.payload.signature).");
  let header: { alg?: string };
  let claims: { iss?: string; aud?: string; scope?: string; iat?: number; exp?: number };
  try {
    header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
  } catch {
    return oauthError("invalid_request", "Invalid JWT: the header or claim set is not JSON.");
  }
  if (header.alg !== "RS256") return oauthError("invalid_grant", `Invalid JWT: alg ${header.alg ?? "none"} is not RS256.`);
  if (claims.iss !== sa.email) return oauthError("invalid_grant", "Invalid grant: account not found");
  const signed = crypto.verify("RSA-SHA256", Buffer.from(`${parts[0]}.${parts[1]}`), sa.publicKey, Buffer.from(parts[2]!, "base64url"));
  if (!signed) return oauthError("invalid_grant", "Invalid JWT Signature.");
  if (claims.aud !== sa.tokenUri) return oauthError("invalid_grant", `Invalid JWT: aud must be ${sa.tokenUri}.`);
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.iat !== "number" || typeof claims.exp !== "number" || claims.exp <= now || claims.iat > now + 60 || claims.exp - claims.iat > 3600) {
    return oauthError("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.");
  }
  const scopes = (claims.scope ?? "").split(/\s+/).filter(Boolean);
  if (!scopes.length) return oauthError("invalid_scope", "Invalid OAuth scope or ID token audience provided.");
  const expiresIn = sa.expiresIn ?? 3599;
  const token = `ya29.sandbox-${crypto.randomBytes(24).toString("base64url")}`;
  for (const [t, m] of minted) if (m.expires <= Date.now() - 3_600_000) minted.delete(t);
  minted.set(token, { expires: Date.now() + expiresIn * 1000, scopes });
  return { status: 200, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }, body: { access_token: token, expires_in: expiresIn, token_type: "Bearer" } };
}

/**
 * Answers `GET …/v1/projects/{p}/databases/{d}/operations` and `GET …/storage/v1/b/{bucket}/o`,
 * and, with a service account, `POST <its tokenUri's path>`.
 */
export function gcpSandboxHandler(data: () => GcpSandboxData) {
  const minted = new Map<string, { expires: number; scopes: string[] }>();
  return (req: DemoRequest): DemoResponse => {
    const d = data();
    const url = new URL(req.url, "http://sandbox");
    const sa = d.serviceAccount;
    if (sa && url.pathname === new URL(sa.tokenUri).pathname) return mintToken(req, sa, minted);
    const auth = req.headers.authorization ?? "";
    const bearer = /^Bearer (.+)$/.exec(auth)?.[1];
    const grant = bearer ? minted.get(bearer) : undefined;
    const isStatic = d.token !== undefined && bearer === d.token;
    if (!bearer || (!isStatic && !grant)) return googleError(401, "UNAUTHENTICATED", "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.");
    if (grant && grant.expires <= Date.now()) return googleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.");
    const scoped = (needed: string[]) => isStatic || grant!.scopes.some((s) => needed.includes(s));
    const page = (list: unknown[], size: number) => {
      const offset = Number(url.searchParams.get("pageToken") ?? 0) || 0;
      const slice = list.slice(offset, offset + size);
      return { slice, next: offset + size < list.length ? String(offset + size) : undefined };
    };
    const ops = /\/v1\/projects\/([^/]+)\/databases\/([^/]+)\/operations$/.exec(url.pathname);
    if (ops) {
      if (!scoped(SCOPE_DATASTORE)) return googleError(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.");
      if (decodeURIComponent(ops[1]!) !== d.project) return googleError(403, "PERMISSION_DENIED", `The caller does not have permission on project ${decodeURIComponent(ops[1]!)}.`);
      if (decodeURIComponent(ops[2]!) !== d.database) return googleError(404, "NOT_FOUND", `Database ${decodeURIComponent(ops[2]!)} not found.`);
      const size = Math.min(Math.max(Number(url.searchParams.get("pageSize") ?? 100) || 100, 1), 100);
      // Newest first, as the console lists them; the API does not promise an order.
      const { slice, next } = page([...d.operations].reverse(), size);
      return { status: 200, headers: { "content-type": "application/json; charset=UTF-8" }, body: { operations: slice, ...(next ? { nextPageToken: next } : {}) } };
    }
    const objs = /\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (objs) {
      if (!scoped(SCOPE_STORAGE)) return googleError(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.");
      if (decodeURIComponent(objs[1]!) !== d.bucket) return googleError(404, "notFound", "The specified bucket does not exist.");
      const prefix = url.searchParams.get("prefix") ?? "";
      const delimiter = url.searchParams.get("delimiter");
      const matching = d.objects.filter((o) => o.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
      const prefixes = new Set<string>();
      const items: GcpSandboxData["objects"] = [];
      for (const o of matching) {
        const rest = o.name.slice(prefix.length);
        const cut = delimiter ? rest.indexOf(delimiter) : -1;
        if (cut >= 0) prefixes.add(prefix + rest.slice(0, cut + delimiter!.length));
        else items.push(o);
      }
      const { slice, next } = page(items, 1000);
      return {
        status: 200,
        headers: { "content-type": "application/json; charset=UTF-8" },
        body: {
          kind: "storage#objects",
          ...(prefixes.size ? { prefixes: [...prefixes] } : {}),
          ...(slice.length ? { items: (slice as GcpSandboxData["objects"]).map((o) => ({ kind: "storage#object", id: `${d.bucket}/${o.name}/1`, name: o.name, bucket: d.bucket, size: String(o.size), timeCreated: o.timeCreated, updated: o.timeCreated, contentType: "application/octet-stream" })) } : {}),
          ...(next ? { nextPageToken: next } : {}),
        },
      };
    }
    return googleError(404, "NOT_FOUND", `No such API method: ${url.pathname}`);
  };
}
