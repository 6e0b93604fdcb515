import crypto from "node:crypto";
import type { Logger } from "../plugin-api";
import type { IssueSeed, SentryEvent } from "./sandbox";

/** The world's name for the portal's Sentry receiver (`{ url, clientSecret }`), announced by the portal in demo mode. */
export const DEMO_SENTRY_RECEIVER = "alerts.sentry-receiver";

export interface SentryReceiverTarget {
  url: string;
  clientSecret: string;
}

/** The demo's metric alert rule: errors on the webhook route over 5 minutes. */
export const WEBHOOK_ERRORS_RULE = { id: "9001", name: "Webhook route errors", transaction: "/api/stripe/webhook", threshold: 10, windowMs: 5 * 60_000 };
/** An issue is announced once it has this many events in the window (the background noise stays below). */
export const ISSUE_ANNOUNCE_EVENTS = 5;

export interface SentryAlerter {
  /** One look at the last window: sends what changed since the last accepted delivery. */
  check(): Promise<void>;
  stop(): void;
}

/**
 * Sentry's integration webhooks as the sandbox's project would send them: `issue` created when an
 * issue's events rise above the noise and resolved once it goes quiet for the window, and a
 * `metric_alert` critical/resolved on the webhook route's error count. Each body is signed like
 * Sentry signs it (Sentry-Hook-Signature: hex HMAC-SHA256 of the body with the client secret). A
 * state counts as sent only when the portal answers 2xx, so a failed delivery is retried next look.
 */
export function startSentryAlerts(o: {
  target: SentryReceiverTarget;
  issues: IssueSeed[];
  events: (from: number, to: number) => SentryEvent[];
  org: string;
  project: string;
  sandboxUrl: string;
  now?: () => number;
  intervalMs?: number;
  log?: Logger;
}): SentryAlerter {
  const now = o.now ?? Date.now;
  const announced = new Map<string, number>();
  let metric: { startedAt: number; id: string } | null = null;
  let running: Promise<void> | null = null;

  async function deliver(resource: "issue" | "metric_alert", body: unknown): Promise<boolean> {
    const text = JSON.stringify(body);
    try {
      const res = await fetch(o.target.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "sentry-hook-resource": resource,
          "sentry-hook-timestamp": String(Math.floor(now() / 1000)),
          "sentry-hook-signature": crypto.createHmac("sha256", o.target.clientSecret).update(text, "utf8").digest("hex"),
          "request-id": crypto.randomUUID(),
        },
        body: text,
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) o.log?.warn({ resource, status: res.status }, "sentry sandbox: the portal refused a webhook");
      return res.ok;
    } catch (err) {
      o.log?.warn({ resource, err: String(err) }, "sentry sandbox: webhook not delivered");
      return false;
    }
  }

  const installation = { uuid: "opsdeck-demo-installation" };
  const issueBody = (issue: IssueSeed, action: "created" | "resolved", firstSeen: number) => ({
    action,
    installation,
    actor: { type: "application", id: "sentry", name: "Sentry" },
    data: {
      issue: {
        id: issue.id,
        shortId: issue.shortId,
        title: issue.title,
        culprit: issue.culprit,
        level: issue.level ?? "error",
        status: action === "resolved" ? "resolved" : "unresolved",
        web_url: `${o.sandboxUrl}/organizations/${o.org}/issues/${issue.id}/`,
        firstSeen: new Date(firstSeen).toISOString(),
        project: { slug: o.project },
      },
    },
  });

  async function look(): Promise<void> {
    const t = now();
    const recent = o.events(t - WEBHOOK_ERRORS_RULE.windowMs, t).filter((e) => e.at < t);
    for (const issue of o.issues) {
      const own = recent.filter((e) => e.issueId === issue.id);
      const first = announced.get(issue.id);
      if (first === undefined && own.length >= ISSUE_ANNOUNCE_EVENTS) {
        const firstSeen = Math.min(...own.map((e) => e.at));
        if (await deliver("issue", issueBody(issue, "created", firstSeen))) announced.set(issue.id, firstSeen);
      } else if (first !== undefined && own.length === 0) {
        if (await deliver("issue", issueBody(issue, "resolved", first))) announced.delete(issue.id);
      }
    }
    const errors = recent.filter((e) => e.transaction === WEBHOOK_ERRORS_RULE.transaction).length;
    const rule = { id: WEBHOOK_ERRORS_RULE.id, name: WEBHOOK_ERRORS_RULE.name };
    const above = errors >= WEBHOOK_ERRORS_RULE.threshold;
    if (above && !metric) {
      const next = { startedAt: t, id: String(t) };
      const ok = await deliver("metric_alert", {
        action: "critical",
        installation,
        data: {
          metric_alert: { id: next.id, title: rule.name, date_started: new Date(t).toISOString(), date_closed: null, alert_rule: rule },
          description_title: `Critical: ${rule.name}`,
          description_text: `${errors} errors on ${WEBHOOK_ERRORS_RULE.transaction} in the last 5 minutes (threshold ${WEBHOOK_ERRORS_RULE.threshold})`,
          web_url: `${o.sandboxUrl}/organizations/${o.org}/alerts/rules/details/${rule.id}/`,
        },
      });
      if (ok) metric = next;
    } else if (!above && metric) {
      const ok = await deliver("metric_alert", {
        action: "resolved",
        installation,
        data: {
          metric_alert: { id: metric.id, title: rule.name, date_started: new Date(metric.startedAt).toISOString(), date_closed: new Date(t).toISOString(), alert_rule: rule },
          description_title: `Resolved: ${rule.name}`,
          description_text: `${errors} errors on ${WEBHOOK_ERRORS_RULE.transaction} in the last 5 minutes`,
          web_url: `${o.sandboxUrl}/organizations/${o.org}/alerts/rules/details/${rule.id}/`,
        },
      });
      if (ok) metric = null;
    }
  }

  const check = () => (running ??= look().finally(() => (running = null)));
  const timer = setInterval(() => void check(), o.intervalMs ?? 30_000);
  timer.unref?.();
  void check();
  return { check, stop: () => clearInterval(timer) };
}
