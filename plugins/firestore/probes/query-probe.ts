// A probe declared in config: a collection, filters, and either a count or the newest document's age.
import { formatAge, probe, type Link, type ProbeDefinition, type ProbeReading, type ProbeStatus } from "../../plugin-api";
import type { FirestoreClient, QueryDocumentSnapshot } from "../client.server";
import type { QueryFilter, QueryProbeConfig } from "../config";
import { abortable, consoleLink } from "../util";
import { applyServerFilters, getPath, matches, splitFilters, toMillis, toPlain } from "../query";

const MAX_ROWS = 20;

export function describeFilter(f: QueryFilter): string {
  if (f.op === "missing" || f.op === "exists") return `${f.field} ${f.op}`;
  const v = f.value;
  if (v && typeof v === "object" && !Array.isArray(v)) {
    // A time before "10m ago" is older than 10 minutes: say so, not "< 10m ago" (read as "within").
    const older = f.op === "<" || f.op === "<=";
    const newer = f.op === ">" || f.op === ">=";
    return older ? `${f.field} older than ${v.ago}` : newer ? `${f.field} within the last ${v.ago}` : `${f.field} ${f.op} ${v.ago} ago`;
  }
  return `${f.field} ${f.op} ${JSON.stringify(v)}`;
}

export function queryProbe(name: string, cfg: QueryProbeConfig, client: FirestoreClient, projectId: string): ProbeDefinition {
  const { server, client: local } = splitFilters(cfg.filters, { emulator: client.emulator });
  const measureField = cfg.field;
  // The emulator cannot order by a nested field either; then the newest document is found here.
  const orderHere = !!measureField && client.emulator && measureField.includes(".");
  const shown = cfg.show.length ? cfg.show : [...new Set([...cfg.filters.map((f) => f.field), ...(measureField ? [measureField] : [])])];
  const where = cfg.filters.length ? ` where ${cfg.filters.map(describeFilter).join(", ")}` : "";
  const links: Link[] = client.emulator ? [] : [consoleLink(projectId, cfg.collection)];

  const row = (doc: QueryDocumentSnapshot) => {
    const data = doc.data();
    const out: Record<string, unknown> = { id: doc.id };
    for (const f of shown) out[f] = toPlain(getPath(data, f));
    return out;
  };

  async function readCount(now: Date, signal: AbortSignal): Promise<ProbeReading> {
    const query = applyServerFilters(client.db.collection(cfg.collection), server, now);
    if (local.length === 0) {
      const agg = await abortable(query.count().get(), signal);
      const n = agg.data().count;
      const rows = n > 0 ? (await abortable(query.limit(MAX_ROWS).get(), signal)).docs.map(row) : [];
      return { value: n, summary: `${n} in ${cfg.collection}${where}`, rows, links };
    }
    const snap = await abortable(query.limit(cfg.scanLimit + 1).get(), signal);
    const scanned = snap.docs.slice(0, cfg.scanLimit);
    const hits = scanned.filter((d) => local.every((f) => matches(d.data(), f, now)));
    const truncated = snap.size > cfg.scanLimit;
    const summary = `${truncated ? "at least " : ""}${hits.length} in ${cfg.collection}${where}${truncated ? ` (first ${cfg.scanLimit} scanned)` : ""}`;
    return { value: hits.length, summary, rows: hits.slice(0, MAX_ROWS).map(row), links };
  }

  async function readNewestAge(now: Date, signal: AbortSignal): Promise<ProbeReading> {
    const field = measureField!;
    let query = applyServerFilters(client.db.collection(cfg.collection), server, now);
    let newest: QueryDocumentSnapshot | undefined;
    if (orderHere) {
      const snap = await abortable(query.limit(cfg.scanLimit).get(), signal);
      let best = -Infinity;
      for (const d of snap.docs) {
        const t = toMillis(getPath(d.data(), field));
        if (t !== null && t > best && local.every((f) => matches(d.data(), f, now))) {
          best = t;
          newest = d;
        }
      }
    } else {
      query = query.orderBy(field, "desc").limit(local.length ? cfg.scanLimit : 1);
      const snap = await abortable(query.get(), signal);
      newest = snap.docs.find((d) => toMillis(getPath(d.data(), field)) !== null && local.every((f) => matches(d.data(), f, now)));
    }
    if (!newest) {
      const status: ProbeStatus = cfg.whenEmpty;
      return { value: null, summary: `no document in ${cfg.collection}${where} has ${field}`, status, rows: [], links };
    }
    const at = toMillis(getPath(newest.data(), field))!;
    const minutes = Math.round(((now.getTime() - at) / 60_000) * 10) / 10;
    return {
      value: minutes,
      summary: `newest ${field} in ${cfg.collection} is ${formatAge(now.getTime() - at)} old (${new Date(at).toISOString()})`,
      rows: [row(newest)],
      links,
    };
  }

  return probe({
    id: name,
    title: cfg.title ?? `${cfg.collection}: ${cfg.measure === "count" ? "matching documents" : `age of newest ${measureField}`}`,
    description: cfg.description ?? `Firestore ${cfg.measure === "count" ? "count" : "newest-age"} on ${cfg.collection}${where}`,
    unit: cfg.unit ?? (cfg.measure === "count" ? "documents" : "min"),
    every: cfg.every,
    timeout: cfg.timeout,
    thresholds: cfg.thresholds,
    async read(ctx) {
      const now = ctx.now();
      return cfg.measure === "count" ? readCount(now, ctx.signal) : readNewestAge(now, ctx.signal);
    },
  });
}
