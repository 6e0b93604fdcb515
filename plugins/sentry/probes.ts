import { parseDuration, probe, type ProbeDefinition, type ProbeReading } from "../plugin-api";
import type { DeploysService } from "../deploys/api";
import { SentryAuthError, SentryRateLimited, type SentryClient, type SentryIssue } from "./client";
import type { SentryConfig } from "./config";

/** A 429 is "rate-limited, retry after N s" and a rejected token "authentication failed": never a zero. */
async function guarded(read: () => Promise<ProbeReading>): Promise<ProbeReading> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof SentryRateLimited)
      return { value: null, status: "unknown", summary: `Rate-limited by Sentry${err.retryAfterSec !== null ? `: retry after ${err.retryAfterSec} s` : ""} (no figure read; not zero errors)`, rows: [{ rateLimited: true, retryAfterSec: err.retryAfterSec }] };
    if (err instanceof SentryAuthError) return { value: null, status: "unknown", summary: "Sentry: authentication failed; check the token" };
    return { value: null, status: "unknown", summary: err instanceof Error ? err.message : String(err) };
  }
}

const perMinute = (total: number, windowMs: number) => Math.round((total / (windowMs / 60_000)) * 10) / 10;

function issueRows(issues: SentryIssue[]) {
  return issues.map((i) => ({ issue: i.shortId, title: i.title, culprit: i.culprit ?? "", events: i.count, users: i.userCount, firstSeen: i.firstSeen, lastSeen: i.lastSeen, link: i.permalink }));
}

export function sentryProbes(config: SentryConfig, client: SentryClient, deploys: DeploysService | undefined): ProbeDefinition[] {
  const windowMs = parseDuration(config.window);
  const rate = (transaction: string | undefined, label: string) => async (now: Date) =>
    guarded(async () => {
      const { total } = await client.errorCount({ from: new Date(now.getTime() - windowMs), to: now }, transaction);
      const v = perMinute(total, windowMs);
      return { value: v, summary: `${label}: ${v} errors/min (${total} error events in the last ${config.window})` };
    });

  const probes: ProbeDefinition[] = [
    probe({
      id: "error-rate",
      title: `Sentry errors per minute (${config.project}, last ${config.window})`,
      unit: "errors/min",
      every: "1m",
      timeout: "10s",
      thresholds: config.overall,
      read: ({ now }) => rate(undefined, `${config.project}`)(now()),
    }),
    ...Object.entries(config.routes).map(([name, route]) =>
      probe({
        id: `route-${name}`,
        title: `${route.title ?? name}: errors per minute on ${route.transaction}`,
        unit: "errors/min",
        every: "1m",
        timeout: "10s",
        thresholds: { warn: route.warn, critical: route.critical },
        read: ({ now }) => rate(route.transaction, route.transaction)(now()),
      }),
    ),
    probe({
      id: "top-issues",
      title: `Sentry: top unresolved issues (${config.project})`,
      unit: "issues",
      every: "2m",
      timeout: "10s",
      async read() {
        return guarded(async () => {
          const issues = await client.issues("is:unresolved", config.topIssues);
          const top = issues[0];
          return {
            value: issues.length,
            summary: top ? `${issues.length} unresolved issue(s); most frequent ${top.shortId} "${top.title}" (${top.count} events in 24 h)` : "No unresolved issues",
            rows: issueRows(issues),
            links: issues.slice(0, 3).map((i) => ({ label: i.shortId, href: i.permalink })),
          };
        });
      },
    }),
  ];

  const site = config.deploySite ?? deploys?.sites()[0];
  if (deploys && site) {
    probes.push(
      probe({
        id: "new-issues-since-deploy",
        title: `Sentry: new issues since ${site}'s current production deploy`,
        unit: "issues",
        every: "2m",
        timeout: "15s",
        thresholds: { warn: "> 0" },
        async read({ now }) {
          const current = await deploys.current(site).catch((err: unknown) => err as Error);
          if (current instanceof Error) return { value: null, status: "unknown", summary: `cannot tell which deployment serves ${site}: ${current.message}` };
          if (!current) return { value: null, status: "unknown", summary: `${site} shows no production deployment` };
          return guarded(async () => {
            const since = new Date(current.createdAt).toISOString();
            const issues = await client.issues(`is:unresolved firstSeen:>${since}`, config.topIssues);
            const mins = Math.round((now().getTime() - current.createdAt) / 60_000);
            return {
              value: issues.length,
              summary: `${issues.length} new issue(s) since ${current.id} (commit ${current.commit?.slice(0, 7) ?? "?"}, deployed ${mins} min ago)`,
              rows: issueRows(issues),
              links: issues.slice(0, 3).map((i) => ({ label: i.shortId, href: i.permalink })),
            };
          });
        },
      }),
    );
  }
  return probes;
}
