import type pg from "pg";
import { doctorCheck, doctorMessage, type DoctorCheck, type DoctorContext } from "../plugin-api";
import { createSupabase, describeFailure } from "./client.server";
import type { SupabaseConfig } from "./config";
import { qi } from "./ident";
import { inspectReadRole, readOnlyRoleSql, type RoleInspection } from "./read-role";
import { createPool, toSqlError } from "./sql";

function connectionFix(key: string, err: unknown): string {
  const code = toSqlError(err).code;
  if (code === "28P01" || code === "28000") return `the user or password in plugins.${key} is refused: set the current one (Supabase → Project settings → Database → Connection string)`;
  if (code === "3D000") return `the database named in plugins.${key} does not exist: correct its /<database> part`;
  return `make the host in plugins.${key} reachable from the portal (network restrictions, the pooler's port), or correct it`;
}

/**
 * `select 1` as the role every read runs as, with the start's verdict on that role (a role that
 * can write or reach the OS is refused, with the SQL that makes a fit one); REST for each
 * configured table and the Storage bucket list with the service-role key.
 */
export async function supabaseDoctor({ config, signal }: DoctorContext<SupabaseConfig>): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  if (config.databaseUrl) {
    const key = config.readOnlyDatabaseUrl ? "readOnlyDatabaseUrl" : "databaseUrl";
    const pool: pg.Pool = createPool(config.readOnlyDatabaseUrl ?? config.databaseUrl);
    try {
      const held: { client?: pg.PoolClient } = {};
      const seen: { unfit?: RoleInspection } = {};
      const connected = await doctorCheck("select 1 (read role)", (err) => connectionFix(key, err), async () => {
        const client: pg.PoolClient = await pool.connect().catch((err: unknown) => Promise.reject(toSqlError(err)));
        held.client = client;
        const found = await inspectReadRole(client, config.readOnlyRole);
        if (found.problems.length) {
          seen.unfit = found;
          throw new Error(`the read role ${found.role} is not read-only: ${found.problems.join("; ")}`);
        }
        await client.query("BEGIN READ ONLY");
        try {
          if (config.readOnlyRole) await client.query(`SET LOCAL ROLE ${qi(config.readOnlyRole)}`);
          const { rows } = await client.query("select 1 as one, current_user as role, current_setting('server_version') as version");
          return `select 1 answered ${rows[0].one} as ${rows[0].role} (PostgreSQL ${rows[0].version}); the role cannot write or reach the server's OS`;
        } finally {
          await client.query("ROLLBACK").catch(() => {});
        }
      });
      if (!connected.ok && seen.unfit) {
        connected.fix = `${readOnlyRoleSql(seen.unfit.login)} (or point plugins.supabase.readOnlyDatabaseUrl at a login that has only that role); until then the sql service and supabase.query refuse`;
      }
      held.client?.release(true);
      checks.push(connected);
    } finally {
      await pool.end().catch(() => {});
    }
  }
  const supabase = createSupabase(config.url, config.serviceRoleKey);
  const keyFix = (what: string) => (err: unknown) =>
    /authentication failed/.test(doctorMessage(err))
      ? `plugins.supabase.serviceRoleKey is refused: set the project's service-role key (Project settings → API → service_role), e.g. \${SUPABASE_SERVICE_ROLE_KEY}`
      : `${what}, or correct plugins.supabase.url (the project URL, https://<ref>.supabase.co)`;
  try {
    for (const table of config.rest.tables) {
      checks.push(
        await doctorCheck(`REST ${table}`, keyFix(`expose ${table} to the REST API (API settings → exposed schemas) or remove it from plugins.supabase.rest.tables`), async () => {
          const { count, error, status } = await supabase.from(table).select("*", { count: "exact", head: true }).retry(false).abortSignal(signal);
          if (error) throw describeFailure(`REST ${table}`, error, status);
          return `HEAD /rest/v1/${table}: ${count ?? "?"} row(s)`;
        }),
      );
    }
    checks.push(
      await doctorCheck("Storage", keyFix("make the Storage API reachable"), async () => {
        const { data, error } = await supabase.storage.listBuckets();
        if (error) throw describeFailure("Storage buckets", error as never);
        const present = new Set((data ?? []).map((b) => b.name));
        const wanted = [...new Set([...config.storage.buckets, ...Object.values(config.storage.paths).map((p) => p.bucket)])];
        const missing = wanted.filter((b) => !present.has(b));
        if (missing.length) throw Object.assign(new Error(`no bucket ${missing.join(", ")} in this project (it has ${[...present].join(", ") || "none"})`), { missing });
        return `${present.size} bucket(s)${wanted.length ? `, including ${wanted.join(", ")}` : ""}`;
      }),
    );
    const storage = checks[checks.length - 1]!;
    if (!storage.ok && /^no bucket/.test(storage.detail)) storage.fix = "create the bucket (Storage → New bucket) or correct plugins.supabase.storage.buckets / storage.paths";
  } finally {
    await supabase.removeAllChannels().catch(() => {});
  }
  return checks;
}
