// What the read path's role may do, asked of PostgreSQL at start: the `sql` service is offered
// only when that role can neither write nor reach the server's operating system.
import type pg from "pg";
import { qi } from "./ident";

/** Built-in roles whose members reach files, programs or other backends of the server. */
export const OS_ROLES = ["pg_execute_server_program", "pg_read_server_files", "pg_write_server_files", "pg_signal_backend"] as const;

export interface RoleInspection {
  /** The role the read path runs as (current_user after SET ROLE). */
  role: string;
  /** The connection's own user (session_user), to whom a readOnlyRole is granted. */
  login?: string;
  /** Each thing that role may do that a read-only role must not; empty when it is fit. */
  problems: string[];
}

/** The SQL an operator runs to make a fit role, in the docs and in the overview's message. */
export function readOnlyRoleSql(loginUser?: string): string {
  const member = loginUser ? ` grant opsdeck_ro to ${qi(loginUser)};` : "";
  return `create role opsdeck_ro nologin; grant pg_read_all_data to opsdeck_ro;${member} (or, table by table: grant usage on schema public to opsdeck_ro; grant select on orders, coupons to opsdeck_ro;) and set plugins.supabase.readOnlyRole: opsdeck_ro`;
}

/** The refusal every read path gives while the role is unfit, with the SQL that fixes it. */
export function withheldReason(found: RoleInspection, loginUser?: string): string {
  return `the sql service is not offered: its read role ${found.role} is not read-only (${found.problems.join("; ")}). Fix: ${readOnlyRoleSql(loginUser)} — see docs/plugins/supabase.md`;
}

const INSPECT = `
select r.rolname as role, session_user as login, r.rolsuper as super, r.rolbypassrls as bypassrls, r.rolcreaterole as createrole,
  array(select g from unnest($1::text[]) g where pg_has_role(r.oid, g, 'MEMBER')) as os_roles,
  array(select n.nspname::text from pg_namespace n
        where n.nspname !~ '^pg_(toast|temp)' and has_schema_privilege(r.oid, n.oid, 'CREATE') order by 1) as create_schemas,
  array(select format('%I.%I (%s)', n.nspname, c.relname,
                      concat_ws(', ', case when has_table_privilege(r.oid, c.oid, 'INSERT') then 'INSERT' end,
                                      case when has_table_privilege(r.oid, c.oid, 'UPDATE') then 'UPDATE' end,
                                      case when has_table_privilege(r.oid, c.oid, 'DELETE') then 'DELETE' end,
                                      case when has_table_privilege(r.oid, c.oid, 'TRUNCATE') then 'TRUNCATE' end))
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p', 'v', 'm', 'f') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp)'
          and (has_table_privilege(r.oid, c.oid, 'INSERT') or has_table_privilege(r.oid, c.oid, 'UPDATE')
               or has_table_privilege(r.oid, c.oid, 'DELETE') or has_table_privilege(r.oid, c.oid, 'TRUNCATE'))
        order by 1 limit 6) as writable_tables
from pg_roles r where r.rolname = current_user`;

/**
 * Inspects the role a read runs as, on `client` (inside a transaction that is rolled back): the
 * connection's own role, or `readOnlyRole` after SET LOCAL ROLE.
 */
export async function inspectReadRole(client: pg.PoolClient | pg.Client, readOnlyRole?: string): Promise<RoleInspection> {
  await client.query("BEGIN READ ONLY");
  try {
    if (readOnlyRole) {
      const login = String((await client.query("select session_user as u")).rows[0]?.u ?? "the connection's user");
      try {
        await client.query(`SET LOCAL ROLE ${qi(readOnlyRole)}`);
      } catch (err) {
        return { role: readOnlyRole, problems: [`the connection's user ${login} cannot SET ROLE ${readOnlyRole} (${(err as Error).message}); grant ${qi(readOnlyRole)} to ${qi(login)}`] };
      }
    }
    const { rows } = await client.query(INSPECT, [OS_ROLES]);
    const r = rows[0] as { role: string; login: string; super: boolean; bypassrls: boolean; createrole: boolean; os_roles: string[]; create_schemas: string[]; writable_tables: string[] };
    const problems: string[] = [];
    if (r.super) problems.push(`${r.role} is a superuser`);
    if (r.bypassrls) problems.push(`${r.role} bypasses row-level security (BYPASSRLS)`);
    if (r.createrole) problems.push(`${r.role} can create roles (CREATEROLE)`);
    if (r.os_roles.length) problems.push(`${r.role} is a member of ${r.os_roles.join(", ")}`);
    if (r.create_schemas.length) problems.push(`${r.role} has CREATE on schema ${r.create_schemas.join(", ")}`);
    if (r.writable_tables.length) problems.push(`${r.role} can write to ${r.writable_tables.slice(0, 5).join(", ")}${r.writable_tables.length > 5 ? ", …" : ""}`);
    return { role: r.role, login: r.login, problems };
  } finally {
    await client.query("ROLLBACK").catch(() => {});
  }
}
