import { describe, expect, it } from "vitest";
import { renderRunbook } from "./render.server";
import { logsStep, parsePlatformCommand, platformCommandLine, pressedLabels, resolvePlatformCandidate, restartStep } from "./platform-commands.server";
import type { LiveCandidate } from "./live-blocks.server";

const parse = (line: string) => {
  const cmd = platformCommandLine(line);
  return cmd ? parsePlatformCommand(cmd) : null;
};

describe("platform commands as written", () => {
  it("reads the commands that deploy, restart, read logs or export", () => {
    expect(parse("vercel --prod")).toEqual({ kind: "redeploy", provider: "vercel" });
    expect(parse("$ npx vercel deploy --prod")).toEqual({ kind: "redeploy", provider: "vercel" });
    expect(parse("vercel redeploy dpl_abc123")).toEqual({ kind: "redeploy", provider: "vercel", deploymentId: "dpl_abc123" });
    expect(parse("vercel redeploy <deployment-url>")).toEqual({ kind: "redeploy", provider: "vercel" });
    expect(parse("vercel rollback")).toEqual({ kind: "rollback", provider: "vercel", deploymentId: "previous" });
    expect(parse("render services restart api")).toEqual({ kind: "restart", provider: "render", service: "api" });
    expect(parse("render restart srv-abc")).toEqual({ kind: "restart", provider: "render", service: "srv-abc" });
    expect(parse("render deploys create srv-abc --confirm")).toEqual({ kind: "redeploy", provider: "render", latest: true, service: "srv-abc" });
    expect(parse("railway redeploy")).toEqual({ kind: "redeploy", provider: "railway" });
    expect(parse("railway restart --service worker")).toEqual({ kind: "restart", provider: "railway", service: "worker" });
    expect(parse("railway logs --build")).toEqual({ kind: "logs", provider: "railway", stream: "build" });
    expect(parse("render logs recoup-backend --tail 1000 > logs.txt")).toEqual({ kind: "logs", provider: "render", service: "recoup-backend" });
    expect(parse("gcloud firestore export gs://BUCKET/$(date +%Y%m%d) --project=PROJECT_ID")).toEqual({ kind: "backup-export" });
    expect(parse("gcloud firestore import gs://[BUCKET_NAME]/[EXPORT_PATH] --project=[PROJECT_ID]")).toEqual({ kind: "backup-import" });
  });

  it("offers nothing for what it does not run: a preview deploy, other subcommands, a placeholder service, a partial import, prose", () => {
    expect(parse("vercel")).toBeNull();
    expect(parse("vercel deploy")).toBeNull(); // a preview deployment
    expect(parse("vercel env pull .env.local")).toBeNull();
    expect(parse("vercel --prod ./site")).toBeNull(); // deploys a local folder: the API cannot upload it
    expect(parse("render services list")).toBeNull();
    expect(parse("render deploys create srv-abc --commit 1a2b3c4")).toBeNull();
    expect(parse("render services restart <service-id>")).toEqual({ kind: "restart", provider: "render" }); // the runbook's service decides
    expect(parse("railway up")).toBeNull();
    expect(parse("railway variables")).toBeNull();
    expect(parse("gcloud firestore import gs://b/p --collection-ids=orders")).toBeNull();
    expect(parse("gcloud firestore indexes list")).toBeNull();
    expect(platformCommandLine("Deploy with vercel --prod when ready")).toBeNull();
    expect(platformCommandLine("render the page")).toBeNull();
  });

  it("dashboard labels count only when quoted or emphasized and pressed (after Click/Select or an arrow)", () => {
    expect(pressedLabels('Click "Redeploy"', 'Click "Redeploy"')).toMatchObject([{ label: "Redeploy", intent: { kind: "redeploy" } }]);
    expect(pressedLabels('3. Click "Manual Deploy" → "Deploy latest commit"', "")).toMatchObject([{ label: "Deploy latest commit", intent: { kind: "redeploy", latest: true } }]);
    expect(pressedLabels('4. Click "..." → "Promote to Production"', "3. Find last working deployment")).toMatchObject([{ intent: { kind: "rollback", provider: "vercel", deploymentId: "previous" } }]);
    // A menu path whose arrow did not survive the file's encoding still reads as one step.
    expect(pressedLabels('Click "..." ‚Üí "Promote to Production"', "Find last working deployment")).toMatchObject([{ intent: { kind: "rollback" } }]);
    expect(pressedLabels("Events → last good deploy → Redeploy", "Events → last good deploy → Redeploy", ["Redeploy"])).toMatchObject([{ intent: { kind: "redeploy", deploymentId: "previous" } }]);
    // Prose that merely talks about redeploying is no step.
    expect(pressedLabels("Save changes so the service redeploys and loads the new secret.", "")).toEqual([]);
    expect(pressedLabels("Update it in the deployment env and redeploy.", "")).toEqual([]);
    expect(pressedLabels('The "Redeploy" button rebuilds the same commit.', "")).toEqual([]);
    expect(pressedLabels("A manual deploy is available from each dashboard (\"deploy latest commit\").", "")).toEqual([]);
    // Promoting needs to know which deployment: without "last working / previous" it is not offered.
    expect(pressedLabels('Click "Promote to Production"', 'Click "Promote to Production"')).toEqual([]);
    expect(logsStep("Check Railway logs for startup errors")).toEqual({ kind: "logs", provider: "railway" });
    expect(logsStep("Railway logs show structured logging")).toBeNull();
    expect(logsStep("Check Netlify/Vercel deployment status")).toBeNull();
    // A step that starts with "Then"/"Next," is still a step; the same words mid-sentence are not.
    expect(logsStep("Then check Render logs for startup errors.")).toEqual({ kind: "logs", provider: "render" });
    expect(logsStep("Next, review the Vercel build logs")).toEqual({ kind: "logs", provider: "vercel", stream: "build" });
    expect(logsStep("You can then check Render logs if it fails.")).toBeNull();
    expect(logsStep("Then the Render logs show the crash.")).toBeNull();
    // Restarting a platform's service: a step, after at most an "If …:" condition.
    expect(restartStep("Restart Render service (clears memory)")).toEqual({ kind: "restart", provider: "render" });
    expect(restartStep("If Redis: Restart Render service")).toEqual({ kind: "restart", provider: "render" });
    expect(restartStep("1. Then restart the Railway service")).toEqual({ kind: "restart", provider: "railway" });
    expect(restartStep("Symptoms: Render service restarting, slow response times")).toBeNull();
    expect(restartStep("You may need to restart the Render service.")).toBeNull();
    expect(restartStep("Restart Vercel functions")).toBeNull(); // Vercel has no restart: a redeploy is its own step
    expect(restartStep("Check Upstash status, restart service")).toBeNull(); // no platform named
  });

  it("marks commands in shell fences (with continuations and comment steps) and inline code, taking the platform from the section", () => {
    const md = [
      "**Frontend (Vercel)**:",
      "```bash",
      "git pull origin main",
      "vercel --prod",
      "```",
      "",
      "**Backend (Render)**:",
      "```bash",
      "# Manual deploy via the dashboard:",
      '# 1. Click "Manual Deploy" → "Deploy latest commit"',
      "```",
      "",
      "```bash",
      "gcloud firestore export gs://BUCKET/today \\",
      "  --project=PROJECT_ID",
      "```",
      "",
      "Restart it with `render services restart shop-api` if it hangs.",
      "",
      "1. Find the previous successful deployment",
      '2. Click "Redeploy"',
    ].join("\n");
    const live = renderRunbook(md, { file: "t.md" }).live.filter((c) => c.kind === "platform");
    expect(live.map((c) => [c.at, c.query, c.platform])).toEqual([
      ["pre", "vercel --prod", { kind: "redeploy", provider: "vercel" }],
      ["pre", "Deploy latest commit", { kind: "redeploy", latest: true, provider: "render" }],
      ["pre", "gcloud firestore export gs://BUCKET/today --project=PROJECT_ID", { kind: "backup-export" }],
      ["code", "render services restart shop-api", { kind: "restart", provider: "render", service: "shop-api" }],
      ["li", "Redeploy", { kind: "redeploy", deploymentId: "previous" }],
    ]);
  });

  it("marks a logs step written as a paragraph of its own, once, and not inside prose", () => {
    const md = [
      "If the API is unresponsive, restart it: `render services restart shop-api`",
      "",
      "Then check Render logs for startup errors.",
      "",
      "When it crashes you can check Render logs, or ask the on-call engineer.",
    ].join("\n");
    const live = renderRunbook(md, { file: "t.md" }).live.filter((c) => c.kind === "platform");
    expect(live.map((c) => [c.at, c.query, c.platform])).toEqual([
      ["code", "render services restart shop-api", { kind: "restart", provider: "render", service: "shop-api" }],
      ["text", "Then check Render logs for startup errors.", { kind: "logs", provider: "render" }],
    ]);
  });

  it("marks a restart step in a list (after an 'If …:' condition too), not a symptom that mentions restarting", () => {
    const md = [
      "**Symptoms**: Render service restarting, slow response times",
      "",
      "**Resolution**:",
      "1. Restart Render service (clears memory)",
      "2. Scale to larger instance type",
      "",
      "- If Redis: Restart Render service",
      "- If Stripe: Check webhook endpoint health",
    ].join("\n");
    const live = renderRunbook(md, { file: "t.md" }).live.filter((c) => c.kind === "platform");
    expect(live.map((c) => [c.at, c.query, c.platform])).toEqual([
      ["li", "Restart Render service (clears memory)", { kind: "restart", provider: "render" }],
      ["li", "If Redis: Restart Render service", { kind: "restart", provider: "render" }],
    ]);
  });

  it("resolves to the configured site the command means, and to nothing when none fits", async () => {
    const actions = new Map(["deploys.redeploy", "deploys.restart", "deploys.rollback", "deploys.logs", "backups.backup-now", "backups.restore"].map((id) => [id, { risk: id === "deploys.logs" || id === "backups.backup-now" ? "low" : "high" }]));
    const catalog = { list: async (target: string) => (target === "shop-firestore" ? [{ id: "bk_new", status: "good", verifyStatus: null }, { id: "bk_bad", status: "good", verifyStatus: "failed" }, { id: "bk_ok", status: "good", verifyStatus: "passed" }] : []) };
    const services = { get: () => ({ catalog }) };
    const registry = (sites: Record<string, unknown>, targets: Record<string, unknown> = {}) => ({ configs: { deploys: { sites }, backups: { targets } }, actions, services }) as any;
    const two = registry({ shop: { provider: "vercel", projectId: "prj_shop" }, "shop-api": { provider: "render", serviceId: "srv-shopapi", title: "Shop API" } }, { "shop-firestore": { kind: "firestore" }, portal: { kind: "portal" } });
    const c = (platform: LiveCandidate["platform"]): LiveCandidate => ({ id: 7, kind: "platform", query: "q", at: "pre", platform });
    expect(await resolvePlatformCandidate(c({ kind: "redeploy", provider: "vercel" }), two)).toMatchObject({ kind: "platform", action: { id: "deploys.redeploy", input: { site: "shop" }, label: "Redeploy shop (rebuild of production)…", risk: "high" } });
    expect((await resolvePlatformCandidate(c({ kind: "redeploy", latest: true, provider: "render" }), two))!.action).toMatchObject({ input: { site: "shop-api" }, label: "Redeploy shop-api (latest commit)…" });
    expect((await resolvePlatformCandidate(c({ kind: "restart", provider: "render", service: "srv-shopapi" }), two))!.action).toMatchObject({ id: "deploys.restart", input: { site: "shop-api" } });
    expect((await resolvePlatformCandidate(c({ kind: "rollback", provider: "vercel", deploymentId: "previous" }), two))!.action).toMatchObject({ id: "deploys.rollback", input: { site: "shop", deploymentId: "previous" } });
    expect(await resolvePlatformCandidate(c({ kind: "logs", provider: "render" }), two)).toMatchObject({ input: { site: "shop-api" }, label: "Show logs of shop-api", runs: { action: "deploys.logs", risk: "low" } });
    expect((await resolvePlatformCandidate(c({ kind: "backup-export" }), two))!.action).toMatchObject({ id: "backups.backup-now", input: { target: "shop-firestore" } });
    // An import restores the newest verified good backup (the dialog previews it); with no good backup, no button.
    expect((await resolvePlatformCandidate(c({ kind: "backup-import" }), two))!.action).toMatchObject({ id: "backups.restore", input: { target: "shop-firestore", backupId: "bk_ok" } });
    expect(await resolvePlatformCandidate(c({ kind: "backup-import" }), registry({}, { other: { kind: "firestore" } }))).toBeNull();
    // Without a platform named: the runbook's service decides, else there must be only one site.
    expect(await resolvePlatformCandidate(c({ kind: "redeploy" }), two)).toBeNull();
    expect((await resolvePlatformCandidate(c({ kind: "redeploy" }), two, "shop-api"))!.action!.input).toEqual({ site: "shop-api" });
    // No false affordances: a service no site is, a platform with no site, a restart Vercel has not, no site at all.
    expect(await resolvePlatformCandidate(c({ kind: "restart", provider: "render", service: "recoup-backend" }), two)).toBeNull();
    expect(await resolvePlatformCandidate(c({ kind: "redeploy", provider: "railway" }), two)).toBeNull();
    expect(await resolvePlatformCandidate(c({ kind: "restart", provider: "vercel" }), two)).toBeNull();
    expect(await resolvePlatformCandidate(c({ kind: "redeploy", latest: true, provider: "vercel" }), two)).toBeNull();
    expect(await resolvePlatformCandidate(c({ kind: "redeploy", provider: "vercel" }), registry({}))).toBeNull();
    expect(await resolvePlatformCandidate(c({ kind: "backup-export" }), registry({}, { a: { kind: "firestore" }, b: { kind: "firestore" } }))).toBeNull();
    expect(await resolvePlatformCandidate(c({ kind: "redeploy", provider: "vercel" }), { configs: two.configs, actions: new Map(), services } as any)).toBeNull();
  });
});
