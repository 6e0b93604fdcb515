// A health document written by a scheduled job (e.g. opsHealth/autoReleaseProtected): is it fresh, did it fail?
import { formatAge, parseDuration, probe, type ProbeDefinition, type ProbeStatus } from "../../plugin-api";
import type { FirestoreClient } from "../client.server";
import type { OpsHealthConfig } from "../config";
import { getPath, toMillis, toPlain } from "../query";
import { abortable, consoleLink } from "../util";

const RANK: Record<ProbeStatus, number> = { ok: 0, unknown: 1, warn: 2, critical: 3 };
const worst = (a: ProbeStatus, b: ProbeStatus) => (RANK[b] > RANK[a] ? b : a);

function count(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

export function opsHealthProbe(name: string, cfg: OpsHealthConfig, client: FirestoreClient, projectId: string): ProbeDefinition {
  const intervalMs = parseDuration(cfg.interval);
  const staleMs = intervalMs + parseDuration(cfg.grace);
  const job = cfg.document.split("/").pop()!;
  const links = client.emulator ? [] : [consoleLink(projectId, cfg.document)];
  const f = cfg.fields;

  return probe({
    id: name,
    title: cfg.title ?? `${job} job health`,
    description: cfg.description ?? `${cfg.document}: runs every ${cfg.interval}; stale after ${cfg.interval} + ${cfg.grace} grace; ${cfg.errorsStatus} on errors`,
    unit: "min",
    every: cfg.every,
    timeout: cfg.timeout,
    async read(ctx) {
      const now = ctx.now().getTime();
      const snap = await abortable(client.db.doc(cfg.document).get(), ctx.signal);
      if (!snap.exists) {
        return { value: null, status: cfg.staleStatus, summary: `${cfg.document} does not exist: ${job} has never reported`, rows: [], links };
      }
      const data = snap.data()!;
      const lastRunAt = toMillis(getPath(data, f.lastRunAt));
      const scanned = count(getPath(data, f.scanned));
      const released = count(getPath(data, f.released));
      const errors = count(getPath(data, f.errors));
      const lastErrorRaw = getPath(data, f.lastError);
      const lastError = lastErrorRaw === undefined || lastErrorRaw === null || lastErrorRaw === "" ? null : String(toPlain(lastErrorRaw));
      const row = {
        document: cfg.document,
        [f.lastRunAt]: lastRunAt === null ? null : new Date(lastRunAt).toISOString(),
        [f.scanned]: scanned,
        [f.released]: released,
        [f.errors]: errors,
        [f.lastError]: lastError,
      };

      let status: ProbeStatus = "ok";
      const parts: string[] = [];
      let value: number | null = null;
      if (lastRunAt === null) {
        status = cfg.staleStatus;
        parts.push(`no ${f.lastRunAt} in ${cfg.document}`);
      } else {
        const ageMs = Math.max(0, now - lastRunAt);
        value = Math.round((ageMs / 60_000) * 10) / 10;
        const age = formatAge(ageMs);
        if (ageMs > staleMs) {
          status = worst(status, cfg.staleStatus);
          parts.push(`stale: last run ${age} ago (runs every ${cfg.interval}, ${cfg.grace} grace)`);
        } else if (ageMs > intervalMs) {
          status = worst(status, "warn");
          parts.push(`late: last run ${age} ago (runs every ${cfg.interval})`);
        } else {
          parts.push(`last run ${age} ago`);
        }
      }
      const counts = [
        scanned !== null ? `scanned ${scanned}` : null,
        released !== null ? `released ${released}` : null,
        errors !== null ? `errors ${errors}` : null,
      ].filter(Boolean);
      if (counts.length) parts.push(counts.join(", "));
      if (errors !== null && errors > 0) {
        status = worst(status, cfg.errorsStatus);
        if (lastError) parts.push(`last error: ${lastError}`);
      }
      return { value, status, summary: parts.join(" · "), rows: [row], links };
    },
  });
}
