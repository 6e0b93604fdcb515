import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { DEMO_ALERTMANAGER } from "../../../plugins/prometheus/demo-rules";
import { DEMO_SENTRY_RECEIVER, type SentryReceiverTarget } from "../../../plugins/sentry/sandbox-webhooks";
import type { Portal } from "../portal.server";
import { ALERTMANAGER_INSTALL_HINT, findAlertmanager, startAlertmanager } from "./alertmanager-process.server";

/** The demo's receiver: what a private Alertmanager (or anything holding the token) posts to. */
export const DEMO_RECEIVER = "alertmanager";
export const DEMO_TOKEN_FILE = "alerts-demo-token";
/** The demo's Sentry receiver: the Sentry sandbox signs its webhooks with this client secret. */
export const DEMO_SENTRY = "sentry";
export const DEMO_SENTRY_SECRET_FILE = "alerts-demo-sentry-secret";

/** Where the demo stands: shown on the inbox when Alertmanager is missing. */
export interface AlertsDemoState {
  alertmanager: "running" | "missing" | "failed";
  hint?: string;
}

const states = new WeakMap<Portal, AlertsDemoState>();

export function alertsDemoState(portal: Portal): AlertsDemoState | null {
  return states.get(portal) ?? null;
}

function demoToken(dataDir: string, name = DEMO_TOKEN_FILE): string {
  const file = path.join(dataDir, name);
  try {
    const t = fs.readFileSync(file, "utf8").trim();
    if (t.length >= 16) return t;
  } catch {
    /* first start */
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const token = crypto.randomBytes(24).toString("base64url");
  fs.writeFileSync(file, token, { mode: 0o600 });
  return token;
}

/**
 * Demo mode with no receiver configured: an Alertmanager receiver whose token lives in the data
 * folder, and — when Debian's prometheus-alertmanager is installed — a private Alertmanager on a
 * loopback port routed to it, which the portal's silences are mirrored to. Returns its stop.
 */
export async function startAlertsDemo(portal: Portal): Promise<(() => Promise<void>) | null> {
  const alerts = portal.config.alerts;
  if (!portal.demo.enabled || Object.keys(alerts.receivers).length) return null;
  const token = demoToken(portal.dataDir);
  alerts.receivers[DEMO_RECEIVER] = { kind: "alertmanager", token };
  if (!portal.config.secretValues.includes(token)) portal.config.secretValues.push(token);
  const world = portal.registry.world;
  if (world) {
    const clientSecret = demoToken(portal.dataDir, DEMO_SENTRY_SECRET_FILE);
    alerts.receivers[DEMO_SENTRY] = { kind: "sentry", clientSecret };
    if (!portal.config.secretValues.includes(clientSecret)) portal.config.secretValues.push(clientSecret);
    world.provide(DEMO_SENTRY_RECEIVER, { url: `http://127.0.0.1:${portal.config.server.port}/api/alerts/${DEMO_SENTRY}`, clientSecret } satisfies SentryReceiverTarget);
  }
  const bin = findAlertmanager();
  if (!bin) {
    states.set(portal, { alertmanager: "missing", hint: `Alertmanager is not installed: ${ALERTMANAGER_INSTALL_HINT}, then restart; demo mode runs a private one routed to this inbox.` });
    return null;
  }
  try {
    const am = await startAlertmanager({
      bin,
      dir: path.join(portal.dataDir, "alertmanager"),
      webhookUrl: `http://127.0.0.1:${portal.config.server.port}/api/alerts/${DEMO_RECEIVER}`,
      token,
      // Short, so the inbox fills within seconds of a rule firing and a fix's resolution follows soon.
      groupWait: "5s",
      groupInterval: "10s",
      repeatInterval: "4h",
    });
    alerts.alertmanager ??= { url: am.url };
    states.set(portal, { alertmanager: "running" });
    // The demo Prometheus sends its firing rules here from now on.
    portal.registry.world?.provide(DEMO_ALERTMANAGER, `127.0.0.1:${am.port}`);
    portal.log.info({ url: am.url }, "demo: private alertmanager started");
    return am.stop;
  } catch (err) {
    states.set(portal, { alertmanager: "failed", hint: String(err).slice(0, 300) });
    portal.log.warn({ err: String(err) }, "demo: the private alertmanager did not start");
    return null;
  }
}
