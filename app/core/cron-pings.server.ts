// The HTTP edge of cron pings: both ping routes hand the request here, and this hands it to the
// cron plugin's `cron.pings` service (the routes never import the plugin).
import { cronPingsRef, type CronPingService } from "../../plugins/cron/api";
import { NotFoundError } from "./http/errors.server";
import { getPortal } from "./portal.server";

export function cronPings(): CronPingService | null {
  return getPortal().registry.services.get(cronPingsRef) ?? null;
}

const NOT_ENABLED = "cron pings are not enabled: configure plugins.cron";

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
  if (!service) return { status: 404, body: { error: NOT_ENABLED }, headers: { "Cache-Control": "no-store" } };
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

/** `/api/cron/<job>/<kind>` (token in Authorization: Bearer) or `/ping/<token>/<job>[/<kind>]`: the answer for the route to send. */
export async function handlePing(request: Request, parts: { job: string; kind: string; token?: string | null }): Promise<PingAnswer> {
  const service = cronPings();
  const body = service ? await readCappedBody(request, service.maxBodyBytes) : null;
  const rid = new URL(request.url).searchParams.get("rid");
  return answerPing(service, parts, { authorization: request.headers.get("authorization"), rid, body });
}

/** A job's state and recent runs; a `NotFoundError` when pings are off or there is no such job. */
export async function describeCronJob(job: string) {
  const service = cronPings();
  if (!service) throw new NotFoundError(NOT_ENABLED);
  const view = await service.describe(job);
  if (!view) throw new NotFoundError(`no cron job named "${job.slice(0, 80)}"`);
  return view;
}
