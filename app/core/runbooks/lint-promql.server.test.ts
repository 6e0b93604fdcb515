import { describe, expect, it } from "vitest";
import type { PluginRegistry } from "../plugins/registry.server";
import { promqlProbeId } from "../probes/promql.server";
import { promqlDirectiveProblems } from "./lint-promql.server";
import { renderRunbook } from "./render.server";

const withService = { services: { get: () => ({ pluginId: "prometheus" }) } } as unknown as PluginRegistry;
const without = { services: { get: () => undefined } } as unknown as PluginRegistry;

describe("PromQL directives", () => {
  it("parse as probe widgets without a probe id; a query with double quotes goes in single quotes", () => {
    const r = renderRunbook(
      [`::status{promql='sum(rate(x_total{status="error"}[5m]))' unit="s" warn="> 0.3"}`, "", `::chart{promql="rate(y[5m])" range="6h"}`, "", `::table{promql=""}`, ""].join("\n"),
      { file: "a.md" },
    );
    expect(r.directives.map((d) => [d.name, d.attributes.promql, d.problem])).toEqual([
      ["status", 'sum(rate(x_total{status="error"}[5m]))', undefined],
      ["chart", "rate(y[5m])", undefined],
      ["table", "", '::table{promql=""} needs a query'],
    ]);
  });

  it("share one probe id per query and unit", () => {
    expect(promqlProbeId("rate(y[5m])", "s")).toMatch(/^prometheus\.q-[0-9a-f]{12}$/);
    expect(promqlProbeId(" rate(y[5m]) ", "s")).toBe(promqlProbeId("rate(y[5m])", "s"));
    expect(promqlProbeId("rate(y[5m])", "ms")).not.toBe(promqlProbeId("rate(y[5m])", "s"));
  });

  it("lint: plugin enabled, brackets and quotes balanced, thresholds valid", () => {
    expect(promqlDirectiveProblems("status", { promql: "sum(rate(x[5m]))", warn: "> 0.3" }, withService)).toEqual([]);
    expect(promqlDirectiveProblems("status", { promql: "sum(rate(x[5m])" }, withService)).toEqual(['::status{promql}: unclosed "(" in "sum(rate(x[5m])"']);
    expect(promqlDirectiveProblems("chart", { promql: 'x{a="b}' }, withService)).toEqual(['::chart{promql}: unclosed " quote in "x{a="b}"']);
    expect(promqlDirectiveProblems("status", { promql: "up", critical: "above 3" }, withService)[0]).toMatch(/^::status\{promql\}: critical="above 3": /);
    expect(promqlDirectiveProblems("status", { promql: "up" }, without)).toEqual(["::status{promql}: no enabled plugin runs PromQL (configure plugins.prometheus)"]);
  });
});
