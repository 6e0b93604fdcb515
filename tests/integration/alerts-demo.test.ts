// Demo mode fills the inbox by itself: the demo Prometheus' rule reaches the portal through the demo
// Alertmanager, and the fix through the button (syncing the shop's webhook secret) resolves it.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPrometheus } from "../../plugins/prometheus/server";
import { findAlertmanager } from "~/core/alerts/alertmanager-process.server";
import { signIn, startServer, type RunningServer } from "../helpers/server";

const haveBinaries = !!findPrometheus() && !!findAlertmanager();
let server: RunningServer;
let admin: string;

interface InboxAlert {
  id: string;
  source: string;
  name: string;
  status: string;
  runbook: { path: string } | null;
}

async function inbox(status: string): Promise<InboxAlert[]> {
  const res = await fetch(`${server.baseUrl}/api/alerts?status=${status}`, { headers: { cookie: admin } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { alerts?: InboxAlert[] } | InboxAlert[];
  return Array.isArray(body) ? body : (body.alerts ?? []);
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(`${what}: not within ${ms / 1000} s`);
}

async function runAction(actionId: string, input: unknown, confirm?: string) {
  const res = await fetch(`${server.baseUrl}/api/actions/${actionId}`, {
    method: "POST",
    headers: { cookie: admin, "content-type": "application/json", origin: server.baseUrl },
    body: JSON.stringify({ input, confirm, idempotencyKey: `it-${Math.random()}` }),
  });
  const { runId } = (await res.json()) as { runId: string };
  for (let i = 0; i < 150; i++) {
    const run = (await (await fetch(`${server.baseUrl}/api/runs/${runId}`, { headers: { cookie: admin } })).json()) as { status: string };
    if (!["pending", "started"].includes(run.status)) return run;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`run ${runId} did not finish`);
}

beforeAll(async () => {
  if (!haveBinaries) return;
  server = await startServer({ config: {} });
  admin = await signIn(server.baseUrl, "admin");
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

describe.skipIf(!haveBinaries)("alerts in demo mode", () => {
  it("the demo Prometheus' rule fires into the inbox through the demo Alertmanager, and the button's fix resolves it", async () => {
    const fired = await until(
      "StripeWebhookSecretMismatch firing from alertmanager",
      async () => (await inbox("firing")).find((a) => a.name === "StripeWebhookSecretMismatch" && a.source === "alertmanager"),
      90_000,
    );
    expect(fired.runbook?.path).toMatch(/stripe-webhook-failures$/);

    const run = await runAction("demo.sync-shop-webhook-secret", {}, "shop:STRIPE_WEBHOOK_SECRET");
    expect(run.status).toBe("succeeded");

    const resolved = await until(
      "StripeWebhookSecretMismatch resolved",
      async () => (await inbox("resolved")).find((a) => a.id === fired.id),
      90_000,
    );
    expect(resolved.status).toBe("resolved");
  }, 240_000);

  it("the Sentry sandbox's signed issue and metric alerts reach the inbox while the faulty release serves", async () => {
    const sentry = await until(
      "Sentry's issue and metric alerts",
      async () => {
        const got = (await inbox("firing")).filter((a) => a.source === "sentry");
        return got.some((a) => a.name === "Webhook route errors") && got.some((a) => a.name.startsWith("TypeError")) ? got : undefined;
      },
      60_000,
    );
    expect(sentry.map((a) => a.status)).not.toContain("resolved");
    const audit = await fetch(`${server.baseUrl}/api/alerts?status=all`, { headers: { cookie: admin } });
    expect(await audit.text()).not.toContain(fs.readFileSync(path.join(server.dir, "data", "alerts-demo-sentry-secret"), "utf8").trim());
  }, 90_000);
});
