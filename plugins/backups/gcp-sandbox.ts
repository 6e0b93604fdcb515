// A sandbox of the two Google APIs the managed-export watch reads, as documented: the Firestore
// Admin API's operations list (google.longrunning.Operation with ExportDocumentsMetadata) and the
// Cloud Storage JSON API's object listing (prefixes with a delimiter, items with sizes as strings,
// page tokens). It holds the demo shop's daily exports at 02:00 UTC for the last 45 days, as its
// bucket's lifecycle left them: dailies kept 30 days, Sundays and firsts of the month longer. One
// export three days ago FAILED, and one folder nine days ago lost its overall_export_metadata.
import type { DemoRequest, DemoResponse } from "../plugin-api";
import type { ExportOperation } from "./gcp-exports";

const DAY = 86_400_000;

export interface GcpSandboxData {
  project: string;
  database: string;
  bucket: string;
  prefix: string;
  token: string;
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

/** Answers `GET …/v1/projects/{p}/databases/{d}/operations` and `GET …/storage/v1/b/{bucket}/o`. */
export function gcpSandboxHandler(data: () => GcpSandboxData) {
  return (req: DemoRequest): DemoResponse => {
    const d = data();
    if (req.headers.authorization !== `Bearer ${d.token}`) return googleError(401, "UNAUTHENTICATED", "Request is missing required authentication credential. Expected OAuth 2 access token.");
    const url = new URL(req.url, "http://sandbox");
    const page = (list: unknown[], size: number) => {
      const offset = Number(url.searchParams.get("pageToken") ?? 0) || 0;
      const slice = list.slice(offset, offset + size);
      return { slice, next: offset + size < list.length ? String(offset + size) : undefined };
    };
    const ops = /\/v1\/projects\/([^/]+)\/databases\/([^/]+)\/operations$/.exec(url.pathname);
    if (ops) {
      if (decodeURIComponent(ops[1]!) !== d.project) return googleError(403, "PERMISSION_DENIED", `The caller does not have permission on project ${decodeURIComponent(ops[1]!)}.`);
      if (decodeURIComponent(ops[2]!) !== d.database) return googleError(404, "NOT_FOUND", `Database ${decodeURIComponent(ops[2]!)} not found.`);
      const size = Math.min(Math.max(Number(url.searchParams.get("pageSize") ?? 100) || 100, 1), 100);
      // Newest first, as the console lists them; the API does not promise an order.
      const { slice, next } = page([...d.operations].reverse(), size);
      return { status: 200, headers: { "content-type": "application/json; charset=UTF-8" }, body: { operations: slice, ...(next ? { nextPageToken: next } : {}) } };
    }
    const objs = /\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (objs) {
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
