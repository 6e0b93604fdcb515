import { probe, type ProbeDefinition } from "../../plugin-api";
import type { RedisClient } from "../client.server";
import type { RedisConfig } from "../config";
import { counterDelta, formatBytes, num, parseInfo } from "../info";

/** PING round trip, measured on a ready connection. */
export function pingProbe(client: RedisClient, config: RedisConfig): ProbeDefinition {
  return probe({
    id: "ping",
    title: "Redis ping",
    description: "Round trip of one PING (the connection is made first if needed)",
    unit: "ms",
    every: "30s",
    timeout: config.timeouts.probe,
    thresholds: config.latency,
    async read({ signal }) {
      const redis = await client.use(signal);
      try {
        const t0 = performance.now();
        const pong = await redis.ping();
        const ms = Math.round((performance.now() - t0) * 100) / 100;
        const info = parseInfo(await redis.info("server"));
        return {
          value: ms,
          summary: `${pong} in ${ms} ms from ${client.server} (Redis ${info.redis_version ?? "?"}, up ${Math.round((num(info, "uptime_in_seconds") ?? 0) / 3600)} h)`,
        };
      } catch (err) {
        throw client.explain(err);
      }
    },
  });
}

/** used_memory against maxmemory (or against the machine when maxmemory is 0). */
export function memoryProbe(client: RedisClient, config: RedisConfig): ProbeDefinition {
  return probe({
    id: "memory",
    title: "Redis memory used",
    description: "INFO memory: used_memory in % of maxmemory, or of the machine's memory when no maxmemory is set",
    unit: "%",
    every: "1m",
    timeout: config.timeouts.probe,
    thresholds: config.memory,
    async read({ signal }) {
      const redis = await client.use(signal);
      let info: Record<string, string>;
      try {
        info = parseInfo(await redis.info("memory"));
      } catch (err) {
        throw client.explain(err);
      }
      const used = num(info, "used_memory") ?? 0;
      const max = num(info, "maxmemory") ?? 0;
      const machine = num(info, "total_system_memory") ?? 0;
      const of = max > 0 ? max : machine;
      const pct = of > 0 ? Math.round((used / of) * 10_000) / 100 : null;
      const policy = info.maxmemory_policy ?? "?";
      const summary =
        max > 0
          ? `${formatBytes(used)} used of maxmemory ${formatBytes(max)} (${pct}%), policy ${policy}`
          : `${formatBytes(used)} used; no maxmemory set (${pct ?? "?"}% of the machine's ${formatBytes(machine)}), policy ${policy}`;
      return {
        value: pct,
        summary,
        rows: [
          { item: "used_memory", value: formatBytes(used) },
          { item: "used_memory_peak", value: formatBytes(num(info, "used_memory_peak") ?? 0) },
          { item: "maxmemory", value: max > 0 ? formatBytes(max) : "0 (no limit)" },
          { item: "maxmemory_policy", value: policy },
          { item: "mem_fragmentation_ratio", value: info.mem_fragmentation_ratio ?? "?" },
        ],
      };
    },
  });
}

/** Keys evicted for memory since the previous reading. */
export function evictionsProbe(client: RedisClient, config: RedisConfig): ProbeDefinition {
  const delta = counterDelta();
  return probe({
    id: "evictions",
    title: "Redis evictions",
    description: "INFO stats evicted_keys: keys dropped for memory since the previous reading",
    unit: "keys",
    every: "1m",
    timeout: config.timeouts.probe,
    thresholds: { warn: "> 0" },
    async read({ signal }) {
      const redis = await client.use(signal);
      let stats: Record<string, string>;
      let server: Record<string, string>;
      try {
        stats = parseInfo(await redis.info("stats"));
        server = parseInfo(await redis.info("server"));
      } catch (err) {
        throw client.explain(err);
      }
      const total = num(stats, "evicted_keys") ?? 0;
      const d = delta(total, server.run_id ?? "");
      return {
        value: d.delta,
        summary: d.first
          ? `${total.toLocaleString("en-US")} keys evicted since the server started (counting increases from now)`
          : `${d.delta.toLocaleString("en-US")} keys evicted since the previous reading (${total.toLocaleString("en-US")} since the server started)`,
      };
    },
  });
}

/** Connected clients, and connections refused by the server or failed from here. */
export function clientsProbe(client: RedisClient, config: RedisConfig): ProbeDefinition {
  const rejected = counterDelta();
  let ownErrorsBefore = client.connectionErrors();
  return probe({
    id: "connection-errors",
    title: "Redis connection errors",
    description: "Connections the server rejected (INFO rejected_connections) plus connection errors this portal saw, since the previous reading; connected clients",
    unit: "errors",
    every: "1m",
    timeout: config.timeouts.probe,
    thresholds: { critical: "> 0" },
    async read({ signal }) {
      const redis = await client.use(signal);
      let info: Record<string, string>;
      try {
        info = parseInfo(await redis.info());
      } catch (err) {
        throw client.explain(err);
      }
      // CONFIG may be disabled (managed Redis such as Upstash): the rest still reads.
      const max = await redis
        .config("GET", "maxclients")
        .then((r) => (r as string[] | undefined)?.[1])
        .catch(() => undefined);
      const total = num(info, "rejected_connections") ?? 0;
      const d = rejected(total, info.run_id ?? "");
      const own = client.connectionErrors();
      const ownDelta = own - ownErrorsBefore;
      ownErrorsBefore = own;
      const connected = num(info, "connected_clients") ?? 0;
      return {
        value: d.delta + ownDelta,
        summary: `${connected} clients connected${max ? ` (maxclients ${max})` : ""}; ${d.delta} connections rejected by the server${d.first ? " (counting from now)" : " since the previous reading"}, ${ownDelta} connection errors seen by the portal`,
        rows: [
          { item: "connected_clients", value: connected },
          { item: "blocked_clients", value: num(info, "blocked_clients") ?? 0 },
          { item: "maxclients", value: max ?? "unknown" },
          { item: "rejected_connections (since start)", value: total },
          { item: "connection errors seen by the portal (since start)", value: own },
        ],
      };
    },
  });
}
