import { describe, expect, it } from "vitest";
import type { ProbeRowState } from "./alerts/probe-rows.server";
import { groupBySystem } from "./overview.server";
import type { ProbeProblem } from "./runbooks/coverage.server";

const counts = { ok: 0, warn: 0, critical: 0, unknown: 0 };
const plugin = (id: string) => ({ id, title: id.toUpperCase(), demo: false, status: "ok" as const, probes: 5, counts });
const problem = (id: string, status: "warn" | "critical"): ProbeProblem => ({ id, pluginId: id.split(".")[0]!, title: id, status, value: 1, summary: "", observedAt: null, runbooks: [], mentioning: [] });
const free: ProbeRowState = { acknowledgedBy: null, acknowledgedAt: null, snoozed: null };
const snoozed: ProbeRowState = { ...free, snoozed: { id: "s1", createdBy: "admin", comment: "known", endsAt: null } };

describe("overview groups", () => {
  it("puts the system with the most unsnoozed critical rows first, then warnings; snoozed rows sink and do not count", () => {
    const systems = groupBySystem(
      [plugin("a"), plugin("b"), plugin("c"), plugin("quiet")],
      [problem("a.1", "warn"), problem("a.2", "warn"), problem("b.1", "critical"), problem("c.1", "critical"), problem("c.2", "critical"), problem("b.2", "warn")],
      { "a.1": free, "a.2": free, "b.1": free, "b.2": free, "c.1": snoozed, "c.2": free },
    );
    expect(systems.map((s) => s.id)).toEqual(["b", "c", "a", "quiet"]);
    expect(systems.find((s) => s.id === "c")!.rows.map((r) => r.id)).toEqual(["c.2", "c.1"]);
    expect(systems.find((s) => s.id === "b")!.rows.map((r) => r.id)).toEqual(["b.1", "b.2"]);
    expect(systems.find((s) => s.id === "quiet")!.rows).toEqual([]);
  });
});
