import type { Kysely } from "kysely";

export interface Tables {
  users: {
    id: string;
    username: string;
    display_name: string | null;
    password_hash: string | null;
    /** Comma-separated role names. */
    roles: string;
    disabled: number;
    created_at: number;
  };
  sessions: {
    id_hash: string;
    user_id: string;
    created_at: number;
    expires_at: number;
    address: string | null;
  };
  login_failures: {
    id: string;
    username: string;
    address: string;
    at: number;
  };
  api_tokens: {
    id: string;
    user_id: string;
    name: string;
    token_hash: string;
    roles: string;
    created_at: number;
    last_used_at: number | null;
    revoked_at: number | null;
  };
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("username", "varchar(64)", (c) => c.notNull().unique())
    .addColumn("display_name", "varchar(200)")
    .addColumn("password_hash", "varchar(300)")
    .addColumn("roles", "varchar(200)", (c) => c.notNull())
    .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("sessions")
    .addColumn("id_hash", "varchar(64)", (c) => c.primaryKey())
    .addColumn("user_id", "varchar(64)", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("address", "varchar(100)")
    .execute();
  await db.schema
    .createTable("login_failures")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("username", "varchar(200)", (c) => c.notNull())
    .addColumn("address", "varchar(100)", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("login_failures_username_at").on("login_failures").columns(["username", "at"]).execute();
  await db.schema.createIndex("login_failures_address_at").on("login_failures").columns(["address", "at"]).execute();
  await db.schema
    .createTable("api_tokens")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("user_id", "varchar(64)", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("name", "varchar(200)", (c) => c.notNull())
    .addColumn("token_hash", "varchar(64)", (c) => c.notNull().unique())
    .addColumn("roles", "varchar(200)", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("last_used_at", "bigint")
    .addColumn("revoked_at", "bigint")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["api_tokens", "login_failures", "sessions", "users"]) await db.schema.dropTable(t).ifExists().execute();
}
