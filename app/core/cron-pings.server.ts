// The HTTP edge of cron pings: both ping routes hand the request here, and this hands it to the
// cron plugin's `cron.pings` service (the routes never import the plugin).
import { json } from "@remix-run/node";
import type { CronPingService } from "../../plugins/plugin-api";
import { getPortal } from "./portal.server";

export function cronPings(): CronPingService | null {
  return getPortal().registry.services.get<CronPingService>("cron.pings") ?? null;
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

function bearer(request: Request): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "");
  return m ? m[1]! : null;
}

/** `/api/cron/<job>/<kind>` (token in Authorization: Bearer) or `/ping/<token>/<job>[/<kind>]`. */
export async function handlePing(request: Request, parts: { job: string; kind: string; token?: string | null }): Promise<Response> {
  const service = cronPings();
  if (!service) return notEnabled();
  const body = await readCappedBody(request, service.maxBodyBytes);
  const rid = new URL(request.url).searchParams.get("rid");
  const token = parts.token !== undefined ? parts.token : bearer(request);
  const out = await service.ping({ job: parts.job, kind: parts.kind, token, rid: rid === "" ? null : rid, body });
  return json(out.body, { status: out.status, headers: { "Cache-Control": "no-store", ...(out.status === 401 ? { "WWW-Authenticate": 'Bearer realm="cron pings"' } : {}) } });
}

export async function describeCronJob(job: string): Promise<Response> {
  const service = cronPings();
  if (!service) return notEnabled();
  const view = await service.describe(job);
  if (!view) return json({ error: `no cron job named "${job.slice(0, 80)}"` }, { status: 404 });
  return json(view, { headers: { "Cache-Control": "no-store" } });
}
