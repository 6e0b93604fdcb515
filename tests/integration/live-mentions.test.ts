// Live mentions (#20): a Firestore document path named in a runbook shows its fields through the
// read-only route (the firestore plugin's reader, against the emulator), and a Stripe id offers
// its guarded action — only when the plugin that can read it is configured.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import firestore from "../../plugins/firestore";
import { createFirestoreClient } from "../../plugins/firestore/client.server";
import { startFirestoreSandbox, wildlifeExchangeConfig, type FirestoreSandbox } from "../../plugins/firestore/sandbox";
import stripe from "../../plugins/stripe";
import { startStripeSandbox, type StripeSandbox } from "../../plugins/stripe/sandbox";
import { createOrUpdateUser, login, sessionCookie } from "~/core/auth.server";
import { liveBlocksOf } from "~/core/runbooks/live-page.server";
import { renderRunbook } from "~/core/runbooks/render.server";
import { action as liveAction, loader as liveLoader } from "~/routes/api.runbooks.live.$";
import { makeRequest, testPortal } from "../helpers/portal";
import { shopCatalog } from "../helpers/shop";
import { documentReaderRef } from "../../plugins/firestore/api";

const REPO = path.resolve(__dirname, "../..");
const AS_WRITTEN = fs.readFileSync(path.join(REPO, "runbooks/examples/as-written/paid-orders-not-updating.md"), "utf8");
// `../shared/seeds` beside the repository (a worktree one level deeper looks one level further up).
const SEEDS = process.env.OPSDECK_SEEDS_DIR ?? [path.resolve(REPO, "../shared/seeds"), path.resolve(REPO, "../../shared/seeds")].find((d) => fs.existsSync(d)) ?? path.resolve(REPO, "../shared/seeds");
const seedsPresent = fs.existsSync(SEEDS) && fs.readdirSync(SEEDS).length > 0;
if (!seedsPresent) console.warn(`live-mentions: no seed runbooks at ${SEEDS} (set OPSDECK_SEEDS_DIR): the seed test is skipped`);

async function call(fn: (args: any) => Promise<unknown>, url: string, init: RequestInit & { cookie?: string } = {}): Promise<Response> {
  try {
    return (await fn({ request: makeRequest(url, init), params: { "*": url.replace(/^\/api\/runbooks\/live\//, "") }, context: {} })) as Response;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}
const post = (url: string, body: unknown, cookie?: string) =>
  call(liveAction, url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), cookie });

describe("Firestore paths and Stripe ids with both plugins configured", () => {
  let fsb: FirestoreSandbox;
  let sb: StripeSandbox;
  let t: Awaited<ReturnType<typeof testPortal>>;
  let viewer: string;

  beforeAll(async () => {
    fsb = await startFirestoreSandbox({ catalog: shopCatalog });
    sb = await startStripeSandbox({ catalog: shopCatalog });
    // A document that echoes a configured secret: the reading must not pass it on.
    const client = createFirestoreClient({ projectId: fsb.projectId, emulatorHost: fsb.host });
    await client.db.doc("opsHealth/leaky").set({ lastError: `401 from Stripe with key ${sb.secretKey}`, errorsCount: 1 });
    await client.close();
    const fsConfig = wildlifeExchangeConfig(fsb);
    t = await testPortal({
      plugins: [firestore, stripe],
      config: { plugins: { firestore: fsConfig, stripe: { secretKey: sb.secretKey, apiBase: sb.url, endpointSecrets: sb.endpointSecrets } } },
      runbooks: { "as-written/paid.md": AS_WRITTEN, "leaky.md": "# Leaky\n\nThe doc `opsHealth/leaky` holds the last error.\n" },
    });
    await createOrUpdateUser(t.portal.store, { username: "viewer", password: "test-password", roles: ["viewer"] });
    const r = await login(t.portal.store, t.portal.config, { username: "viewer", password: "test-password", address: "127.0.0.1" });
    if (!r.ok) throw new Error("sign-in failed");
    viewer = sessionCookie(makeRequest("/"), r.token, 60).split(";")[0];
  }, 60_000);
  afterAll(async () => {
    await t?.cleanup();
    await sb?.stop();
    await fsb?.stop();
  });

  const blockFor = async (page: string, query: string) => {
    const live = (await liveBlocksOf(page, t.portal.registry, { dir: path.join(t.dir, "runbooks") }))!;
    return live.blocks.find((b) => b.query === query)!;
  };

  it("a viewer expands a document path and reads its fields with the time read, audited", async () => {
    const res = await call(liveLoader, "/api/runbooks/live/as-written/paid", { cookie: viewer });
    expect(res.status).toBe(200);
    const verdicts = (await res.json()) as { blocks: { id: number; kind: string; query: string }[] };
    const paths = verdicts.blocks.filter((b) => b.kind === "firestore").map((b) => b.query);
    expect(paths).toEqual(["opsHealth/stripeWebhook", "adminRevenueAggregates/global", "orders/wx-1031", "orders/wx-1035", "opsHealth/autoReleaseProtected"]);

    const health = verdicts.blocks.find((b) => b.query === "opsHealth/stripeWebhook")!;
    const read = await post("/api/runbooks/live/as-written/paid", { id: health.id }, viewer);
    expect(read.status).toBe(200);
    const body = (await read.json()) as { path: string; exists: boolean; fields: { name: string; value: string }[]; readAt: string };
    expect(body).toMatchObject({ path: "opsHealth/stripeWebhook", exists: true });
    expect(body.fields.find((f) => f.name === "errorsCount")?.value).toBe("9");
    expect(body.fields.find((f) => f.name === "lastError")?.value).toMatch(/No signatures found/);
    expect(Date.now() - Date.parse(body.readAt)).toBeLessThan(60_000);

    const entry = await t.portal.store.db.selectFrom("audit_entries").selectAll().where("action", "=", "firestore.read-document").orderBy("seq", "desc").executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor: "viewer", target: "opsHealth/stripeWebhook", outcome: "succeeded" });
  });

  it("a missing document answers 'no such document', not an error", async () => {
    const missing = await blockFor("as-written/paid", "orders/wx-1035");
    const res = await post("/api/runbooks/live/as-written/paid", { id: missing.id }, viewer);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ path: "orders/wx-1035", exists: false, fields: [] });
  });

  it("scrubs a configured secret a document echoes", async () => {
    const leaky = await blockFor("leaky", "opsHealth/leaky");
    const res = await post("/api/runbooks/live/leaky", { id: leaky.id }, viewer);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain(sb.secretKey);
    expect(text).toContain("[redacted]");
  });

  it("refuses bad input with a 4xx naming the field, and anyone not signed in", async () => {
    const bad = await post("/api/runbooks/live/as-written/paid", { id: "opsHealth/stripeWebhook" }, viewer);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors.id).toBeTruthy();
    const extra = await post("/api/runbooks/live/as-written/paid", { id: 0, path: "users/admin" }, viewer);
    expect(extra.status).toBe(400);
    const stripeId = await blockFor("as-written/paid", "pi_demo_wx1031");
    const notADoc = await post("/api/runbooks/live/as-written/paid", { id: stripeId.id }, viewer);
    expect(notADoc.status).toBe(400);
    expect((await post("/api/runbooks/live/no-such-page", { id: 0 }, viewer)).status).toBe(404);
    expect((await post("/api/runbooks/live/as-written/paid", { id: 0 })).status).toBe(401);
  });

  it("Stripe ids are marked in the rendered HTML and open their action, prefilled", async () => {
    const rendered = renderRunbook(AS_WRITTEN, { file: "as-written/paid.md" });
    const html = rendered.blocks.map((b) => (b.type === "html" ? b.html : "")).join("");
    for (const id of ["pi_demo_wx1031", "ch_demo_wx1035", "evt_demo_paid_wx1035"]) {
      expect(html).toMatch(new RegExp(`<(span|code) [^>]*data-live-id="\\d+"[^>]*>${id}</(span|code)>`));
    }
    const live = (await liveBlocksOf("as-written/paid", t.portal.registry, { dir: path.join(t.dir, "runbooks") }))!;
    const stripeBlocks = live.blocks.filter((b) => b.kind === "stripe");
    expect(stripeBlocks.map((b) => [b.query, b.action?.id, b.action?.input])).toEqual([
      ["pi_demo_wx1031", "stripe.recheck-payment", { paymentIntentId: "pi_demo_wx1031" }],
      ["pi_demo_wx1035", "stripe.recheck-payment", { paymentIntentId: "pi_demo_wx1035" }],
      ["ch_demo_wx1035", "stripe.recheck-payment", { paymentIntentId: "ch_demo_wx1035" }],
      ["evt_demo_paid_wx1035", "stripe.resend-event", { eventId: "evt_demo_paid_wx1035" }],
    ]);
    // The input the dialog is prefilled with is one the action accepts as it stands (the event still needs its endpoint).
    expect(t.portal.registry.actions.get("stripe.recheck-payment")!.def.input.safeParse({ paymentIntentId: "ch_demo_wx1035" }).success).toBe(true);
  });

  it.skipIf(!seedsPresent)("in the seed with Firestore paths, each path that exists in the demo shows its fields", async () => {
    const seed = fs.readdirSync(SEEDS).sort().map((f) => fs.readFileSync(path.join(SEEDS, f), "utf8")).find((text) => /opsHealth\/autoReleaseProtected/.test(text))!;
    const paths = [...new Set(renderRunbook(seed, { file: "seed.md" }).live.filter((c) => c.kind === "firestore").map((c) => c.query))];
    expect(paths).toEqual(expect.arrayContaining(["opsHealth/stripeWebhook", "opsHealth/autoReleaseProtected", "opsHealth/aggregateRevenue", "adminRevenueAggregates/global"]));
    const reader = t.portal.registry.services.get(documentReaderRef)!;
    for (const p of ["opsHealth/stripeWebhook", "opsHealth/autoReleaseProtected", "opsHealth/aggregateRevenue", "adminRevenueAggregates/global"]) {
      expect(Object.keys((await reader.get(p)) ?? {}).length, p).toBeGreaterThan(0);
    }
  });
});

describe("without the plugins that can read them", () => {
  let t: Awaited<ReturnType<typeof testPortal>>;
  beforeAll(async () => {
    t = await testPortal({ plugins: [], runbooks: { "paid.md": AS_WRITTEN } });
  });
  afterAll(async () => t?.cleanup());

  it("marks the mentions but offers no reading and no action", async () => {
    const live = (await liveBlocksOf("paid", t.portal.registry, { dir: path.join(t.dir, "runbooks") }))!;
    expect(live.blocks.filter((b) => b.kind === "firestore" || b.kind === "stripe")).toEqual([]);
  });
});
