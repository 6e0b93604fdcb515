import type { Kysely } from "kysely";

// Tables for this feature are added by its issue.
export interface Tables {}

export async function up(_db: Kysely<any>): Promise<void> {}
export async function down(_db: Kysely<any>): Promise<void> {}
