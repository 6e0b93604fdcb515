// A local Supabase for tests and demo mode: the REST endpoints supabase-js calls for reads (a
// PostgREST subset translated to SQL on a real PostgreSQL, read-only) and Storage's bucket list
// and object list served from a local folder. Requests carry the service key like Supabase's API.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import pg from "pg";

export interface SupabaseSandbox {
  url: string;
  serviceRoleKey: string;
  storageDir: string;
  stop(): Promise<void>;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const OPS: Record<string, string> = { eq: "=", neq: "<>", gt: ">", gte: ">=", lt: "<", lte: "<=", like: "like", ilike: "ilike" };
const RESERVED = new Set(["select", "order", "limit", "offset", "columns", "on_conflict"]);

class RestError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

const pgrst = (status: number, code: string, message: string, details: string | null = null, hint: string | null = null) => new RestError(status, { code, details, hint, message });

function ident(name: string, what: string): string {
  if (!IDENT.test(name)) throw pgrst(400, "PGRST100", `"failed to parse ${what}" (${name})`, `unexpected "${name}"`);
  return `"${name}"`;
}

/** Splits `in.(a,"b,c",d)` list items, honouring double quotes. */
function listItems(text: string): string[] {
  const m = /^\((.*)\)$/.exec(text);
  if (!m) throw pgrst(400, "PGRST100", `"failed to parse filter (in.${text})"`, "expected a list in parentheses");
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (const ch of m[1]!) {
    if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (cur.length || out.length) out.push(cur);
  return out;
}

/** PostgREST's query string → a WHERE clause, ORDER BY, LIMIT/OFFSET and the selected columns. */
export function translate(search: URLSearchParams): { columns: string; where: string; params: unknown[]; order: string; limit: number | null; offset: number } {
  const params: unknown[] = [];
  const conds: string[] = [];
  const select = search.get("select") ?? "*";
  const columns =
    select.trim() === "*"
      ? "*"
      : select
          .split(",")
          .map((c) => c.trim())
          .filter(Boolean)
          .map((c) => ident(c, "select"))
          .join(", ");
  for (const [key, raw] of search) {
    if (RESERVED.has(key)) continue;
    const col = ident(key, "filter");
    let rest = raw;
    let negate = false;
    if (rest.startsWith("not.")) {
      negate = true;
      rest = rest.slice(4);
    }
    const dot = rest.indexOf(".");
    if (dot < 0) throw pgrst(400, "PGRST100", `"failed to parse filter (${raw})"`, "unexpected end of input expecting operator");
    const op = rest.slice(0, dot);
    const value = rest.slice(dot + 1);
    let cond: string;
    if (op in OPS) {
      params.push(op === "like" || op === "ilike" ? value.replace(/\*/g, "%") : value);
      cond = `${col} ${OPS[op]} $${params.length}`;
    } else if (op === "is") {
      const v = value.toLowerCase();
      if (!["null", "true", "false", "unknown"].includes(v)) throw pgrst(400, "PGRST100", `"failed to parse filter (${raw})"`, "is takes null, true, false or unknown");
      cond = `${col} is ${v}`;
    } else if (op === "in") {
      params.push(listItems(value));
      cond = `${col}::text = any($${params.length}::text[])`;
    } else {
      throw pgrst(400, "PGRST100", `"failed to parse filter (${raw})"`, `unknown operator "${op}"`);
    }
    conds.push(negate ? `not (${cond})` : cond);
  }
  const orderParam = search.get("order");
  const order = orderParam
    ? orderParam
        .split(",")
        .map((part) => {
          const [c, ...mods] = part.split(".");
          const dir = mods.includes("desc") ? "desc" : "asc";
          const nulls = mods.includes("nullsfirst") ? " nulls first" : mods.includes("nullslast") ? " nulls last" : "";
          return `${ident(c!, "order")} ${dir}${nulls}`;
        })
        .join(", ")
    : "";
  const int = (name: string) => {
    const v = search.get(name);
    if (v === null) return null;
    if (!/^\d+$/.test(v)) throw pgrst(400, "PGRST100", `"failed to parse ${name} (${v})"`, "expected a non-negative integer");
    return Number(v);
  };
  return { columns, where: conds.length ? ` where ${conds.join(" and ")}` : "", params, order: order ? ` order by ${order}` : "", limit: int("limit"), offset: int("offset") ?? 0 };
}

function keyOf(headers: http.IncomingHttpHeaders): string | null {
  const apikey = headers.apikey;
  if (typeof apikey === "string" && apikey) return apikey;
  const auth = headers.authorization;
  return typeof auth === "string" && auth.startsWith("Bearer ") ? auth.slice(7) : null;
}

function sameKey(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = crypto.createHash("sha256").update(given).digest();
  const b = crypto.createHash("sha256").update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

async function rest(pool: pg.Pool, method: string, table: string, search: URLSearchParams, prefer: string): Promise<Answer> {
  if (method !== "GET" && method !== "HEAD") throw pgrst(405, "PGRST117", `Unsupported HTTP method: ${method} (this sandbox serves reads)`);
  const name = table.includes(".") ? table : `public.${table}`;
  const [schema, rel] = name.split(".");
  if (!IDENT.test(schema!) || !IDENT.test(rel!)) throw pgrst(404, "PGRST205", `Could not find the table '${name}' in the schema cache`);
  const t = translate(search);
  const client = await pool.connect();
  try {
    await client.query("BEGIN READ ONLY; SET LOCAL statement_timeout = 10000");
    const exists = await client.query("select to_regclass($1) is not null as ok", [`"${schema}"."${rel}"`]);
    if (!exists.rows[0]?.ok) throw pgrst(404, "PGRST205", `Could not find the table '${name}' in the schema cache`, null, null);
    const from = ` from "${schema}"."${rel}"${t.where}`;
    let total: number | null = null;
    if (/count=exact/.test(prefer)) total = Number((await client.query(`select count(*) as n${from}`, t.params)).rows[0].n);
    let rows: Record<string, unknown>[] = [];
    if (method === "GET") {
      const limit = t.limit === null ? "" : ` limit ${t.limit}`;
      rows = (await client.query(`select ${t.columns}${from}${t.order}${limit} offset ${t.offset}`, t.params)).rows;
    } else if (total === null) {
      total = null;
    }
    const shown = method === "GET" ? rows.length : 0;
    const range = shown > 0 ? `${t.offset}-${t.offset + shown - 1}` : "*";
    const headers = { "content-range": `${range}/${total ?? "*"}`, "content-type": "application/json; charset=utf-8" };
    return { status: total !== null && method === "GET" && shown < total && (t.limit !== null || t.offset > 0) ? 206 : 200, headers, body: method === "HEAD" ? undefined : rows };
  } catch (err) {
    if (err instanceof RestError) throw err;
    const e = err as { code?: string; message?: string; detail?: string; hint?: string };
    throw new RestError(400, { code: e.code ?? "PGRST000", details: e.detail ?? null, hint: e.hint ?? null, message: e.message ?? String(err) });
  } finally {
    await client.query("ROLLBACK").catch(() => {});
    client.release();
  }
}

function inside(root: string, ...parts: string[]): string | null {
  const p = path.resolve(root, ...parts);
  return p === root || p.startsWith(root + path.sep) ? p : null;
}

function storageError(status: number, error: string, message: string): Answer {
  return { status, body: { statusCode: String(status), error, message } };
}

function listBuckets(root: string): Answer {
  const buckets = fs
    .readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const st = fs.statSync(path.join(root, d.name));
      return { id: d.name, name: d.name, owner: "", public: false, file_size_limit: null, allowed_mime_types: null, created_at: st.birthtime.toISOString(), updated_at: st.mtime.toISOString() };
    });
  return { status: 200, body: buckets };
}

function listObjects(root: string, bucket: string, body: { prefix?: string; limit?: number; offset?: number; sortBy?: { column?: string; order?: string }; search?: string }): Answer {
  const bucketDir = inside(root, bucket);
  if (!bucketDir || !fs.existsSync(bucketDir) || !fs.statSync(bucketDir).isDirectory()) return storageError(404, "Bucket not found", "Bucket not found");
  const dir = inside(bucketDir, body.prefix ?? "");
  if (!dir) return storageError(400, "Invalid Input", "invalid prefix");
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return { status: 200, body: [] };
  const search = (body.search ?? "").toLowerCase();
  let entries = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => !search || d.name.toLowerCase().includes(search))
    .map((d) => {
      if (d.isDirectory()) return { name: d.name, id: null, updated_at: null, created_at: null, last_accessed_at: null, metadata: null };
      const full = path.join(dir, d.name);
      const st = fs.statSync(full);
      const id = crypto.createHash("sha1").update(path.relative(root, full)).digest("hex");
      const uuid = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`;
      const at = st.mtime.toISOString();
      return {
        name: d.name,
        id: uuid,
        updated_at: at,
        created_at: at,
        last_accessed_at: st.atime.toISOString(),
        metadata: { eTag: `"${id.slice(0, 32)}"`, size: st.size, mimetype: d.name.endsWith(".pdf") ? "application/pdf" : "application/octet-stream", cacheControl: "max-age=3600", lastModified: at, contentLength: st.size, httpStatusCode: 200 },
      };
    });
  const column = body.sortBy?.column ?? "name";
  const desc = body.sortBy?.order === "desc";
  const key = (e: (typeof entries)[number]) => String((e as Record<string, unknown>)[column] ?? "");
  entries = entries.sort((a, b) => (desc ? -1 : 1) * key(a).localeCompare(key(b)));
  const offset = Math.max(0, Number(body.offset ?? 0));
  const limit = Math.max(0, Math.min(Number(body.limit ?? 100), 1000));
  return { status: 200, body: entries.slice(offset, offset + limit) };
}

/** Starts the sandbox on 127.0.0.1 (free port) over `databaseUrl` and the folder `storageDir` (one sub-folder per bucket). */
export async function startSupabaseSandbox(opts: { databaseUrl: string; storageDir: string; serviceRoleKey?: string }): Promise<SupabaseSandbox> {
  const serviceRoleKey = opts.serviceRoleKey ?? `sb_secret_${crypto.randomBytes(24).toString("base64url")}`;
  const root = path.resolve(opts.storageDir);
  fs.mkdirSync(root, { recursive: true });
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 4, idleTimeoutMillis: 10_000 });
  pool.on("error", () => {});

  const handle = async (req: http.IncomingMessage, raw: Buffer): Promise<Answer> => {
    const url = new URL(req.url ?? "/", "http://sandbox");
    const method = (req.method ?? "GET").toUpperCase();
    const restMatch = /^\/rest\/v1\/([^/]+)$/.exec(url.pathname);
    const isStorage = url.pathname.startsWith("/storage/v1/");
    if (!restMatch && !isStorage) return { status: 404, body: { message: "no route", path: url.pathname } };
    if (!sameKey(keyOf(req.headers), serviceRoleKey)) {
      if (isStorage) return storageError(403, "Unauthorized", "invalid signature");
      return { status: 401, body: { message: "Invalid API key", hint: "Double check your Supabase `anon` or `service_role` API key." } };
    }
    if (restMatch) {
      try {
        return await rest(pool, method, decodeURIComponent(restMatch[1]!), url.searchParams, String(req.headers.prefer ?? ""));
      } catch (err) {
        if (err instanceof RestError) return { status: err.status, body: err.body };
        throw err;
      }
    }
    if (method === "GET" && url.pathname === "/storage/v1/bucket") return listBuckets(root);
    const list = /^\/storage\/v1\/object\/list\/([^/]+)$/.exec(url.pathname);
    if (method === "POST" && list) {
      let body: Record<string, unknown> = {};
      try {
        body = raw.length ? JSON.parse(raw.toString("utf8")) : {};
      } catch {
        return storageError(400, "Invalid Input", "body is not JSON");
      }
      return listObjects(root, decodeURIComponent(list[1]!), body);
    }
    return storageError(404, "Not Found", `${method} ${url.pathname} is not served by this sandbox`);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(req, Buffer.concat(chunks)).then(
        (a) => {
          const isHead = (req.method ?? "").toUpperCase() === "HEAD";
          res.writeHead(a.status, { "content-type": "application/json; charset=utf-8", ...(a.headers ?? {}) });
          res.end(isHead || a.body === undefined ? undefined : JSON.stringify(a.body));
        },
        (err) => {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ message: `sandbox error: ${(err as Error).message}` }));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    serviceRoleKey,
    storageDir: root,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

const MIN = 60_000;

/** The demo shop's files in Storage: claim documents, and invoices that stopped a day ago (the invoice provider outage). */
export function seedDemoStorage(dir: string, now = new Date()): void {
  const file = (rel: string, minutesAgo: number, text: string) => {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
    const t = new Date(now.getTime() - minutesAgo * MIN);
    fs.utimesSync(p, t, t);
  };
  file("claim-documents/claims/CLM-2041/receipt.pdf", 6 * 60, "%PDF-1.4 demo receipt for wx-1043\n");
  file("claim-documents/claims/CLM-2041/photo-1.jpg", 6 * 60 - 3, "demo photo\n");
  file("claim-documents/claims/CLM-2057/shipping-label.pdf", 26 * 60, "%PDF-1.4 demo label for wx-1042\n");
  for (const [n, ago] of [
    ["wx-1001", 12 * 1440],
    ["wx-1002", 11 * 1440],
    ["wx-1003", 10 * 1440],
    ["wx-1004", 9 * 1440],
    ["wx-1045", 3 * 1440 - 5],
    ["wx-1041", 27 * 60],
  ] as const) {
    file(`invoices/2026/${n}.pdf`, ago, `%PDF-1.4 demo invoice ${n}\n`);
  }
}
