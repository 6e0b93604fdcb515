import { parseDuration, probe, type ProbeDefinition } from "../../plugin-api";
import type { RedisClient } from "../client.server";
import type { KeyPattern, RedisConfig } from "../config";
import { formatBytes } from "../info";
import { countText, formatTtl, scanKeys, type ScanResult } from "../scan";

/** How many sampled keys get MEMORY USAGE for the largest-keys list. */
const SIZE_SAMPLE = 200;
const LIST_MAX = 10;

export interface PatternSurvey {
  scan: ScanResult;
  /** Keys whose TTL was checked (the first `sampleKeys` seen). */
  checked: number;
  withoutTtl: string[];
  withoutTtlCount: number;
  outsideRange: { key: string; ttl: string }[];
  outsideRangeCount: number;
  largest: { key: string; bytes: number; ttl: string }[];
  at: number;
}

/**
 * One SCAN walk per pattern, shared by its probes: count, TTL check on a sample, largest keys.
 * Reads asking within a few seconds of each other share the same walk.
 */
export function patternSurveyor(client: RedisClient, config: RedisConfig, spec: KeyPattern, changes: { generation(): number }) {
  let inflight: Promise<PatternSurvey> | null = null;
  let last: (PatternSurvey & { generation: number }) | null = null;
  let inflightGeneration = -1;
  const min = spec.ttl?.min ? parseDuration(spec.ttl.min) : null;
  const max = spec.ttl?.max ? parseDuration(spec.ttl.max) : null;

  const survey = async (signal: AbortSignal): Promise<PatternSurvey> => {
    const redis = await client.use(signal);
    const out: PatternSurvey = { scan: { seen: 0, complete: false, ms: 0 }, checked: 0, withoutTtl: [], withoutTtlCount: 0, outsideRange: [], outsideRangeCount: 0, largest: [], at: 0 };
    const sizeSample: Buffer[] = [];
    const pending: Promise<void>[] = [];
    const countTtls = (batch: Buffer[], ttls: [Error | null, unknown][]) => {
      batch.forEach((k, i) => {
        const ttl = Number(ttls[i]?.[1]);
        if (ttl === -1) {
          out.withoutTtlCount++;
          if (out.withoutTtl.length < LIST_MAX) out.withoutTtl.push(k.toString("utf8"));
        } else if (ttl >= 0 && ((min !== null && ttl < min - 1000) || (max !== null && ttl > max + 1000))) {
          out.outsideRangeCount++;
          if (out.outsideRange.length < LIST_MAX) out.outsideRange.push({ key: k.toString("utf8"), ttl: formatTtl(ttl) });
        }
      });
    };
    try {
      out.scan = await scanKeys(redis, spec.pattern, {
        count: config.scanCount,
        deadline: Date.now() + parseDuration(config.timeouts.scan),
        signal,
        onKeys: (keys) => {
          for (const k of keys) if (sizeSample.length < SIZE_SAMPLE) sizeSample.push(k);
          const room = config.sampleKeys - out.checked;
          if (room <= 0) return;
          const batch = keys.slice(0, room);
          out.checked += batch.length;
          if (!spec.ttl) return;
          const pipe = redis.pipeline();
          for (const k of batch) pipe.pttl(k);
          // Checked while SCAN goes on: one round trip per step instead of two.
          pending.push(pipe.exec().then((ttls) => countTtls(batch, ttls ?? [])));
        },
      });
      await Promise.all(pending);
      if (sizeSample.length) {
        const pipe = redis.pipeline();
        for (const k of sizeSample) {
          pipe.memory("USAGE", k);
          pipe.pttl(k);
        }
        const res = (await pipe.exec()) ?? [];
        out.largest = sizeSample
          .map((k, i) => ({ key: k.toString("utf8"), bytes: Number(res[2 * i]?.[1] ?? 0), ttl: formatTtl(Number(res[2 * i + 1]?.[1] ?? -2)) }))
          .filter((r) => r.bytes > 0)
          .sort((a, b) => b.bytes - a.bytes)
          .slice(0, 5);
      }
    } catch (err) {
      await Promise.allSettled(pending);
      throw client.explain(err);
    }
    out.at = Date.now();
    return out;
  };

  // Shared for a few seconds, unless one of this plugin's actions changed keys meanwhile.
  return (signal: AbortSignal): Promise<PatternSurvey> => {
    const generation = changes.generation();
    if (last && last.generation === generation && Date.now() - last.at < 3000) return Promise.resolve(last);
    if (!inflight || inflightGeneration !== generation) {
      inflightGeneration = generation;
      const p: Promise<PatternSurvey> = survey(signal)
        .then((s) => (last = { ...s, generation }))
        .finally(() => {
          if (inflight === p) inflight = null;
        });
      inflight = p;
    }
    return inflight;
  };
}

/** `redis.keys-<name>`: how many keys match, by SCAN, time-boxed; the largest of a sample. */
export function keyCountProbe(name: string, spec: KeyPattern, config: RedisConfig, survey: (s: AbortSignal) => Promise<PatternSurvey>): ProbeDefinition {
  return probe({
    id: `keys-${name}`,
    title: `Redis keys ${spec.pattern}`,
    description: spec.description ?? `Keys matching ${spec.pattern}, counted with SCAN (never KEYS); "at least N" when the time box ends first`,
    unit: "keys",
    every: "1m",
    timeout: config.timeouts.probe,
    thresholds: spec.count,
    async read({ signal }) {
      const s = await survey(signal);
      const stopped = s.scan.complete ? "" : s.scan.stoppedBy === "time" ? ` (SCAN stopped after its ${config.timeouts.scan} time box)` : " (SCAN stopped early)";
      return {
        value: s.scan.seen,
        summary: `${countText(s.scan)} keys match ${spec.pattern}${stopped}`,
        rows: s.largest.map((l) => ({ key: l.key, size: formatBytes(l.bytes), ttl: l.ttl })),
      };
    },
  });
}

/** `redis.ttl-<name>`: keys of a family that should expire but carry no TTL (a stuck rate limit). */
export function missingTtlProbe(name: string, spec: KeyPattern, config: RedisConfig, survey: (s: AbortSignal) => Promise<PatternSurvey>): ProbeDefinition {
  const range = [spec.ttl?.min ? `at least ${spec.ttl.min}` : null, spec.ttl?.max ? `at most ${spec.ttl.max}` : null].filter(Boolean).join(", ");
  return probe({
    id: `ttl-${name}`,
    title: `Redis ${spec.pattern} without TTL`,
    description: `Keys matching ${spec.pattern} that carry no TTL although one is expected${range ? ` (${range})` : ""}`,
    unit: "keys",
    every: "1m",
    timeout: config.timeouts.probe,
    thresholds: spec.withoutTtl ?? { critical: "> 0" },
    async read({ signal }) {
      const s = await survey(signal);
      const sampled = s.checked < s.scan.seen || !s.scan.complete ? ` among the first ${s.checked.toLocaleString("en-US")} keys checked` : "";
      const outside = s.outsideRangeCount ? `; ${s.outsideRangeCount} with a TTL outside the expected range${range ? ` (${range})` : ""}` : "";
      return {
        value: s.withoutTtlCount,
        summary: `${s.withoutTtlCount} ${s.withoutTtlCount === 1 ? "key matching" : "keys matching"} ${spec.pattern} ${s.withoutTtlCount === 1 ? "has" : "have"} no TTL${sampled}${outside}`,
        rows: [...s.withoutTtl.map((key) => ({ key, ttl: "no TTL", problem: "never expires" })), ...s.outsideRange.map((o) => ({ key: o.key, ttl: o.ttl, problem: `TTL outside ${range}` }))],
      };
    },
  });
}
