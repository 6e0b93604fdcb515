import type { Paddle } from "@paddle/paddle-node-sdk";
import { probe, type ProbeDefinition, type ProbeReading } from "../../plugin-api";
import { describePaddleError } from "../client.server";

const MIN = 60_000;

export interface WatchScope {
  /** Watched destinations; empty: all. */
  settingIds: string[];
  windowMs: number;
}

/** A failed read of the API as a reading: `unknown`, in Paddle's words (never the key). */
export function unreadable(err: unknown): ProbeReading {
  return { value: null, status: "unknown", summary: describePaddleError(err) };
}

function age(fromIso: string, now: Date): string {
  const m = Math.max(0, Math.round((now.getTime() - new Date(fromIso).getTime()) / MIN));
  return m < 120 ? `${m} min` : m < 2880 ? `${Math.round(m / 60)} h` : `${Math.round(m / 1440)} d`;
}

/** Notifications in one status over the window, grouped per destination (oldest first attempt age, most attempts). */
export function notificationsByStatus(paddle: Paddle, scope: WatchScope, status: "failed" | "needs_retry"): ProbeDefinition {
  const words = status === "failed" ? "failed for good" : "waiting for a retry";
  return probe({
    id: status === "failed" ? "failed-notifications" : "retrying-notifications",
    title: status === "failed" ? "Paddle notifications that failed" : "Paddle notifications waiting for a retry",
    description: `Notifications with status ${status} that occurred in the watch window, per destination.`,
    unit: "notifications",
    thresholds: status === "failed" ? { warn: "> 0", critical: "> 10" } : { warn: "> 0", critical: "> 20" },
    async read({ now }) {
      const to = now();
      const from = new Date(to.getTime() - scope.windowMs);
      const per = new Map<string, { count: number; oldest: string; maxAttempts: number; events: Set<string>; ids: string[] }>();
      let total = 0;
      let replayed = 0;
      try {
        const list = paddle.notifications.list({
          status: [status],
          from: from.toISOString(),
          to: to.toISOString(),
          perPage: 200,
          ...(scope.settingIds.length ? { notificationSettingId: scope.settingIds } : {}),
        });
        for await (const n of list) {
          // A failed notification replayed since is the replay's business now (Paddle keeps the original as failed).
          if (n.replayedAt) {
            replayed += 1;
            continue;
          }
          total += 1;
          const g = per.get(n.notificationSettingId) ?? { count: 0, oldest: n.occurredAt, maxAttempts: 0, events: new Set(), ids: [] };
          g.count += 1;
          if (n.occurredAt < g.oldest) g.oldest = n.occurredAt;
          g.maxAttempts = Math.max(g.maxAttempts, n.timesAttempted);
          g.events.add(n.type);
          if (g.ids.length < 5) g.ids.push(n.id);
          per.set(n.notificationSettingId, g);
        }
      } catch (err) {
        return unreadable(err);
      }
      const rows = [...per.entries()].map(([destination, g]) => ({
        destination,
        notifications: g.count,
        oldest: age(g.oldest, to),
        timesAttempted: g.maxAttempts,
        events: [...g.events].join(", "),
        examples: g.ids.join(", "),
        ...(status === "failed" ? { fixes: g.ids.map((notificationId) => ({ actionId: "paddle.replay-notification", label: `Replay ${notificationId}`, input: { notificationId } })) } : {}),
      }));
      const worst = rows.sort((a, b) => b.notifications - a.notifications)[0];
      const attempts = (k: number) => `${k} attempt${k === 1 ? "" : "s"}`;
      const summary =
        (total === 0
          ? `No notification ${words} in the last ${Math.round(scope.windowMs / 3_600_000)} h`
          : `${total} notification${total === 1 ? "" : "s"} ${words}; most on ${worst!.destination} (oldest ${worst!.oldest} ago, ${attempts(worst!.timesAttempted)})`) +
        (replayed ? `; ${replayed} more replayed since` : "");
      return { value: total, summary, rows };
    },
  });
}
