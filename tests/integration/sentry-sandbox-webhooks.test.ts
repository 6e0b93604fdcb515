import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticate, parseReceived } from "~/core/alerts/receivers.server";
import type { ReceiverConfig } from "~/core/alerts/config";
import type { IncomingAlert } from "~/core/alerts/incoming";
import { SHOP_ISSUES, shopEvents } from "../../plugins/sentry/sandbox";
import { startSentryAlerts } from "../../plugins/sentry/sandbox-webhooks";

const SECRET = "demo-sentry-client-secret-0001";
const receiver: ReceiverConfig = { kind: "sentry", clientSecret: SECRET };
const MIN = 60_000;

// The portal's receiver in miniature: the same signature check and parsing, answering 401/400 like the route.
let server: http.Server;
let url: string;
const got: { status: number; alerts: IncomingAlert[] }[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString()));
    req.on("end", () => {
      const headers = new Headers(Object.entries(req.headers).map(([k, v]) => [k, String(v)] as [string, string]));
      try {
        authenticate(receiver, { headers, text });
      } catch {
        got.push({ status: 401, alerts: [] });
        return res.writeHead(401).end();
      }
      const { alerts } = parseReceived(receiver, headers, JSON.parse(text) as Record<string, unknown>);
      got.push({ status: 200, alerts });
      res.writeHead(200).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/alerts/sentry`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("the Sentry sandbox's alert webhooks", () => {
  it("signs an issue and a metric alert while the faulty release serves, and resolves both once it is gone", async () => {
    got.length = 0;
    let t = Date.UTC(2026, 11, 6, 9, 0, 30);
    let faultyUntil = t;
    const faultyFrom = t - 10 * MIN;
    const events = shopEvents((at) => at >= faultyFrom && at < faultyUntil);
    const alerter = startSentryAlerts({ target: { url, clientSecret: SECRET }, issues: SHOP_ISSUES, events, org: "shop", project: "shop-web", sandboxUrl: "http://sentry.test", now: () => t, intervalMs: 3_600_000 });
    try {
      await alerter.check();
      const firing = got.flatMap((g) => g.alerts);
      expect(got.every((g) => g.status === 200)).toBe(true);
      const issue = firing.find((a) => a.fingerprint === "issue:5101");
      expect(issue?.status).toBe("firing");
      expect(issue?.name).toBe(SHOP_ISSUES[0]!.title);
      const metric = firing.find((a) => a.fingerprint === "metric:9001");
      expect(metric).toMatchObject({ status: "firing", severity: "critical", name: "Webhook route errors" });
      // The background noise (a few events per window) is not announced.
      expect(firing.map((a) => a.fingerprint).sort()).toEqual(["issue:5101", "metric:9001"]);

      // Nothing changed: nothing is sent again.
      const before = got.length;
      t += 30_000;
      faultyUntil = t;
      await alerter.check();
      expect(got.length).toBe(before);

      // The faulty release is rolled back; once its errors leave the window both resolve.
      t += 6 * MIN;
      await alerter.check();
      const resolved = got.slice(before).flatMap((g) => g.alerts);
      expect(resolved.find((a) => a.fingerprint === "issue:5101")?.status).toBe("resolved");
      expect(resolved.find((a) => a.fingerprint === "metric:9001")?.status).toBe("resolved");
    } finally {
      alerter.stop();
    }
  });

  it("a delivery the portal refuses (wrong secret) is not counted as sent and is tried again", async () => {
    got.length = 0;
    const t = Date.UTC(2026, 11, 6, 9, 0, 30);
    const events = shopEvents(() => true);
    const wrong = startSentryAlerts({ target: { url, clientSecret: "not-the-client-secret" }, issues: SHOP_ISSUES, events, org: "shop", project: "shop-web", sandboxUrl: "http://sentry.test", now: () => t, intervalMs: 3_600_000 });
    try {
      await wrong.check();
      const first = got.length;
      expect(first).toBeGreaterThan(0);
      expect(got.every((g) => g.status === 401)).toBe(true);
      await wrong.check();
      expect(got.length).toBe(first * 2);
    } finally {
      wrong.stop();
    }
  });
});
