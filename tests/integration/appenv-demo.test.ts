// Demo mode's appenv: the shop's frontend (Vercel) and backend (Render) variables in the deploys
// sandbox carry seeded trouble; each problem shows on its probe and the overview with its rule in
// words and no value, and a fix pressed on the sandboxes page turns it ok after appenv.recheck.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn, startServer, type RunningServer } from "../helpers/server";

let server: RunningServer;
let admin: string;

interface Row {
  name: string;
  rule: string;
  verdict: string;
  detail: string;
  service?: string;
}
interface Reading {
  status: string;
  value: number | null;
  summary: string;
  rows?: Row[];
}

// The shapes of the seeded values (demo/shop/environment.ts); none may appear anywhere the check answers.
const VALUE_SHAPES = [/whsec_[0-9a-f]{32}/, /sk_live_[0-9a-f]{48}/, /pdl_live_apikey_/, /pdl_ntfset_/, /mongodb\+srv:\/\/shop:/, /ingest\.sentry\.io/, /eyJ[0-9a-f]{20}/];

async function get(path: string): Promise<Response> {
  const res = await fetch(`${server.baseUrl}${path}`, { headers: { cookie: admin } });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res;
}

async function probe(id: string): Promise<{ reading: Reading; text: string }> {
  const text = await (await get(`/api/probes/${id}`)).text();
  const body = JSON.parse(text) as Reading & { reading?: Reading };
  return { reading: body.reading ?? body, text };
}

function problem(reading: Reading, name: string): Row | undefined {
  return reading.rows?.find((r) => r.name === name && r.verdict === "problem");
}

async function recheck() {
  const res = await fetch(`${server.baseUrl}/api/actions/appenv.recheck`, {
    method: "POST",
    headers: { cookie: admin, "content-type": "application/json", origin: server.baseUrl },
    body: JSON.stringify({ input: {}, idempotencyKey: `appenv-${Math.random()}` }),
  });
  expect(res.status).toBeLessThan(300);
  const { runId } = (await res.json()) as { runId: string };
  for (let i = 0; i < 150; i++) {
    const run = (await (await get(`/api/runs/${runId}`)).json()) as { status: string };
    if (!["pending", "started"].includes(run.status)) return run;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`run ${runId} did not finish`);
}

async function pressFix(fix: string): Promise<Response> {
  return fetch(`${server.baseUrl}/admin/sandboxes?_data=routes%2Fadmin.sandboxes`, {
    method: "POST",
    headers: { cookie: admin, "content-type": "application/x-www-form-urlencoded", origin: server.baseUrl },
    body: new URLSearchParams({ fix }).toString(),
  });
}

beforeAll(async () => {
  server = await startServer({ config: {} });
  admin = await signIn(server.baseUrl, "admin");
}, 150_000);
afterAll(async () => {
  await server?.stop();
});

describe("appenv in demo mode", () => {
  it("shows each seeded problem with its rule in words and no value; a fix on the sandboxes page and a recheck turn it ok", async () => {
    const frontend = await probe("appenv.frontend");
    const backend = await probe("appenv.backend");
    const consistency = await probe("appenv.consistency");

    expect(frontend.reading.status).toBe("critical");
    expect(problem(frontend.reading, "PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV")).toMatchObject({ rule: "must be unset or false in" });
    expect(problem(frontend.reading, "STRIPE_WEBHOOK_SECRET")).toMatchObject({ rule: "redeployed after it changed" });
    expect(backend.reading.status).toBe("critical");
    expect(problem(backend.reading, "SENTRY_DSN")).toMatchObject({ rule: "must be set", detail: expect.stringContaining("SENTRY_DNS") });
    expect(problem(backend.reading, "MONGO_URI")).toMatchObject({ rule: "no surrounding spaces or line breaks" });
    expect(problem(backend.reading, "HMRC_ENV")).toMatchObject({ rule: "must equal" });
    expect(problem(consistency.reading, "STRIPE_WEBHOOK_SECRET")).toMatchObject({ rule: "same as" });
    for (const r of [frontend, backend, consistency]) {
      for (const row of r.reading.rows ?? []) expect(Object.keys(row)).not.toContain("value");
      for (const shape of VALUE_SHAPES) expect(r.text).not.toMatch(shape);
    }

    const overview = await (await get("/")).text();
    for (const words of [frontend.reading.summary, backend.reading.summary].flatMap((s) => s.split(": ").slice(0, 1))) expect(overview).toContain(words);
    for (const shape of VALUE_SHAPES) expect(overview).not.toMatch(shape);

    const page = await (await get("/admin/sandboxes")).text();
    expect(page).toContain("SENTRY_DNS");
    expect(page).toContain("HMRC_ENV");
    for (const shape of VALUE_SHAPES) expect(page).not.toMatch(shape);

    const unknown = await pressFix("no-such-fix");
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { message: string }).message).toBe('unknown fix "no-such-fix"');

    const pressed = await pressFix("hmrc-env");
    expect(pressed.status).toBe(200);
    expect(((await pressed.json()) as { message: string }).message).toContain("shop-api: HMRC_ENV set");
    expect(problem((await probe("appenv.backend")).reading, "HMRC_ENV")).toBeDefined();

    expect((await recheck()).status).toBe("succeeded");
    const after = (await probe("appenv.backend")).reading;
    expect(after.rows?.find((r) => r.name === "HMRC_ENV" && r.rule === "must equal")).toMatchObject({ verdict: "ok" });
    expect(after.value).toBe(backend.reading.value! - 1);
    expect(problem(after, "MONGO_URI")).toBeDefined();
  }, 120_000);
});
