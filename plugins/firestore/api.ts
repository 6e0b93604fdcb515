// The firestore plugin's public contract: the services it offers other plugins and the core, with
// their shapes. No side effects and no SDKs: consumers import it as a contract only.
import { createServiceRef } from "../plugin-api";

/** A read-only document reader (cron's health documents, runbook live blocks). */
export interface DocumentReader {
  /** The document's fields as plain JSON (timestamps as ISO strings), or null when it does not exist. */
  get(path: string, signal?: AbortSignal): Promise<Record<string, unknown> | null>;
}

export const documentReaderRef = createServiceRef<DocumentReader>({ id: "firestore.documents" });

/**
 * A Firestore value as JSON with its type kept: strings, booleans, null and
 * doubles as themselves; everything else as a one-key object `{ "$int": "12" }`, `{ "$timestamp":
 * "secs.nanos" }`, `{ "$geo": [lat, lng] }`, `{ "$ref": "path" }`, `{ "$bytes": base64 }`,
 * `{ "$double": "NaN" }`, `{ "$map": {…} }`, arrays as arrays.
 */
export type TaggedValue = null | boolean | number | string | TaggedValue[] | { [tag: string]: unknown };

export interface ExportedDocument {
  id: string;
  fields: Record<string, TaggedValue>;
}

/** Whole-collection reads and writes for backups. */
export interface FirestoreCollections {
  readonly projectId: string;
  /** True on an emulator. */
  readonly emulator: boolean;
  /** Every document of a top-level collection in id order, paged (never all in memory); subcollections are not included. */
  documents(collection: string, signal?: AbortSignal): AsyncIterable<ExportedDocument>;
  count(collection: string, signal?: AbortSignal): Promise<number>;
  /** Makes the collection hold exactly these documents: batched writes, then deletes of the documents not among them. */
  replace(collection: string, docs: AsyncIterable<ExportedDocument>, signal?: AbortSignal): Promise<{ written: number; deleted: number }>;
  /**
   * An empty scratch project on an emulator (this one, or `emulatorHost`) for verification by
   * restore; `dispose` deletes what was written there. Refused against production without an emulator.
   */
  scratch(opts?: { emulatorHost?: string }): Promise<FirestoreCollections & { dispose(): Promise<void> }>;
}

export const firestoreCollectionsRef = createServiceRef<FirestoreCollections>({ id: "firestore.collections" });
