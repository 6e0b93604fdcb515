// The server's own health: ping latency, connections in use, replication lag (when the user may
// run replSetGetStatus) and operations running longer than the configured number of seconds.
import type { Db, MongoServerError } from "mongodb";
import { probe, type ProbeDefinition, type Thresholds } from "../../plugin-api";
import { plainValue } from "../run-query";

const NOT_REPLICA_SET = 76;
const UNAUTHORIZED = 13;

export function pingLatency(db: Db, thresholds: Thresholds): ProbeDefinition {
  return probe({
    id: "ping",
    title: "MongoDB ping latency",
    unit: "ms",
    every: "30s",
    thresholds,
    async read() {
      const started = performance.now();
      await db.command({ ping: 1 }, { maxTimeMS: 5000 } as never);
      const ms = Math.round((performance.now() - started) * 10) / 10;
      return { value: ms, summary: `ping answered in ${ms} ms` };
    },
  });
}

export function connectionsInUse(db: Db, thresholds?: Thresholds): ProbeDefinition {
  return probe({
    id: "connections",
    title: "MongoDB connections in use",
    unit: "connections",
    every: "1m",
    thresholds,
    async read() {
      const s = await db.admin().command({ serverStatus: 1, repl: 0, metrics: 0, locks: 0 });
      const current = Number(s.connections?.current ?? NaN);
      const available = Number(s.connections?.available ?? NaN);
      if (!Number.isFinite(current)) throw new Error("serverStatus has no connections section");
      return { value: current, summary: `${current} in use${Number.isFinite(available) ? `, ${available} available` : ""}`, rows: [{ current, available, active: plainValue(s.connections?.active) ?? null, totalCreated: plainValue(s.connections?.totalCreated) ?? null }] };
    },
  });
}

export function replicationLag(db: Db, thresholds: Thresholds): ProbeDefinition {
  return probe({
    id: "replication-lag",
    title: "MongoDB replication lag",
    unit: "s",
    every: "1m",
    thresholds,
    async read() {
      let status;
      try {
        status = await db.admin().command({ replSetGetStatus: 1 });
      } catch (err) {
        const code = (err as MongoServerError).code;
        if (code === NOT_REPLICA_SET) return { value: null, status: "ok", summary: "not a replica set: there is no replication lag to read" };
        if (code === UNAUTHORIZED) return { value: null, status: "unknown", summary: "replSetGetStatus is not permitted for this user (grant clusterMonitor to read replication lag)" };
        throw err;
      }
      const members = (status.members ?? []) as { name: string; stateStr: string; optimeDate?: Date; health?: number }[];
      const primary = members.find((m) => m.stateStr === "PRIMARY");
      if (!primary?.optimeDate) return { value: null, status: "unknown", summary: "no primary with an optime in replSetGetStatus" };
      const rows = members
        .filter((m) => m.stateStr === "SECONDARY" && m.optimeDate)
        .map((m) => ({ member: m.name, state: m.stateStr, lagSeconds: Math.max(0, Math.round((primary.optimeDate!.getTime() - m.optimeDate!.getTime()) / 1000)) }));
      if (!rows.length) return { value: 0, summary: "no secondaries", rows };
      const worst = rows.reduce((a, b) => (b.lagSeconds > a.lagSeconds ? b : a));
      return { value: worst.lagSeconds, summary: `largest lag ${worst.lagSeconds} s (${worst.member})`, rows };
    },
  });
}

export interface SlowOperation {
  opid: number | string;
  secsRunning: number;
  op: string;
  ns: string;
  client: string;
  command: string;
}

/** Active operations running at least `seconds`, longest first (the portal's own currentOp excluded). */
export async function slowOperations(db: Db, seconds: number): Promise<SlowOperation[]> {
  const res = await db.admin().command({ currentOp: 1, active: true, secs_running: { $gte: seconds } });
  const ops = ((res.inprog ?? []) as Record<string, unknown>[])
    .filter((o) => o.active !== false && Number(plainValue(o.secs_running) ?? 0) >= seconds && !(o.command && typeof o.command === "object" && "currentOp" in (o.command as object)))
    .map((o) => ({
      opid: plainValue(o.opid) as number | string,
      secsRunning: Number(plainValue(o.secs_running)),
      op: String(o.op ?? ""),
      ns: String(o.ns ?? ""),
      client: String(o.client ?? o.client_s ?? ""),
      command: JSON.stringify(plainValue(o.command ?? {})).slice(0, 300),
    }));
  return ops.sort((a, b) => b.secsRunning - a.secsRunning);
}

export function slowOperationsProbe(db: Db, seconds: number, thresholds: Thresholds): ProbeDefinition {
  return probe({
    id: "slow-operations",
    title: `MongoDB operations running longer than ${seconds} s`,
    description: `currentOp: active operations with secs_running >= ${seconds}; each can be ended with mongodb.kill-op`,
    unit: "operations",
    every: "30s",
    thresholds,
    async read() {
      const ops = await slowOperations(db, seconds);
      return {
        value: ops.length,
        summary: ops.length ? `${ops.length} running longer than ${seconds} s (longest ${ops[0]!.secsRunning} s on ${ops[0]!.ns})` : `none running longer than ${seconds} s`,
        rows: ops.map((o) => ({ ...o })),
      };
    },
  });
}
