// Storage: configured buckets exist; a configured path is listable, with its object count or newest object's age.
import { formatAge, probe, type ProbeDefinition } from "../../plugin-api";
import { describeFailure, type SupabaseClient } from "../client.server";
import type { StoragePathConfig } from "../config";

const PAGE = 1000;
const MAX_OBJECTS = 20_000;

export function storageBuckets(buckets: string[], supabase: SupabaseClient): ProbeDefinition {
  return probe({
    id: "storage-buckets",
    title: "Storage buckets present",
    description: `Buckets that must exist: ${buckets.join(", ")}. The figure is how many are missing.`,
    unit: "missing",
    every: "5m",
    timeout: "10s",
    thresholds: { critical: "> 0" },
    async read() {
      const { data, error } = await supabase.storage.listBuckets();
      if (error) throw describeFailure("Storage buckets", error as never);
      const present = new Set((data ?? []).map((b) => b.name));
      const missing = buckets.filter((b) => !present.has(b));
      return {
        value: missing.length,
        summary: missing.length ? `missing: ${missing.join(", ")}` : `all ${buckets.length} present`,
        rows: buckets.map((b) => ({ bucket: b, present: present.has(b) })),
      };
    },
  });
}

export function storagePath(name: string, cfg: StoragePathConfig, supabase: SupabaseClient, now: () => Date = () => new Date()): ProbeDefinition {
  const where = `${cfg.bucket}/${cfg.prefix}`;
  return probe({
    id: `storage-${name}`,
    title: `Storage ${where}: ${cfg.measure === "count" ? "objects" : "newest object age"}`,
    description: `Lists ${where} through the Storage API (objects directly under the prefix).`,
    unit: cfg.measure === "count" ? "objects" : "min",
    every: cfg.every,
    timeout: "15s",
    thresholds: cfg.thresholds,
    async read() {
      const objects: { name: string; updated_at?: string | null; created_at?: string | null; metadata?: { size?: number } | null }[] = [];
      for (let offset = 0; offset < MAX_OBJECTS; offset += PAGE) {
        const { data, error } = await supabase.storage.from(cfg.bucket).list(cfg.prefix, { limit: PAGE, offset, sortBy: { column: "name", order: "asc" } });
        if (error) throw describeFailure(`Storage ${where}`, error as never);
        const page = data ?? [];
        // Entries without an id are folders.
        objects.push(...page.filter((o) => o.id !== null && o.id !== undefined));
        if (page.length < PAGE) break;
      }
      const newest = objects.reduce<(typeof objects)[number] | null>((best, o) => {
        const t = Date.parse(o.updated_at ?? o.created_at ?? "");
        return Number.isFinite(t) && (!best || t > Date.parse(best.updated_at ?? best.created_at ?? "")) ? o : best;
      }, null);
      const newestAt = newest ? new Date(Date.parse(newest.updated_at ?? newest.created_at ?? "")) : null;
      const ageMin = newestAt ? Math.round(((now().getTime() - newestAt.getTime()) / 60_000) * 10) / 10 : null;
      const rows = objects
        .slice()
        .sort((a, b) => Date.parse(b.updated_at ?? "") - Date.parse(a.updated_at ?? ""))
        .slice(0, 20)
        .map((o) => ({ name: o.name, updated_at: o.updated_at ?? null, size: o.metadata?.size ?? null }));
      const newestText = newest && ageMin !== null ? `newest ${newest.name}, ${formatAge(ageMin * 60_000)} old` : "no objects";
      if (cfg.measure === "count") return { value: objects.length, summary: `${objects.length} objects in ${where} (${newestText})`, rows };
      if (ageMin === null) return { value: null, summary: `no objects in ${where}`, rows, status: "warn" };
      return { value: ageMin, summary: `${newestText} (${objects.length} objects in ${where})`, rows };
    },
  });
}
