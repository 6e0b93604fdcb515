import type { Kysely } from "kysely";

/** 009 adds to `audit_entries` (003) the MAC that proves an entry was written by a holder of the audit key. */
export interface AuditMacColumns {
  /**
   * HMAC-SHA256 (hex) of the entry's hash, keyed with a key derived from the audit checkpoint key
   * (kept outside the database). Null on entries written before 009, which only a signed
   * checkpoint vouches for.
   */
  mac: string | null;
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("audit_entries").addColumn("mac", "varchar(64)").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("audit_entries").dropColumn("mac").execute();
}
