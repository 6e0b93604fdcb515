// The read path's role, watched: critical (with the reason and the SQL that fixes it) while the
// role can write or reach the server's OS, so the overview says why the sql service is missing.
import { probe, type ProbeDefinition } from "../../plugin-api";
import type { SqlRunner } from "../sql";

export function readRoleProbe(runner: SqlRunner): ProbeDefinition {
  // Whether the sql service was offered is decided once, at start.
  const offeredAtStart = !runner.withheld;
  return probe({
    id: "read-role",
    title: "Read-only role of the sql service",
    description: "The role runbook SQL, SQL probes and the orders ledger read as: it must not write, bypass row-level security, create objects or reach files, programs or other backends of the server.",
    unit: "problems",
    every: "5m",
    timeout: "15s",
    thresholds: { critical: "> 0" },
    async read() {
      const found = await runner.inspectRole();
      if (found.problems.length) return { value: found.problems.length, summary: runner.withheld! };
      return {
        value: 0,
        summary: offeredAtStart
          ? `reads run as ${found.role}, which cannot write or reach the server`
          : `reads run as ${found.role}, which is now read-only; restart the portal to offer the sql service again`,
      };
    },
  });
}
