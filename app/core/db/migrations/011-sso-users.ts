import type { Generated, Kysely } from "kysely";

export interface Tables {
  /** One row per sign-in started at the IdP; deleted when its callback is accepted, so a callback replays at most once. */
  oidc_logins: {
    /** sha256 of the `state` sent to the IdP. */
    state_hash: string;
    created_at: number;
    expires_at: number;
  };
}

/** Columns this migration adds to tables of 001-foundation (declared there for the type of `users` and `sessions`). */
export interface UserSsoColumns {
  /** `<issuer> <sub>` of the IdP account this user signs in as; null for local users. */
  oidc_subject: string | null;
  /** 1: may sign in with a password even when auth.local is false (audited each time). */
  break_glass: Generated<number>;
}

export interface SessionSsoColumns {
  /** The ID token of an SSO sign-in, sealed with a key derived from SESSION_SECRET, for the IdP's sign-out. */
  idp_id_token: string | null;
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("users").addColumn("oidc_subject", "varchar(600)").execute();
  await db.schema.alterTable("users").addColumn("break_glass", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex("users_oidc_subject").unique().on("users").column("oidc_subject").execute();
  await db.schema.alterTable("sessions").addColumn("idp_id_token", "text").execute();
  await db.schema
    .createTable("oidc_logins")
    .addColumn("state_hash", "varchar(64)", (c) => c.primaryKey())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("oidc_logins").execute();
  await db.schema.alterTable("sessions").dropColumn("idp_id_token").execute();
  await db.schema.dropIndex("users_oidc_subject").execute();
  await db.schema.alterTable("users").dropColumn("break_glass").execute();
  await db.schema.alterTable("users").dropColumn("oidc_subject").execute();
}
