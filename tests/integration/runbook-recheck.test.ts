// Item 7 of issue 34: a freshness flag raised by a reading that was not usable yet (a demo still
// seeding its history, a source still starting) is checked again soon and clears once the widget
// reads fine, instead of standing until the next hourly pass.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runbookFreshness } from "~/core/runbooks/freshness.server";
import { RUNBOOK_VERIFICATION_JOB, runbookVerificationStep } from "~/core/runbooks/verify.server";
import { fixturePlugin } from "../helpers/probe-fixture";
import { testPortal } from "../helpers/portal";

const page = (title: string, body: string[]) => ["---", `title: ${title}`, "plugins: [fr]", "---", "## Check", ...body, ""].join("\n");

describe("runbook re-check after an unusable reading", () => {
  const fx = fixturePlugin("fr", [{ id: "seeding" }, { id: "steady" }]);
  let env: Awaited<ReturnType<typeof testPortal>>;

  beforeAll(async () => {
    fx.state.mode.seeding = "fail";
    env = await testPortal({
      dialect: "sqlite",
      plugins: [fx.plugin],
      runbooks: { "seeded.md": page("Seeded later", ['::status{probe="fr.seeding"}']), "typo.md": page("Typo", ['::status{probe="fr.nope"}', '::status{probe="fr.steady"}']) },
      steps: [runbookVerificationStep({ firstRoundTimeoutMs: 0, recheckMs: 300, recheckTimes: 20 })],
    });
  });
  afterAll(async () => env?.cleanup());

  async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
    const deadline = Date.now() + ms;
    let v = await read();
    while (!ok(v) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      v = await read();
    }
    return v;
  }

  it("flags the widget at the first pass, then clears it once its probe reads fine; a directive's typo stays flagged", async () => {
    const tick = await waitFor(
      () => env.portal.store.db.selectFrom("scheduler_ticks").select(["outcome", "summary"]).where("job", "=", RUNBOOK_VERIFICATION_JOB).executeTakeFirst(),
      (t) => !!t?.outcome,
      45_000,
    );
    expect(tick).toEqual({ outcome: "succeeded", summary: "2 runbooks, 2 with broken widgets" });
    const first = (await runbookFreshness(env.portal)).get("seeded")!;
    expect(first.broken.map((b) => b.name)).toEqual(["fr.seeding"]);
    expect(first.broken[0]!.reason).toMatch(/^latest reading failed/);
    const typoCheckedAt = (await runbookFreshness(env.portal)).get("typo")!.checkedAt;

    // The source settles (the demo's history is in): the next re-check clears the flag and verifies.
    fx.state.mode.seeding = "ok";
    const after = await waitFor(
      async () => (await runbookFreshness(env.portal)).get("seeded")!,
      (f) => f.broken.length === 0,
    );
    expect(after.broken).toEqual([]);
    expect(after.verified).toBe(true);
    // Only runbooks broken by a reading are re-checked: an unknown probe id is not going to settle.
    const typo = (await runbookFreshness(env.portal)).get("typo")!;
    expect(typo.broken.map((b) => b.name)).toEqual(["fr.nope"]);
    expect(typo.checkedAt).toBe(typoCheckedAt);
  }, 90_000);
});
