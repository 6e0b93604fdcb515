// lint:runbooks --suggest / --fix (#20): mentions become the directives of permanent widgets, in a
// copy that lint accepts; prose lines are never changed. Seeds are read in place from
// `../shared/seeds` (never copied into the project); the test says so and skips when absent.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import firestore from "../../plugins/firestore";
import stripe from "../../plugins/stripe";
import { lintRunbooks } from "~/core/runbooks/lint.server";
import { applySuggestions, suggestForText, tablesRead } from "~/core/runbooks/suggest.server";
import { testPortal } from "../helpers/portal";

const REPO = path.resolve(__dirname, "../..");
const SEEDS = process.env.OPSDECK_SEEDS_DIR ?? [path.resolve(REPO, "../shared/seeds"), path.resolve(REPO, "../../shared/seeds")].find((d) => fs.existsSync(d)) ?? path.resolve(REPO, "../shared/seeds");
const seedsPresent = fs.existsSync(SEEDS) && fs.readdirSync(SEEDS).length > 0;
if (!seedsPresent) console.warn(`runbooks-suggest: no seed runbooks at ${SEEDS} (set OPSDECK_SEEDS_DIR): the seed test is skipped`);
const AS_WRITTEN = path.join(REPO, "runbooks/examples/as-written");

/** The original's lines, in order, are all still there: only lines were added. */
function onlyAdded(original: string, fixed: string): string[] {
  const a = original.split(/\r?\n/);
  const added: string[] = [];
  let i = 0;
  for (const line of fixed.split(/\r?\n/)) {
    if (i < a.length && line === a[i]) i++;
    else added.push(line);
  }
  expect(i, "every original line kept in order").toBe(a.length);
  return added;
}

describe("suggestions against the demo's firestore and stripe plugins", () => {
  let t: Awaited<ReturnType<typeof testPortal>>;
  beforeAll(async () => {
    t = await testPortal({ plugins: [firestore, stripe] });
  }, 60_000);
  afterAll(async () => t?.cleanup());

  it("maps document paths to the probe that reads them and Stripe ids to their actions, once each", async () => {
    const text = fs.readFileSync(path.join(AS_WRITTEN, "paid-orders-not-updating.md"), "utf8");
    const s = await suggestForText(text, "paid.md", t.portal.registry);
    expect(s.map((x) => `line ${x.line}: ${x.mention} → ${x.directive}`)).toEqual([
      'line 9: opsHealth/stripeWebhook → ::status{probe="firestore.stripe-webhook-health"}',
      'line 19: pi_demo_wx1031 → ::action{id="stripe.recheck-payment" paymentIntentId="pi_demo_wx1031"}',
      'line 21: pi_demo_wx1035 → ::action{id="stripe.recheck-payment" paymentIntentId="pi_demo_wx1035"}',
      'line 21: ch_demo_wx1035 → ::action{id="stripe.recheck-payment" paymentIntentId="ch_demo_wx1035"}',
      'line 24: evt_demo_paid_wx1035 → ::action{id="stripe.resend-event" eventId="evt_demo_paid_wx1035"}',
      'line 30: opsHealth/autoReleaseProtected → ::status{probe="firestore.autorelease-health"}',
    ]);
    // Already a widget: not suggested again.
    const withWidget = `${text}\n::status{probe="firestore.autorelease-health"}\n`;
    expect((await suggestForText(withWidget, "paid.md", t.portal.registry)).some((x) => x.directive.includes("autorelease-health"))).toBe(false);
  });

  it("--fix writes directives after the paragraph or into the list item, lint accepts the copy, prose untouched", async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-suggest-"));
    try {
      for (const f of fs.readdirSync(AS_WRITTEN).filter((f) => f.endsWith(".md"))) {
        const text = fs.readFileSync(path.join(AS_WRITTEN, f), "utf8");
        const fixed = applySuggestions(text, await suggestForText(text, f, t.portal.registry));
        const added = onlyAdded(text, fixed).filter((l) => l.trim());
        expect(added.every((l) => /^\s*::(status|chart|table|action)\{/.test(l)), added.join("\n")).toBe(true);
        fs.writeFileSync(path.join(out, f), fixed);
      }
      const fixed = fs.readFileSync(path.join(out, "paid-orders-not-updating.md"), "utf8");
      expect(fixed).toContain('1. Open the webhook health doc `opsHealth/stripeWebhook`. If `lastWebhookAt` is more than an hour\n   old and `errorsCount` keeps climbing, the handler is rejecting deliveries.\n\n   ::status{probe="firestore.stripe-webhook-health"}\n\n2. ');
      expect(lintRunbooks(out, t.portal.registry)).toEqual([]);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it("keeps CRLF files CRLF and blockquotes quoted", () => {
    const text = "# T\r\n\r\n> See opsHealth/autoReleaseProtected\r\n> for the last run.\r\n\r\nEnd\r\n";
    const fixed = applySuggestions(text, [{ line: 3, mention: "opsHealth/autoReleaseProtected", kind: "firestore", directive: '::status{probe="firestore.autorelease-health"}', after: 4, blockStart: 3, blockTag: "blockquote" }]);
    expect(fixed).toBe('# T\r\n\r\n> See opsHealth/autoReleaseProtected\r\n> for the last run.\r\n>\r\n> ::status{probe="firestore.autorelease-health"}\r\n\r\nEnd\r\n');
  });

  it("reads the tables a SELECT reads, and nothing from a write", () => {
    expect(tablesRead('select o.id from public."orders" o join webhook_events e on e.order_id = o.id')).toEqual(["orders", "webhook_events"]);
    expect(tablesRead("delete from orders where status = 'paid'")).toEqual([]);
  });
});

describe.skipIf(!seedsPresent)("the CLI on the seed runbooks, read in place", () => {
  const run = promisify(execFile);
  const cli = (args: string[]) => run(process.execPath, [path.join(REPO, "node_modules/tsx/dist/cli.mjs"), path.join(REPO, "scripts/lint-runbooks.ts"), ...args], { cwd: REPO, env: { ...process.env, LOG_LEVEL: "error" }, timeout: 240_000 }).catch((e) => e as { stdout: string; stderr: string; code: number });

  it("--suggest prints suggestions per file and line; --fix into a temp dir yields files lint accepts as it accepts the seeds", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-seed-fix-"));
    try {
      const before = fs.readdirSync(SEEDS).map((f) => [f, fs.statSync(path.join(SEEDS, f)).mtimeMs]);
      const fixed = await cli([SEEDS, "--fix", "--out", path.join(tmp, "fixed")]);
      expect(fixed.stdout).toMatch(/^ {2}line \d+: opsHealth\/autoReleaseProtected → ::status\{probe="firestore\.autorelease-health"\}$/m);
      expect(fixed.stdout).toMatch(/^ {2}line \d+: histogram_quantile\(0\.95.* → ::status\{probe="prometheus\.http-latency-p95"\}$/m);
      expect(fs.readdirSync(SEEDS).map((f) => [f, fs.statSync(path.join(SEEDS, f)).mtimeMs])).toEqual(before);

      // The unchanged seeds, as markdown, beside the fixed ones: lint finds the same problems in both (the fix adds none).
      fs.mkdirSync(path.join(tmp, "plain"));
      for (const f of fs.readdirSync(SEEDS)) {
        const original = fs.readFileSync(path.join(SEEDS, f), "utf8");
        const copy = fs.readFileSync(path.join(tmp, "fixed", f.replace(/\.(txt|md)$/, ".md")), "utf8");
        onlyAdded(original.replace(/^\uFEFF/, ""), copy);
        fs.writeFileSync(path.join(tmp, "plain", f.replace(/\.(txt|md)$/, ".md")), original);
      }
      const [lintFixed, lintPlain] = [await cli([path.join(tmp, "fixed")]), await cli([path.join(tmp, "plain")])];
      const problems = (out: string) => out.split("\n").filter((l) => /\.md:\d+: /.test(l)).map((l) => l.replace(/^.*\/([^/]+\.md):\d+: /, "$1: "));
      expect(problems(lintFixed.stdout).sort()).toEqual(problems(lintPlain.stdout).sort());
      expect(lintFixed.stdout).not.toMatch(/unknown probe|unknown action|no such probe|::/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 300_000);
});
