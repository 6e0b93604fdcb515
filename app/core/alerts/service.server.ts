import { parseDuration } from "../../../plugins/plugin-api";
import { audit } from "../audit/audit.server";
import { requestAddress } from "../auth.server";
import { auditAnonymousDenial } from "../audit/anonymous-denials.server";
import { HttpError, InputError, MAX_BODY_BYTES, NotFoundError, parseJsonObject, PayloadTooLargeError, UnsupportedMediaTypeError } from "../http/index.server";
import type { BootStep, Portal } from "../portal.server";
import { createScrubber } from "../secrets/index.server";
import { startAlertsDemo } from "./demo.server";
import { captureEvidence } from "./evidence.server";
import type { IncomingAlert } from "./incoming";
import { linkRunbook } from "./linking.server";
import { authenticate, parseReceived } from "./receivers.server";
import { applyRules, recordResolutions } from "./rules.server";
import { mirrorActiveWindows, silenceRules, silencing } from "./silences.server";
import { openAlerts, resolveExpired, storeAlerts, type AlertChange, type ArrivalContext } from "./store.server";

export interface ReceiptAnswer {
  received: number;
  fired: number;
  resolved: number;
  deduplicated: number;
  silenced: number;
  incidents: string[];
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** The raw body with the HTTP edge's cap (Sentry signs the exact bytes, so it is read as text first). */
async function readRawBody(request: Request, limit = MAX_BODY_BYTES): Promise<string> {
  const type = request.headers.get("content-type") ?? "";
  if (type && !JSON_TYPE.test(type)) throw new UnsupportedMediaTypeError("application/json");
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > limit) throw new PayloadTooLargeError(limit);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new InputError({ body: ["the body is not valid UTF-8"] });
  }
}

/** PostgreSQL text cannot hold U+0000; a source that sends one gets it dropped, in every string. */
function withoutNul<T>(value: T): T {
  if (typeof value === "string") return value.replace(/\u0000/g, "") as T;
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k), withoutNul(v)])) as T;
  return value;
}

/** New firing alerts get their runbook, and its widgets' readings, before they are written. */
export async function arrivalContexts(portal: Portal, alerts: readonly IncomingAlert[], known: ReadonlySet<string>): Promise<Map<string, ArrivalContext>> {
  const out = new Map<string, ArrivalContext>();
  const evidenceByRunbook = new Map<string, Promise<ArrivalContext["evidence"]>>();
  await Promise.all(
    alerts.map(async (a) => {
      if (known.has(a.fingerprint)) return;
      const link = linkRunbook(portal.runbooksDir, a);
      let evidence: ArrivalContext["evidence"] = null;
      if (link && a.status === "firing") {
        let p = evidenceByRunbook.get(link.path);
        if (!p) evidenceByRunbook.set(link.path, (p = captureEvidence(portal, link.probes)));
        evidence = await p;
      }
      const plugins = new Set(portal.registry.plugins.map((pl) => pl.id));
      out.set(a.fingerprint, { link: link ? { ...link, plugins: link.plugins.filter((p) => plugins.has(p)) } : null, evidence });
    }),
  );
  return out;
}

/**
 * `POST /api/alerts/<receiver>`: credentials first (401, nothing stored), then the payload (400
 * naming the field), then one transaction that writes the alerts and the `alert.received` audit
 * entry together; rules run on what changed.
 */
export async function receiveAlerts(portal: Portal, receiverName: string, request: Request, now = Date.now()): Promise<ReceiptAnswer> {
  const config = portal.config.alerts.receivers[receiverName];
  if (!config) throw new NotFoundError(`there is no alert receiver "${receiverName.slice(0, 64)}" (config alerts.receivers)`);
  const target = receiverName;
  let text: string;
  try {
    text = await readRawBody(request);
    authenticate(config, { headers: request.headers, text });
  } catch (err) {
    if (err instanceof HttpError && err.status === 401) {
      await auditAnonymousDenial(portal, requestAddress(request), { action: "alert.received", target, outcome: "denied", details: { reason: err.message } });
    }
    throw err;
  }
  const actor = { actor: `receiver:${receiverName}`, roles: [] as string[] };
  let received;
  try {
    if (!text.trim()) throw new InputError({ body: ["is empty: send the payload as JSON"] });
    const body = parseJsonObject(text);
    received = parseReceived(config, request.headers, body, now);
  } catch (err) {
    if (err instanceof HttpError) await audit(portal, { ...actor, action: "alert.received", target, outcome: "invalid", details: { kind: config.kind, error: err.message, fieldErrors: err.fieldErrors } });
    throw err;
  }
  const scrubber = createScrubber(portal.config.secretValues);
  // One entry per fingerprint: the last word in the payload wins.
  const alerts = [...new Map(received.alerts.map((a) => [a.fingerprint, withoutNul(scrubber.deep(a))])).values()];

  const known = new Set((await openAlerts(portal.store.db, receiverName, alerts.map((a) => a.fingerprint))).keys());
  const arrival = await arrivalContexts(portal, alerts, known);
  let changes: AlertChange[] = [];
  await audit(
    portal,
    {
      ...actor,
      action: "alert.received",
      target,
      outcome: "succeeded",
      details: { kind: config.kind, source: received.source, ...received.about, alerts: alerts.length, firing: alerts.filter((a) => a.status === "firing").length, names: [...new Set(alerts.map((a) => a.name))].slice(0, 20) },
    },
    async (db) => {
      changes = await storeAlerts(db, receiverName, received.source, alerts, arrival, now);
    },
  );

  const silences = await silenceRules(portal, now);
  const fresh = changes.filter((c) => c.change === "fired" || c.change === "refired");
  const muted = fresh.filter((c) => silencing(silences, { alertname: c.alert.name, ...JSON.parse(c.alert.labels) }, now));
  const incidents = await applyRules(portal, fresh.filter((c) => !muted.includes(c)), now);
  await recordResolutions(portal, changes.filter((c) => c.change === "resolved"), now);
  return {
    received: alerts.length,
    fired: fresh.length,
    resolved: changes.filter((c) => c.change === "resolved").length,
    deduplicated: changes.filter((c) => c.change === "seen").length,
    silenced: muted.length,
    incidents,
  };
}

/** Resolves alerts whose endsAt passed (and says so on their incidents), every half minute; in demo mode, the demo receiver and Alertmanager. */
export const alertsBootStep: BootStep = async (portal) => {
  const stopDemo = await startAlertsDemo(portal);
  const sweep = async () => {
    const now = Date.now();
    await mirrorActiveWindows(portal, now);
    const changed = await resolveExpired(portal.store.db, now, parseStale(portal));
    if (changed.length) await recordResolutions(portal, changed.map((alert) => ({ alert, change: "resolved" as const })), now);
  };
  const timer = setInterval(() => void sweep().catch((err) => portal.log.warn({ err }, "alert sweep failed")), 30_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await stopDemo?.();
  };
};

function parseStale(portal: Portal): number {
  return parseDuration(portal.config.alerts.staleAfter);
}

/** For pages and tests: resolve what has expired now. */
export async function sweepAlerts(portal: Portal, now = Date.now()): Promise<number> {
  const changed = await resolveExpired(portal.store.db, now, parseStale(portal));
  if (changed.length) await recordResolutions(portal, changed.map((alert) => ({ alert, change: "resolved" as const })), now);
  return changed.length;
}
