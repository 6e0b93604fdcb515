// The HTTP edge of cron pings: both ping routes hand the request here, and this hands it to the
// cron plugin's `cron.pings` service (the routes never import the plugin).
import { json } from "@remix-run/node";
import { cronPingsRef, type CronPingService } from "../../plugins/cron/api";
import { getPortal } from "./portal.server";

export function cronPings(): CronPingService | null {
  return getPortal().registry.services.get(cronPingsRef) ?? null;
}

const notEnabled = () => json({ error: "cron pings are not enabled: configure plugins.cron" }, { status: 404 });

/** Reads at most `max` bytes of the body (the rest is dropped unread: the excerpt is capped anyway). */
export async function readCappedBody(request: Request, max: number): Promise<string | null> {
  if (request.method === "GET" || request.method === "HEAD" || !request.body || max <= 0) return null;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size <= max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  if (!size) return null;
  const buf = Buffer.concat(chunks).subarray(0, max + 1);
  return buf.toString("utf8");
}

function bearerOf(header: string | null | undefined): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return m ? m[1]! : null;
}

export interface PingAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/**
 * One ping, whichever edge received it: the job and kind from the path, the token from the path
 * (`/ping/<token>/…`) or the Authorization header, `rid` from the query, the body already capped.
 */
export async function answerPing(
  service: CronPingService | null,
  parts: { job: string; kind: string; token?: string | null },
  request: { authorization: string | null | undefined; rid: string | null; body: string | null },
): Promise<PingAnswer> {
  if (!service) return { status: 404, body: { error: "cron pings are not enabled: configure plugins.cron" }, headers: { "Cache-Control": "no-store" } };
  const token = parts.token !== undefined ? parts.token : bearerOf(request.authorization);
  const out = await service.ping({ job: parts.job, kind: parts.kind, token, rid: request.rid === "" ? null : request.rid, body: request.body });
  return { status: out.status, body: out.body, headers: { "Cache-Control": "no-store", ...(out.status === 401 ? { "WWW-Authenticate": 'Bearer realm="cron pings"' } : {}) } };
}

/** Which ping a path names, or null: `/api/cron/<job>/<kind>`, `POST /api/cron/<job>`, `/ping/<token>/<job>[/<kind>]`. */
export function pingPath(method: string, pathname: string): { job: string; kind: string; token?: string } | null {
  const parts = pathname.split("/").filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts[0] === "api" && parts[1] === "cron") {
    if (parts.length === 4) return { job: parts[2]!, kind: parts[3]! };
    if (parts.length === 3 && method === "POST") return { job: parts[2]!, kind: "success" };
    return null;
  }
  if (parts[0] === "ping" && (parts.length === 3 || parts.length === 4)) return { token: parts[1]!, job: parts[2]!, kind: parts[3] ?? "success" };
  return null;
}

/** `/api/cron/<job>/<kind>` (token in Authorization: Bearer) or `/ping/<token>/<job>[/<kind>]`. */
export async function handlePing(request: Request, parts: { job: string; kind: string; token?: string | null }): Promise<Response> {
  const service = cronPings();
  const body = service ? await readCappedBody(request, service.maxBodyBytes) : null;
  const rid = new URL(request.url).searchParams.get("rid");
  const out = await answerPing(service, parts, { authorization: request.headers.get("authorization"), rid, body });
  return json(out.body, { status: out.status, headers: out.headers });
}

export async function describeCronJob(job: string): Promise<Response> {
  const service = cronPings();
  if (!service) return notEnabled();
  const view = await service.describe(job);
  if (!view) return json({ error: `no cron job named "${job.slice(0, 80)}"` }, { status: 404 });
  return json(view, { headers: { "Cache-Control": "no-store" } });
}
