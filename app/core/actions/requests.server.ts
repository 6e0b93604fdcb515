import type { Db } from "../audit/chain.server";
import { canonicalJson } from "../audit/chain.server";
import type { Portal } from "../portal.server";
import { requestKey, seal, unseal, type RequestKey } from "./request-key.server";

/** What a waiting request keeps in the store: the input to run and the preview the requester saw. */
export interface StoredRequest {
  input: unknown;
  precondition: string | null;
  preview: unknown;
}

const keys = new WeakMap<object, RequestKey>();

/** Reads (or generates) the portal's sealing key at start, with the environment the portal was booted with. */
export function initRequestKey(portal: Pick<Portal, "config" | "dataDir" | "store">, env: Record<string, string | undefined>): RequestKey {
  const k = requestKey({ config: portal.config, dataDir: portal.dataDir, env });
  keys.set(portal.store, k);
  return k;
}

/** This portal's sealing key (read or generated once). */
export function portalRequestKey(portal: Pick<Portal, "config" | "dataDir" | "store">): RequestKey {
  return keys.get(portal.store) ?? initRequestKey(portal, process.env);
}

/** Writes the request's input (sealed when it holds secret fields) and preview; call inside the "requested" entry's transaction. */
export async function storeRequest(
  db: Db,
  portal: Pick<Portal, "config" | "dataDir" | "store">,
  runId: string,
  request: StoredRequest & { hasSecrets: boolean },
): Promise<void> {
  const payload = canonicalJson({ input: request.input, precondition: request.precondition });
  const key = request.hasSecrets ? portalRequestKey(portal) : null;
  await db
    .insertInto("action_requests")
    .values({
      run_id: runId,
      input_plain: key ? null : payload,
      input_sealed: key ? seal(key, runId, payload) : null,
      key_id: key ? key.id : null,
      preview: request.preview === null || request.preview === undefined ? null : canonicalJson(request.preview),
      created_at: Date.now(),
    })
    .execute();
}

export type LoadedRequest = { ok: true; request: StoredRequest } | { ok: false; error: string };

export async function loadStoredRequest(portal: Pick<Portal, "config" | "dataDir" | "store">, runId: string): Promise<LoadedRequest | null> {
  const row = await portal.store.db.selectFrom("action_requests").selectAll().where("run_id", "=", runId).executeTakeFirst();
  if (!row) return null;
  let text = row.input_plain;
  if (text === null) {
    const key = portalRequestKey(portal);
    if (row.key_id && row.key_id !== key.id) {
      return {
        ok: false,
        error: `this request's secret input was sealed with key ${row.key_id}, but this instance holds key ${key.id}: give every instance the same actions.requestKey (or OPSDECK_REQUEST_KEY)`,
      };
    }
    try {
      text = unseal(key, runId, row.input_sealed ?? "");
    } catch {
      return { ok: false, error: "this request's sealed input cannot be opened (altered, or sealed with another key); deny it and request again" };
    }
  }
  const parsed = JSON.parse(text) as { input: unknown; precondition: string | null };
  return { ok: true, request: { input: parsed.input, precondition: parsed.precondition ?? null, preview: row.preview === null ? null : JSON.parse(row.preview) } };
}

/** The preview the requester saw, for the approver's card (no input: it may hold secrets). */
export async function requestPreviews(portal: Pick<Portal, "store">, runIds: string[]): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  if (!runIds.length) return out;
  const rows = await portal.store.db.selectFrom("action_requests").select(["run_id", "preview"]).where("run_id", "in", runIds).execute();
  for (const r of rows) if (r.preview !== null) out.set(r.run_id, JSON.parse(r.preview));
  return out;
}

export async function deleteStoredRequest(db: Db, runId: string): Promise<void> {
  await db.deleteFrom("action_requests").where("run_id", "=", runId).execute();
}

export interface PreviewChange {
  field: string;
  was: unknown;
  now: unknown;
}

/**
 * Field-by-field differences between the preview the requester saw and the live one. The
 * `precondition` is an opaque token (an update time, the id of a stored key set) that a fresh dry
 * run may mint anew: it is not compared here, and the run still checks the requester's own token
 * ("changed since preview").
 */
export function previewChanges(was: unknown, now: unknown): PreviewChange[] {
  const flat = (v: unknown, prefix: string, out: Map<string, unknown>) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v)) flat(x, prefix ? `${prefix}.${k}` : k, out);
    } else out.set(prefix || "preview", v === undefined ? null : v);
    return out;
  };
  const a = flat(was, "", new Map());
  const b = flat(now, "", new Map());
  const changes: PreviewChange[] = [];
  for (const field of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (field === "precondition") continue;
    const x = a.has(field) ? a.get(field) : null;
    const y = b.has(field) ? b.get(field) : null;
    if (canonicalJson(x) !== canonicalJson(y)) changes.push({ field, was: x, now: y });
  }
  return changes;
}
