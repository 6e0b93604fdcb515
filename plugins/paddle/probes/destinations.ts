import type { Paddle } from "@paddle/paddle-node-sdk";
import { probe, type ProbeDefinition } from "../../plugin-api";
import { unreadable } from "./notifications";

/** The watched destinations' settings: active, subscribed events, traffic source. Counts the ones that cannot receive live events. */
export function destinationSettings(paddle: Paddle, settingIds: string[]): ProbeDefinition {
  return probe({
    id: "destinations",
    title: "Paddle notification destinations",
    description: "Each watched destination: active, subscribed events, traffic source (platform events reach only platform/all). Value: destinations that cannot receive live events.",
    unit: "not receiving",
    thresholds: { critical: "> 0" },
    async read() {
      let settings;
      try {
        settings = await paddle.notificationSettings.list();
      } catch (err) {
        return unreadable(err);
      }
      const watched = settingIds.length ? settings.filter((s) => settingIds.includes(s.id)) : settings;
      const missing = settingIds.filter((id) => !settings.some((s) => s.id === id));
      const rows: Record<string, unknown>[] = watched.map((s) => {
        const problem = !s.active ? "inactive" : s.trafficSource === "simulation" ? "receives simulations only" : s.subscribedEvents.length === 0 ? "subscribed to no events" : "";
        return {
          id: s.id,
          description: s.description,
          destination: s.destination,
          active: s.active,
          trafficSource: s.trafficSource,
          subscribedEvents: s.subscribedEvents.map((e) => e.name).join(", "),
          problem,
        };
      });
      for (const id of missing) rows.push({ id, problem: "not found in this Paddle account" });
      const bad = rows.filter((r) => r.problem).length;
      const summary = bad
        ? `${bad} of ${rows.length} destination${rows.length === 1 ? "" : "s"} cannot receive live events: ${rows
            .filter((r) => r.problem)
            .map((r) => `${r.description ?? r.id} ${r.problem}`)
            .join("; ")}`
        : `${rows.length} destination${rows.length === 1 ? "" : "s"} active and subscribed`;
      return { value: bad, summary, rows };
    },
  });
}

export function pastDueSubscriptions(paddle: Paddle): ProbeDefinition {
  return probe({
    id: "past-due-subscriptions",
    title: "Paddle subscriptions past due",
    description: "Subscriptions whose renewal payment failed (status past_due): dunning should be running for each.",
    unit: "subscriptions",
    thresholds: { warn: "> 0", critical: "> 10" },
    async read() {
      const rows: Record<string, unknown>[] = [];
      try {
        for await (const s of paddle.subscriptions.list({ status: ["past_due"], perPage: 200 })) {
          rows.push({ id: s.id, customer: s.customerId, currency: s.currencyCode, nextBilledAt: s.nextBilledAt, updatedAt: s.updatedAt });
        }
      } catch (err) {
        return unreadable(err);
      }
      return {
        value: rows.length,
        summary: rows.length ? `${rows.length} subscription${rows.length === 1 ? "" : "s"} past due: ${rows.slice(0, 3).map((r) => r.id).join(", ")}` : "No subscription is past due",
        rows,
      };
    },
  });
}
