import { z } from "zod";
import { definePlugin, probe, type PluginDefinition, type ProbeReading, type Thresholds } from "../../plugins/plugin-api";

export interface FixtureProbeSpec {
  id: string;
  every?: string;
  timeout?: string;
  thresholds?: Thresholds;
  unit?: string;
}

export type FixtureMode = "ok" | "fail" | "hang";

/**
 * A plugin whose sources the test controls: each probe answers `value[id]`, fails, or hangs
 * (ignoring its abort signal), after `delayMs[id]`. `reads[id]` counts upstream reads.
 */
export function fixturePlugin(id: string, specs: FixtureProbeSpec[]) {
  const state = {
    reads: {} as Record<string, number>,
    mode: {} as Record<string, FixtureMode>,
    value: {} as Record<string, number | null>,
    delayMs: {} as Record<string, number>,
    aborted: {} as Record<string, number>,
  };
  const plugin: PluginDefinition = definePlugin({
    id,
    title: `Fixture ${id}`,
    config: z.object({}).strict(),
    async demo() {
      return { config: {}, stop: async () => {} };
    },
    setup() {
      return {
        probes: specs.map((spec) =>
          probe({
            id: spec.id,
            title: `Fixture ${spec.id}`,
            unit: spec.unit ?? "items",
            every: spec.every ?? "1m",
            timeout: spec.timeout ?? "5s",
            thresholds: spec.thresholds,
            async read({ signal }): Promise<ProbeReading> {
              state.reads[spec.id] = (state.reads[spec.id] ?? 0) + 1;
              signal.addEventListener("abort", () => (state.aborted[spec.id] = (state.aborted[spec.id] ?? 0) + 1));
              const delay = state.delayMs[spec.id] ?? 0;
              if (delay) await new Promise((r) => setTimeout(r, delay));
              const mode = state.mode[spec.id] ?? "ok";
              if (mode === "hang") return new Promise<ProbeReading>(() => {});
              if (mode === "fail") throw new Error(`${spec.id} source is down (HTTP 503)`);
              const value = state.value[spec.id] ?? 0;
              return { value, summary: `${value} ${spec.unit ?? "items"} pending`, rows: [{ item: "a", value }] };
            },
          }),
        ),
      };
    },
  });
  return { plugin, state };
}
