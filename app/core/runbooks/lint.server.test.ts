import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { action, definePlugin, probe } from "../../../plugins/plugin-api";
import { setupPlugins, type PluginRegistry } from "../plugins/registry.server";
import { checkPresetInput, lintRunbooks, presetInput } from "./lint.server";
import { getRunbook, listRunbooks, searchRunbooks } from "./runbooks.server";

/** A small real plugin, registered through the portal's own registry code. */
const fixture = definePlugin({
  id: "shop",
  title: "Shop",
  config: z.object({}),
  setup: () => ({
    probes: [probe({ id: "backlog", title: "Backlog", read: async () => ({ value: 0, summary: "none" }) })],
    actions: [
      action({
        id: "refund",
        title: "Refund",
        risk: "high",
        input: z.object({ paymentId: z.string().regex(/^pi_/), amount: z.number().int().positive().optional(), notify: z.boolean().optional() }),
        run: async () => ({ summary: "done" }),
      }),
    ],
  }),
});

let registry: PluginRegistry;
let dir: string;

function write(file: string, text: string) {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
}

beforeAll(async () => {
  registry = await setupPlugins({ installed: [fixture], configs: { shop: {} }, demo: false, dataDir: os.tmpdir(), log: pino({ level: "silent" }) });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-lint-test-"));
});
afterAll(async () => {
  await registry.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("presetInput / checkPresetInput", () => {
  const schema = fixture.setup({} as never) as { actions: { input: z.ZodType }[] };
  const input = (schema as any).actions[0].input as z.ZodType;
  it("types attribute strings by the schema", () => {
    expect(presetInput({ paymentId: "pi_1", amount: "500", notify: "true" }, input)).toEqual({ paymentId: "pi_1", amount: 500, notify: true });
    // display attributes are not input; `input.x` presets x
    expect(presetInput({ label: "Refund it", title: "t", incident: "inc_1", "input.amount": "7" }, input)).toEqual({ amount: 7 });
  });
  it("accepts a partial preset and reports bad or unknown fields", () => {
    expect(checkPresetInput({ paymentId: "pi_1" }, input)).toEqual([]);
    expect(checkPresetInput({}, input)).toEqual([]);
    const problems = checkPresetInput({ paymentId: "ch_1", amount: "-3", colour: "red" }, input);
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toMatch(/"colour" is not an input/);
    expect(problems.join("\n")).toMatch(/preset input paymentId:/);
    expect(problems.join("\n")).toMatch(/preset input amount:/);
  });
});

describe("lintRunbooks", () => {
  it("passes a clean folder and names file and line of every problem", () => {
    write("good.md", '# Good\n\n## Steps\n\n[steps](#steps) [other](sub/other.md#deep) [img](img.png)\n\n::status{probe="shop.backlog"}\n::chart{probe="shop.backlog" range="24h"}\n::action{id="shop.refund" paymentId="pi_123" amount="100"}\n');
    write("sub/other.md", "# Other\n\n## Deep\n\n[back](../good.md)\n");
    write("img.png", "not really a png, but it exists");
    expect(lintRunbooks(dir, registry)).toEqual([]);

    write(
      "sub/bad.md",
      [
        "# Bad", // 1
        "", // 2
        '::action{id="shop.nope"}', // 3
        '::status{probe="shop.gone"}', // 4
        '::action{id="shop.refund" paymentId="ch_1"}', // 5
        '::gauge{probe="shop.backlog"}', // 6
        '::chart{probe="shop.backlog" range="a while"}', // 7
        "[x](#missing) [y](../nowhere.md) [z](../good.md#no-heading) ![w](../../../etc/passwd)", // 8
      ].join("\n"),
    );
    const problems = lintRunbooks(dir, registry);
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.message}`)).toEqual([
      'sub/bad.md:3: unknown action id "shop.nope" in ::action',
      'sub/bad.md:4: unknown probe id "shop.gone" in ::status',
      expect.stringMatching(/^sub\/bad\.md:5: ::action\{id="shop\.refund"\}: preset input paymentId:/),
      expect.stringMatching(/^sub\/bad\.md:6: Unknown directive "::gauge"/),
      expect.stringMatching(/^sub\/bad\.md:7: ::chart range "a while" is not a duration/),
      'sub/bad.md:8: in-page link "#missing" matches no heading or anchor',
      "sub/bad.md:8: link \"../nowhere.md\" points to a missing file (nowhere.md)",
      'sub/bad.md:8: link "../good.md#no-heading": no heading "#no-heading" in good.md',
      'sub/bad.md:8: image "../../../etc/passwd" points outside the runbooks folder',
    ]);
    fs.rmSync(path.join(dir, "sub/bad.md"));
  });

  it("warns where a placeholder would vanish on GitHub, not where it is code", () => {
    write("placeholders.md", "# P\n\nCopy to gs://<bucket>/exports and run `set-lifecycle.sh <BUCKET> <DAYS>`.\n\n    cp <src> <dst>\n");
    expect(lintRunbooks(dir, registry).filter((p) => p.file === "placeholders.md").map((p) => `${p.line}: ${p.message}`)).toEqual([
      "3: placeholder <bucket> is read as an HTML tag: GitHub and most viewers drop it (the portal keeps it); write `<bucket>` or \\<bucket>",
    ]);
    fs.rmSync(path.join(dir, "placeholders.md"));
  });
});

describe("getRunbook / listRunbooks / searchRunbooks", () => {
  it("resolves slots against the registry, lists slots for the reverse index, and searches", () => {
    write("payments/refunds.md", '---\ntitle: Refunds\nowner: payments\nplugins: [shop]\ntags: [money]\n---\n# Refunds\n\nAxolotl only here.\n\n::status{probe="shop.backlog"}\n::action{id="shop.refund" paymentId="pi_1"}\n::table{probe="shop.unknown"}\n');
    const page = getRunbook("payments/refunds", { dir, registry })!;
    expect(page.title).toBe("Refunds");
    expect(page.blocks.map((b) => b.type)).toEqual(["html", "slot", "slot", "warning"]);
    expect(page.slots).toEqual([
      { kind: "status", id: "shop.backlog", attrs: {}, line: 11, key: "status-0", title: "Backlog" },
      { kind: "action", id: "shop.refund", attrs: { paymentId: "pi_1" }, line: 12, key: "action-1", title: "Refund", risk: "high" },
    ]);
    const warning = page.blocks[3];
    expect(warning.type === "warning" && warning.message).toMatch(/Unknown probe "shop.unknown"/);
    // An ::slo with no slos.<id> names the config key, not a missing plugin.
    write("payments/budget.md", '# Budget\n\n::slo{id="checkout-sucess"}\n');
    const slo = getRunbook("payments/budget", { dir, registry })!.blocks.find((b) => b.type === "warning");
    expect(slo?.type === "warning" && slo.message).toBe('Unknown SLO "checkout-sucess" in ::slo — no slos.checkout-sucess in the config');
    fs.rmSync(path.join(dir, "payments/budget.md"));

    const listed = listRunbooks({ dir }).find((r) => r.path === "payments/refunds")!;
    expect(listed).toMatchObject({ title: "Refunds", owner: "payments", tags: ["money"], plugins: ["shop"] });
    expect(listed.slots.map((s) => s.id)).toEqual(["shop.backlog", "shop.refund", "shop.unknown"]);

    expect(searchRunbooks("axolotl", { dir }).results.map((r) => r.path)).toEqual(["payments/refunds"]);
    expect(searchRunbooks("axolotl", { dir, tag: "other" }).results).toEqual([]);
    expect(searchRunbooks("", { dir, plugin: "shop" }).results.map((r) => r.path)).toEqual(["payments/refunds"]);
    const fuzzy = searchRunbooks("axolotel", { dir });
    expect(fuzzy.fuzzy).toBe(true);
    expect(fuzzy.results.map((r) => r.path)).toEqual(["payments/refunds"]);
    expect(fuzzy.snippet(fuzzy.results[0].path)).toContain("Axolotl");
  });

  it("re-parses a file when it changes, and refuses paths outside the folder", () => {
    write("change.md", "# Before\n");
    expect(getRunbook("change", { dir, registry })!.title).toBe("Before");
    write("change.md", "# After the edit\n");
    const later = new Date(Date.now() + 10_000);
    fs.utimesSync(path.join(dir, "change.md"), later, later);
    expect(getRunbook("change", { dir, registry })!.title).toBe("After the edit");
    expect(searchRunbooks("edit", { dir }).results.map((r) => r.path)).toContain("change");
    for (const bad of ["../etc/passwd", "/etc/passwd", "a/../change", "./change", "change.md", "%2e%2e/x", "a\\b", ""]) {
      expect(getRunbook(bad, { dir, registry }), bad).toBeNull();
    }
  });
});
