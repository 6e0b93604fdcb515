// Firestore targets: an export through the firestore plugin's `firestore.collections` service as
// NDJSON (one line per document, `{"c": collection, "id": id, "f": type-tagged fields}`, the
// collections one after another), verification by a restore into a scratch project on an emulator,
// and guarded restore of all collections or some.
import crypto from "node:crypto";
import fs from "node:fs";
import readline from "node:readline";
import { ActionInputError, type ActionPreview } from "../plugin-api";
import type { ExportedDocument, FirestoreCollections } from "../firestore/api";
import type { CatalogRow } from "./catalog";

export interface FirestoreSource {
  kind: "firestore";
  service: FirestoreCollections;
  collections: string[];
  verifyEmulatorHost?: string;
}

/** The seed's words ("partial restores may cause data inconsistencies"), said where it applies. */
export const FIRESTORE_PARTIAL_WARNING =
  "Partial restore: partial restores may cause data inconsistencies. Only the chosen collections go back to the backup's state; documents in other collections that refer to them stay as they are now.";

interface Line {
  c: string;
  id: string;
  f: ExportedDocument["fields"];
}

/** Streams every listed collection into `out` (backpressure honoured); counts and a SHA-256 per collection. */
export async function exportCollections(
  source: FirestoreSource,
  out: fs.WriteStream,
  hash: crypto.Hash,
  run?: { log(m: string): void; progress?(d: number, t?: number): void },
  signal?: AbortSignal,
): Promise<{ counts: Record<string, number>; digests: Record<string, string> }> {
  const counts: Record<string, number> = {};
  const digests: Record<string, string> = {};
  let failed: Error | null = null;
  out.on("error", (e) => (failed = e));
  const write = async (text: string) => {
    if (failed) throw failed;
    if (out.write(text)) return;
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => {
        out.off("drain", onDrain);
        reject(e);
      };
      const onDrain = () => {
        out.off("error", onError);
        resolve();
      };
      out.once("drain", onDrain);
      out.once("error", onError);
    });
  };
  try {
    let done = 0;
    for (const c of source.collections) {
      const part = crypto.createHash("sha256");
      let n = 0;
      for await (const d of source.service.documents(c, signal)) {
        const line = `${JSON.stringify({ c, id: d.id, f: d.fields } satisfies Line)}\n`;
        hash.update(line);
        part.update(line);
        await write(line);
        n++;
      }
      counts[c] = n;
      digests[c] = part.digest("hex");
      run?.log(`exported ${c}: ${n} documents`);
      run?.progress?.(++done, source.collections.length);
    }
  } finally {
    await new Promise<void>((resolve, reject) => {
      if (failed || out.destroyed) return failed ? reject(failed) : resolve();
      out.end(() => (failed ? reject(failed) : resolve()));
    });
  }
  return { counts, digests };
}

/** The documents of one collection from a backup file, read line by line; `digest()` after the end. */
function documentsOf(file: string, collection: string) {
  const part = crypto.createHash("sha256");
  let digest: string | null = null;
  async function* docs(): AsyncGenerator<ExportedDocument> {
    const rl = readline.createInterface({ input: fs.createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
    let lineNo = 0;
    for await (const text of rl) {
      lineNo++;
      if (!text) continue;
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        throw new Error(`line ${lineNo} of the backup is not JSON`);
      }
      if (line.c !== collection) continue;
      part.update(`${text}\n`);
      yield { id: line.id, fields: line.f };
    }
    digest = part.digest("hex");
  }
  return { docs: docs(), digest: () => digest };
}

function resolveCollections(row: CatalogRow, collections: string[] | undefined): string[] {
  const all = Object.keys(row.manifest!.counts);
  if (!collections) return all;
  const unknown = collections.filter((c) => !all.includes(c));
  if (unknown.length) throw new ActionInputError(`not in backup ${row.id}: ${unknown.join(", ")}`, { collections: [`must be among the backup's collections (${all.join(", ")})`] });
  return [...new Set(collections)];
}

/** Restores a backup into an empty scratch project on an emulator; counts (and digests) of what landed there. */
export async function restoreIntoScratch(
  row: CatalogRow,
  source: FirestoreSource,
  signal?: AbortSignal,
): Promise<{ restored: Record<string, number>; digestMismatch: string[] }> {
  const scratch = await source.service.scratch({ emulatorHost: source.verifyEmulatorHost });
  try {
    const restored: Record<string, number> = {};
    const digestMismatch: string[] = [];
    for (const c of Object.keys(row.manifest!.counts)) {
      const read = documentsOf(row.file!, c);
      await scratch.replace(c, read.docs, signal);
      const expected = row.manifest!.digests?.[c];
      if (expected && read.digest() !== expected) digestMismatch.push(c);
      restored[c] = await scratch.count(c, signal);
    }
    return { restored, digestMismatch };
  } finally {
    await scratch.dispose().catch(() => {});
  }
}

export async function previewFirestoreRestore(row: CatalogRow, source: FirestoreSource, collections: string[] | undefined, signal?: AbortSignal): Promise<ActionPreview> {
  const chosen = resolveCollections(row, collections);
  const now: Record<string, number> = {};
  for (const c of chosen) now[c] = await source.service.count(c, signal);
  const partial = chosen.length < Object.keys(row.manifest!.counts).length;
  const overwritten = chosen.reduce((n, c) => n + now[c]!, 0);
  return {
    summary: `${partial ? `${FIRESTORE_PARTIAL_WARNING} ` : ""}Overwrite ${chosen.length} collection(s) of ${row.target} in project ${source.service.projectId} (${overwritten} documents now) with backup ${row.id} taken ${row.manifest!.endedAt}; a safety backup is taken first.`,
    count: overwritten,
    rows: chosen.map((c) => ({ collection: c, "documents now": now[c], "documents in backup": row.manifest!.counts[c], change: row.manifest!.counts[c]! - now[c]! })),
    before: now,
    after: Object.fromEntries(chosen.map((c) => [c, row.manifest!.counts[c]])),
  };
}

export async function restoreFirestore(
  row: CatalogRow,
  source: FirestoreSource,
  collections: string[] | undefined,
  ctx: { log(m: string): void; signal?: AbortSignal },
): Promise<{ summary: string; rows: Record<string, unknown>[] }> {
  const chosen = resolveCollections(row, collections);
  const rows: Record<string, unknown>[] = [];
  const mismatched: string[] = [];
  for (const c of chosen) {
    const r = await source.service.replace(c, documentsOf(row.file!, c).docs, ctx.signal);
    const after = await source.service.count(c, ctx.signal);
    ctx.log(`${c}: wrote ${r.written} documents, deleted ${r.deleted} not in the backup; ${after} now`);
    if (after !== row.manifest!.counts[c]) mismatched.push(c);
    rows.push({ collection: c, "documents in backup": row.manifest!.counts[c], written: r.written, deleted: r.deleted, "documents after restore": after });
  }
  if (mismatched.length) throw new Error(`restore finished but counts differ from the backup in ${mismatched.join(", ")}: check the data (a safety backup was taken)`);
  return { summary: `restored ${chosen.length} collection(s) from ${row.id}; counts match the backup`, rows };
}
