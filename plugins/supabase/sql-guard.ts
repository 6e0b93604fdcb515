// The read path's statement check, with PostgreSQL's own parser (libpg-query): exactly one
// SELECT, VALUES, SHOW or EXPLAIN (without ANALYZE); the whole tree walked for writes, locks,
// SELECT INTO, and functions off the allow-list. It runs before anything is sent, so a refused
// statement never reaches the database; the read-only role is the guarantee behind it.
import { loadModule, parseSync } from "libpg-query";
import { SqlError } from "./sql-error";

/** A statement the guard refuses before it is sent; `message` names the construct. */
export class SqlRefused extends SqlError {
  override name = "SqlRefused";
  readonly status = 400;
}

/**
 * Side-effect-free built-ins (pg_catalog), by name. Aggregates, window functions, math, strings,
 * dates, JSON, arrays, ranges, conditionals, formatting, size and catalog look-ups.
 */
const ALLOWED = new Set(
  `
count sum avg min max bool_and bool_or every array_agg string_agg json_agg jsonb_agg json_object_agg jsonb_object_agg
json_agg_strict jsonb_agg_strict json_object_agg_strict jsonb_object_agg_strict json_objectagg json_arrayagg
stddev stddev_pop stddev_samp variance var_pop var_samp corr covar_pop covar_samp regr_slope regr_intercept regr_count regr_r2
regr_avgx regr_avgy regr_sxx regr_syy regr_sxy percentile_cont percentile_disc mode bit_and bit_or bit_xor any_value range_agg range_intersect_agg xmlagg
row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
abs ceil ceiling floor round trunc sign sqrt cbrt exp ln log log10 power pow mod div greatest least random_normal
pi degrees radians sin cos tan asin acos atan atan2 sinh cosh tanh width_bucket scale min_scale trim_scale gcd lcm factorial
numeric_inc to_char to_number to_date to_timestamp
length char_length character_length octet_length bit_length lower upper initcap trim btrim ltrim rtrim lpad rpad
substr substring left right position strpos replace translate reverse repeat split_part concat concat_ws format
starts_with md5 sha224 sha256 sha384 sha512 encode decode convert_from convert_to to_hex ascii chr quote_ident quote_literal quote_nullable
regexp_match regexp_matches regexp_replace regexp_split_to_array regexp_split_to_table regexp_count regexp_instr regexp_like regexp_substr
string_to_array string_to_table array_to_string overlay unistr normalize casefold
now current_date current_time current_timestamp localtime localtimestamp statement_timestamp transaction_timestamp clock_timestamp timeofday
date_trunc date_part extract date_bin age make_date make_time make_timestamp make_timestamptz make_interval justify_days justify_hours justify_interval
isfinite timezone to_timestamp date_add date_subtract
coalesce nullif
json_build_object jsonb_build_object json_build_array jsonb_build_array to_json to_jsonb row_to_json array_to_json json_object jsonb_object
json_array_length jsonb_array_length json_each jsonb_each json_each_text jsonb_each_text json_extract_path jsonb_extract_path
json_extract_path_text jsonb_extract_path_text json_object_keys jsonb_object_keys json_array_elements jsonb_array_elements
json_array_elements_text jsonb_array_elements_text json_typeof jsonb_typeof json_strip_nulls jsonb_strip_nulls jsonb_pretty
jsonb_set jsonb_set_lax jsonb_insert jsonb_path_query jsonb_path_query_array jsonb_path_query_first jsonb_path_exists jsonb_path_match
json_populate_record jsonb_populate_record json_populate_recordset jsonb_populate_recordset json_to_record jsonb_to_record json_to_recordset jsonb_to_recordset
json_scalar json_serialize
array_length array_lower array_upper array_dims array_ndims array_position array_positions array_append array_prepend array_cat
array_remove array_replace array_fill cardinality unnest trim_array array_sample array_shuffle array_reverse array_sort
generate_series generate_subscripts
lower_inc upper_inc lower_inf upper_inf isempty range_merge int4range int8range numrange tsrange tstzrange daterange multirange
to_tsvector to_tsquery plainto_tsquery phraseto_tsquery websearch_to_tsquery ts_rank ts_rank_cd ts_headline setweight numnode querytree strip
host hostmask netmask network masklen family broadcast abbrev inet_merge inet_same_family set_masklen text
gen_random_uuid uuid_generate_v4 uuidv4 uuidv7 uuid_extract_timestamp uuid_extract_version random
current_database current_schema current_schemas current_user session_user user current_role version pg_backend_pid
current_setting has_table_privilege has_column_privilege has_schema_privilege has_database_privilege has_function_privilege pg_has_role
pg_typeof pg_column_size pg_database_size pg_relation_size pg_table_size pg_indexes_size pg_total_relation_size pg_size_pretty pg_size_bytes
pg_postmaster_start_time pg_conf_load_time pg_is_in_recovery pg_last_xact_replay_timestamp pg_last_wal_receive_lsn pg_last_wal_replay_lsn
pg_current_wal_lsn pg_wal_lsn_diff pg_get_viewdef pg_get_indexdef pg_get_constraintdef pg_get_expr pg_get_userbyid pg_get_functiondef
pg_get_function_arguments pg_get_function_result pg_get_triggerdef pg_get_serial_sequence format_type obj_description col_description
shobj_description to_regclass to_regtype to_regproc to_regnamespace to_regrole pg_table_is_visible pg_type_is_visible pg_input_is_valid
pg_stat_get_live_tuples pg_stat_get_dead_tuples pg_stat_get_numscans pg_blocking_pids pg_xact_commit_timestamp
like_escape similar_to_escape similar_escape is_normalized collation_for system_user
num_nulls num_nonnulls bool int2 int4 int8 float4 float8 numeric varchar bpchar date interval timestamp timestamptz inet cidr
xmlelement xmlforest xmlconcat xmlparse xmlserialize xmlroot xpath xpath_exists xmlexists xml_is_well_formed
`
    .split(/\s+/)
    .filter(Boolean),
);

/**
 * Never allowed, even when listed in `allowFunctions`: files and programs on the server, large
 * objects, other connections, other backends, locks that outlive the statement, settings,
 * sequences, notifications, transaction ids, and functions that run SQL given as text.
 */
const NEVER: RegExp[] = [
  /^pg_(read|ls)_/,
  /^pg_stat_file$/,
  /^lo_/,
  /^lowrite$/,
  /^loread$/,
  /^dblink/,
  /^pg_(terminate|cancel)_backend$/,
  /^pg_(try_)?advisory/,
  /^pg_(reload_conf|rotate_logfile|promote|switch_wal|create_restore_point|log_backend_memory_contexts|backup_start|backup_stop|start_backup|stop_backup|wal_replay_pause|wal_replay_resume)$/,
  /^pg_(create|drop|copy)_.*replication_slot$/,
  /^pg_replication_(origin|slot)_/,
  /^pg_logical_/,
  /^pg_(import|export)_/,
  /^pg_file_/,
  /^set_config$/,
  /^(nextval|setval|currval|lastval)$/,
  /^pg_notify$/,
  /^(txid_current|pg_current_xact_id|txid_current_snapshot|pg_current_snapshot)$/,
  /^pg_sleep_(for|until)$/,
  /^(query|table|cursor|database|schema)_to_xml/,
  /^(query|table|cursor|database|schema)_to_xmlschema$/,
  /^ts_stat$/,
  /^(copy|exec|execute|run_)/,
  /^pg_stat_(reset|clear)/,
  /^pg_(prewarm|truncate_visibility_map|visibility_map_summary|filenode_relation|relation_filepath)$/,
];

export function neverAllowed(name: string): boolean {
  const bare = name.startsWith("pg_catalog.") ? name.slice("pg_catalog.".length) : name;
  return NEVER.some((re) => re.test(bare));
}

/** Top-level statements a read may be. */
const READ_STATEMENTS = new Set(["SelectStmt", "ExplainStmt", "VariableShowStmt"]);
/** Node types that write, wherever they appear (a data-modifying CTE, EXPLAIN of an INSERT). */
const WRITES = new Set(["InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"]);
/** Table sampling methods that are built in. */
const SAMPLING = new Set(["system", "bernoulli"]);

/** `CopyStmt` → `COPY`, `CreateFunctionStmt` → `CREATE FUNCTION`. */
function statementWords(node: string, body: Record<string, unknown>): string {
  if (node === "TransactionStmt") {
    const kind = String(body.kind ?? "").replace(/^TRANS_STMT_/, "");
    return (
      {
        BEGIN: "BEGIN",
        START: "START TRANSACTION",
        COMMIT: "COMMIT",
        ROLLBACK: "ROLLBACK",
        SAVEPOINT: "SAVEPOINT",
        RELEASE: "RELEASE SAVEPOINT",
        ROLLBACK_TO: "ROLLBACK TO SAVEPOINT",
        PREPARE: "PREPARE TRANSACTION",
        COMMIT_PREPARED: "COMMIT PREPARED",
        ROLLBACK_PREPARED: "ROLLBACK PREPARED",
      } as Record<string, string>
    )[kind] ?? "transaction control";
  }
  if (node === "VariableSetStmt") {
    const kind = String(body.kind ?? "");
    if (kind.startsWith("VAR_RESET")) return "RESET";
    if (body.name === "TRANSACTION" || body.name === "transaction_isolation" || String(body.name ?? "").startsWith("TRANSACTION")) return "SET TRANSACTION";
    return "SET";
  }
  if (node === "DoStmt") return "DO";
  if (node === "CallStmt") return "CALL";
  if (node === "CopyStmt") return "COPY";
  if (node === "ExecuteStmt") return "EXECUTE";
  if (node === "DeallocateStmt") return "DEALLOCATE";
  if (node === "PrepareStmt") return "PREPARE";
  if (node === "MergeStmt") return "MERGE";
  if (node === "CreateTableAsStmt") return "CREATE TABLE AS";
  if (node === "DeclareCursorStmt") return "DECLARE CURSOR";
  return node
    .replace(/Stmt$/, "")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toUpperCase();
}

export interface GuardOptions {
  /** Extra functions allowed (`plugins.supabase.allowFunctions`), bare or schema-qualified. */
  allowFunctions?: readonly string[];
  /** `pg_sleep(n)` is allowed only for a constant n below this (ms). */
  statementTimeoutMs: number;
}

export interface CheckedStatement {
  /** SELECT, VALUES, SHOW or EXPLAIN. */
  kind: "SELECT" | "VALUES" | "SHOW" | "EXPLAIN";
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Loads the parser (about 20 ms, once per process); call at plugin setup. */
export function loadSqlParser(): Promise<void> {
  return loadModule();
}

export class SqlGuard {
  private readonly extra: Set<string>;
  private readonly cache = new Map<string, CheckedStatement | string>();

  constructor(readonly opts: GuardOptions) {
    this.extra = new Set(opts.allowFunctions ?? []);
  }

  /** Throws SqlRefused naming the first construct that is not a plain read. */
  check(text: string): CheckedStatement {
    const known = this.cache.get(text);
    if (known !== undefined) {
      if (typeof known === "string") throw new SqlRefused(known);
      return known;
    }
    let verdict: CheckedStatement | string;
    try {
      verdict = this.verdict(text);
    } catch (err) {
      if (!(err instanceof SqlRefused)) throw err;
      verdict = err.message;
    }
    if (this.cache.size >= 1000) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(text, verdict);
    if (typeof verdict === "string") throw new SqlRefused(verdict);
    return verdict;
  }

  private verdict(text: string): CheckedStatement {
    let tree: { stmts?: { stmt: Record<string, Json> }[] };
    try {
      tree = parseSync(text) as typeof tree;
    } catch (err) {
      const e = err as { message?: string; sqlDetails?: { cursorPosition?: number } };
      const at = e.sqlDetails?.cursorPosition;
      throw new SqlRefused(`refused: ${e.message ?? "the statement does not parse"}${typeof at === "number" ? ` at character ${at + 1}` : ""}`);
    }
    const stmts = tree.stmts ?? [];
    if (stmts.length === 0) throw new SqlRefused("refused: there is no statement (only comments or blanks)");
    if (stmts.length > 1) {
      const words = stmts.map((s) => {
        const [node, body] = Object.entries(s.stmt)[0]!;
        return statementWords(node, body as Record<string, unknown>);
      });
      throw new SqlRefused(`refused: ${stmts.length} statements (${words.join(", ")}); a read-only query is exactly one statement`);
    }
    const [node, body] = Object.entries(stmts[0]!.stmt)[0]! as [string, Record<string, Json>];
    if (!READ_STATEMENTS.has(node)) throw new SqlRefused(`refused: ${statementWords(node, body)} is not allowed in a read-only query (only SELECT, VALUES, SHOW and EXPLAIN)`);
    let kind: CheckedStatement["kind"] = node === "VariableShowStmt" ? "SHOW" : node === "ExplainStmt" ? "EXPLAIN" : body.valuesLists ? "VALUES" : "SELECT";
    if (node === "ExplainStmt") {
      for (const opt of (body.options as Json[] | undefined) ?? []) {
        const name = String(((opt as Record<string, Record<string, Json>>).DefElem?.defname as string) ?? "").toLowerCase();
        if (name === "analyze") throw new SqlRefused("refused: EXPLAIN ANALYZE runs the statement; only EXPLAIN without ANALYZE is allowed");
      }
      const inner = body.query as Record<string, Json> | undefined;
      const innerNode = inner ? Object.keys(inner)[0]! : "";
      if (innerNode !== "SelectStmt") throw new SqlRefused(`refused: EXPLAIN of ${statementWords(innerNode, (inner?.[innerNode] ?? {}) as Record<string, unknown>)} is not allowed; only of SELECT or VALUES`);
      kind = "EXPLAIN";
    }
    this.walk(node, body);
    return { kind };
  }

  private walk(node: string, body: Json): void {
    if (WRITES.has(node)) throw new SqlRefused(`refused: ${statementWords(node, {})} is not allowed in a read-only query (a data-modifying WITH clause writes)`);
    if (node.endsWith("Stmt") && !READ_STATEMENTS.has(node)) throw new SqlRefused(`refused: ${statementWords(node, (body ?? {}) as Record<string, unknown>)} is not allowed in a read-only query`);
    if (body === null || typeof body !== "object") return;
    if (Array.isArray(body)) {
      for (const item of body) this.walkValue(item);
      return;
    }
    if (node === "SelectStmt") {
      if (body.intoClause) throw new SqlRefused("refused: SELECT INTO creates a table; it is not allowed in a read-only query");
      const locking = body.lockingClause as Json[] | undefined;
      if (locking?.length) {
        const strength = String((locking[0] as Record<string, Record<string, Json>>).LockingClause?.strength ?? "");
        const words = ({ LCS_FORUPDATE: "FOR UPDATE", LCS_FORNOKEYUPDATE: "FOR NO KEY UPDATE", LCS_FORSHARE: "FOR SHARE", LCS_FORKEYSHARE: "FOR KEY SHARE" } as Record<string, string>)[strength] ?? "a locking clause";
        throw new SqlRefused(`refused: ${words} locks rows; it is not allowed in a read-only query`);
      }
    }
    if (node === "FuncCall") this.checkFunction(body);
    if (node === "A_Expr") {
      // OPERATOR(schema.op) names an operator, and so its function, outside the built-ins.
      const name = this.qualifiedName(body.name as Json[]);
      const dot = name.lastIndexOf(".");
      if (dot > 0 && name.slice(0, dot) !== "pg_catalog") throw new SqlRefused(`refused: operator ${name} is outside pg_catalog; only built-in operators are allowed`);
    }
    if (node === "RangeTableSample") {
      const method = this.qualifiedName(body.method as Json[]);
      if (!SAMPLING.has(method)) throw new SqlRefused(`refused: TABLESAMPLE method ${method} is not allowed (only SYSTEM and BERNOULLI)`);
    }
    for (const value of Object.values(body)) this.walkValue(value);
  }

  /** A value is either a node (`{ NodeType: {...} }`), a list of them, or a plain field. */
  private walkValue(value: Json): void {
    if (value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      for (const item of value) this.walkValue(item);
      return;
    }
    const keys = Object.keys(value);
    if (keys.length === 1 && /^[A-Z]/.test(keys[0]!)) return this.walk(keys[0]!, value[keys[0]!]!);
    for (const v of Object.values(value)) this.walkValue(v);
  }

  private qualifiedName(parts: Json[] | undefined): string {
    return (parts ?? []).map((p) => String((p as Record<string, Record<string, Json>>).String?.sval ?? "")).join(".");
  }

  private checkFunction(call: { [k: string]: Json }): void {
    const name = this.qualifiedName(call.funcname as Json[]);
    const bare = name.startsWith("pg_catalog.") ? name.slice("pg_catalog.".length) : name;
    if (neverAllowed(bare)) throw new SqlRefused(`refused: function ${bare} is never allowed in a read-only query`);
    if (bare === "pg_sleep") {
      const args = (call.args as Json[] | undefined) ?? [];
      const c = args.length === 1 ? ((args[0] as Record<string, Record<string, Json>>).A_Const ?? null) : null;
      const raw = c ? ((c.ival as Record<string, Json> | undefined)?.ival ?? (c.fval as Record<string, Json> | undefined)?.fval ?? (c.ival ? 0 : undefined)) : undefined;
      const seconds = raw === undefined ? NaN : Number(raw);
      if (!Number.isFinite(seconds) || seconds * 1000 >= this.opts.statementTimeoutMs) {
        throw new SqlRefused(`refused: pg_sleep needs a constant below the statement timeout (${this.opts.statementTimeoutMs} ms)`);
      }
      return;
    }
    if (ALLOWED.has(bare) || this.extra.has(name) || this.extra.has(bare)) return;
    throw new SqlRefused(`refused: function ${name} is not on the allow-list (plugins.supabase.allowFunctions adds one)`);
  }
}
