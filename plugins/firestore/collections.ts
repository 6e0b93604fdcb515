// `firestore.collections`: whole-collection reads and writes for the backups plugin, on a client of
// its own that reads integers as BigInt (so exports keep integers and doubles apart).
import crypto from "node:crypto";
import type { Readable } from "node:stream";
import type { ExportedDocument, FirestoreCollections } from "./api";
import { createFirestoreClient, type FirestoreConnection, type QueryDocumentSnapshot } from "./client.server";
import { decodeFields, encodeFields } from "./codec";
import { abortable } from "./util";

/** Firestore allows 500 writes per batch; stay below with room. */
const BATCH = 400;

function checkName(collection: string) {
  if (!/^[^/\s]+$/.test(collection) || collection.startsWith("__")) throw new Error(`"${collection}" is not a top-level collection name`);
}

export function createCollections(conn: FirestoreConnection): FirestoreCollections & { close(): Promise<void> } {
  const client = createFirestoreClient(conn, { useBigInt: true });
  const db = client.db;

  /** A query's documents as the server streams them (in document-id order), never a whole collection at once. */
  async function* stream(collection: string, idsOnly: boolean, signal?: AbortSignal): AsyncGenerator<QueryDocumentSnapshot> {
    checkName(collection);
    const q = idsOnly ? db.collection(collection).select() : db.collection(collection);
    const s = q.stream() as unknown as Readable;
    const onAbort = () => s.destroy(signal!.reason instanceof Error ? signal!.reason : new Error("aborted"));
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      for await (const d of s) yield d as QueryDocumentSnapshot;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  const self: FirestoreCollections & { close(): Promise<void> } = {
    projectId: conn.projectId,
    emulator: client.emulator,
    async *documents(collection, signal) {
      for await (const d of stream(collection, false, signal)) yield { id: d.id, fields: encodeFields(d.data()) } satisfies ExportedDocument;
    },
    async count(collection, signal) {
      checkName(collection);
      try {
        return Number((await abortable(db.collection(collection).count().get(), signal)).data().count);
      } catch {
        // An emulator without aggregation queries: count the ids page by page.
        let n = 0;
        for await (const _ of stream(collection, true, signal)) n++;
        return n;
      }
    },
    async replace(collection, docs, signal) {
      checkName(collection);
      const col = db.collection(collection);
      const kept = new Set<string>();
      let batch = db.batch();
      let pending = 0;
      let written = 0;
      const flush = async () => {
        if (!pending) return;
        await abortable(batch.commit(), signal);
        written += pending;
        batch = db.batch();
        pending = 0;
      };
      for await (const d of docs) {
        if (kept.has(d.id)) throw new Error(`document ${collection}/${d.id} appears twice`);
        kept.add(d.id);
        batch.set(col.doc(d.id), decodeFields(d.fields, db));
        if (++pending >= BATCH) await flush();
      }
      await flush();
      const extra: string[] = [];
      for await (const d of stream(collection, true, signal)) if (!kept.has(d.id)) extra.push(d.id);
      let deleted = 0;
      for (let i = 0; i < extra.length; i += BATCH) {
        const b = db.batch();
        for (const id of extra.slice(i, i + BATCH)) b.delete(col.doc(id));
        await abortable(b.commit(), signal);
        deleted += Math.min(BATCH, extra.length - i);
      }
      return { written, deleted };
    },
    async scratch(opts = {}) {
      const host = opts.emulatorHost ?? (client.emulator ? conn.emulatorHost : undefined);
      if (!host) throw new Error("verification by restore needs a Firestore emulator to restore into: set the target's verifyEmulatorHost (this connection is production Firestore)");
      const scratch = createCollections({ projectId: `${conn.projectId}-verify-${crypto.randomBytes(4).toString("hex")}`, emulatorHost: host });
      const touched = new Set<string>();
      return {
        ...scratch,
        projectId: scratch.projectId,
        emulator: true,
        async replace(collection, docs, signal) {
          touched.add(collection);
          return scratch.replace(collection, docs, signal);
        },
        async dispose() {
          try {
            for (const c of touched) await scratch.replace(c, (async function* () {})());
          } finally {
            await scratch.close();
          }
        },
      };
    },
    close: () => client.close(),
  };
  return self;
}
