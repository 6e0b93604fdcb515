import pino from "pino";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createServiceRef, definePlugin, provide, type PluginDefinition } from "../../../plugins/plugin-api";
import { ConfigError } from "../config.server";
import { setupPlugins } from "./registry.server";

const log = pino({ level: "silent" });
const ledgerRef = createServiceRef<{ name: string }>({ id: "test.ledger", multiple: true });
const clockRef = createServiceRef<{ now(): number }>({ id: "test.clock" });

const provider = (id: string, name = id) =>
  definePlugin({ id, title: id, config: z.object({}), provides: [ledgerRef], setup: () => ({ provides: provide(ledgerRef, { name }) }) });

function start(installed: PluginDefinition[], configured = installed.map((p) => p.id)) {
  return setupPlugins({ installed, configs: Object.fromEntries(configured.map((id) => [id, {}])), demo: false, dataDir: "/tmp/opsdeck-registry-test", log });
}

describe("typed services between plugins", () => {
  it("refuses the start when a required service has no configured provider, naming the plugin, the service and the config that would provide it", async () => {
    const deps = { ledger: ledgerRef };
    const consumer = definePlugin<object, typeof deps>({ id: "consumer", title: "consumer", config: z.object({}), deps, setup: () => ({}) });
    const err = await start([consumer, provider("alpha"), provider("beta")], ["consumer"]).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems).toEqual(['plugins.consumer needs the "test.ledger" service: configure plugins.alpha or plugins.beta']);
  });

  it("refuses the start when the configured provider does not provide it with its config", async () => {
    const deps = { clock: clockRef };
    const consumer = definePlugin<object, typeof deps>({ id: "consumer", title: "consumer", config: z.object({}), deps, setup: () => ({}) });
    const silent = definePlugin({ id: "silent", title: "silent", config: z.object({}), provides: [clockRef], setup: () => ({}) });
    const err = await start([consumer, silent]).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems).toEqual(['plugins.consumer needs the "test.clock" service: plugins.silent is configured but provides none with this config']);
  });

  it("sets providers up first and hands every provider of a multi-provider service to the consumer, each named by its plugin", async () => {
    const deps = { ledgers: ledgerRef, clock: clockRef.optional() };
    let seen: { pluginId: string; name: string }[] = [];
    let clock: unknown = "unset";
    // Listed before its providers: the registry orders setup by deps.
    const consumer = definePlugin<object, typeof deps>({
      id: "consumer",
      title: "consumer",
      config: z.object({}),
      deps,
      setup({ deps }) {
        seen = deps.ledgers.all().map((l) => ({ pluginId: l.pluginId, name: l.service.name }));
        clock = deps.clock;
        return {};
      },
    });
    const registry = await start([consumer, provider("alpha", "first"), provider("beta", "second")]);
    expect(seen).toEqual([
      { pluginId: "alpha", name: "first" },
      { pluginId: "beta", name: "second" },
    ]);
    expect(clock).toBeUndefined();
    expect(registry.services.get(ledgerRef)?.name).toBe("first");
    expect(registry.services.get(ledgerRef, "beta")?.name).toBe("second");
    expect(registry.services.get(ledgerRef, "gamma")).toBeUndefined();
    await registry.stop();
  });

  it("refuses a service a plugin provides without declaring it", async () => {
    const sneaky = definePlugin({ id: "sneaky", title: "sneaky", config: z.object({}), setup: () => ({ provides: provide(clockRef, { now: () => 0 }) }) });
    await expect(start([sneaky])).rejects.toThrow('plugins.sneaky: provides the "test.clock" service without declaring it');
  });
});
