import type { Kysely } from "kysely";

export interface Tables {
  /**
   * What a critical request waiting for a second admin needs to run later, on any instance:
   * the validated input and the preview the requester saw. Deleted when the request is decided,
   * withdrawn or expires.
   */
  action_requests: {
    run_id: string;
    /** Canonical JSON `{ input, precondition }` when the input holds no secret field; else null. */
    input_plain: string | null;
    /** The same JSON sealed with AES-256-GCM (`v1.<iv>.<tag>.<ciphertext>`, base64url) when it holds secret fields. */
    input_sealed: string | null;
    /** Which key sealed it (first 16 hex of sha256 of the key): names the key an instance lacks. */
    key_id: string | null;
    /** Canonical JSON of the preview the requester saw (secrets scrubbed); null when the action has none. */
    preview: string | null;
    created_at: number;
  };
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("action_requests")
    .addColumn("run_id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("input_plain", "text")
    .addColumn("input_sealed", "text")
    .addColumn("key_id", "varchar(32)")
    .addColumn("preview", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("action_requests").execute();
}
