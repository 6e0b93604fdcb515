// The sender: routes new events into deliveries, claims due deliveries under a lease (one atomic
// UPDATE, so any number of instances can run it and each delivery has one holder), sends them and
// records the outcome. A crash leaves the lease to expire and the delivery is claimed again.
import type { PortalConfig } from "../config.server";
import type { Store } from "../db/store.server";
import { newId } from "../ids.server";
import type { Log } from "../log.server";
import { scrubText } from "../secrets/index.server";
import { DeliveryError } from "./channels/delivery-error";
import { sendEmail } from "./channels/email.server";
import { sendSlack, type SlackRef } from "./channels/slack.server";
import { sendPagerDuty, sendWebhook } from "./channels/webhook.server";
import { renderMessage } from "./messages.server";
import { onCallAt, listOverrides, oncallLine, oncallNow } from "./oncall.server";
import { claimDeliveries, markFailedAttempt, markSent, onNotificationRecorded, parseEvent, routeEvents, type DeliveryRow, type HoldCheck, type NotificationEvent } from "./outbox.server";

export type SenderConfig = Pick<PortalConfig, "notifications" | "oncall" | "secretValues" | "app" | "server">;

export interface SenderOptions {
  store: Store;
  config: SenderConfig;
  log: Log;
  instance?: string;
  pollMs?: number;
  leaseMs?: number;
  /** First retry delay; doubles each attempt (capped at 15 min). */
  backoffBaseMs?: number;
  batch?: number;
  concurrency?: number;
  /** Sent deliveries are marked in groups of this many (1: each at once). */
  markEvery?: number;
  now?: () => number;
  /** Holds back an event when routed (a probe's open incident or silence). */
  hold?: HoldCheck;
  /** Extra work each round (escalation ticks). */
  onRound?: (now: number) => Promise<void>;
}

export function portalBaseUrl(config: Pick<PortalConfig, "app" | "server">): string {
  return config.app.baseUrl ?? `http://127.0.0.1:${config.server.port}`;
}

/** Delay before attempt `attempts + 1`: exponential with a little jitter, or the provider's Retry-After. */
export function nextAttemptAt(now: number, attempts: number, baseMs: number, retryAfterMs?: number): number {
  if (retryAfterMs != null) return now + retryAfterMs;
  const delay = Math.min(baseMs * 2 ** Math.max(0, attempts - 1), 15 * 60_000);
  return now + Math.round(delay * (1 + Math.random() * 0.1));
}

const THREADED = /^(inc_|run_)/;

/** Sends one claimed delivery. Throws DeliveryError with the provider's words. */
export async function deliver(store: Store, config: SenderConfig, d: DeliveryRow, oncall: string | null, known?: NotificationEvent): Promise<void> {
  const channel = config.notifications.channels[d.channel];
  if (!channel) throw new DeliveryError(`no channel "${d.channel}" in notifications.channels any more`, undefined, true);
  const event = known ?? parseEvent(await store.db.selectFrom("notification_events").selectAll().where("id", "=", d.event_id).executeTakeFirstOrThrow());
  const message = renderMessage(event, { baseUrl: portalBaseUrl(config), oncall, secrets: config.secretValues });
  const email = d.recipient ? config.oncall.people[d.recipient]?.email : undefined;
  if (d.recipient && !email && (channel.kind === "email" || channel.kind === "slack")) {
    throw new DeliveryError(`no e-mail for ${d.recipient} in oncall.people: cannot reach them on ${channel.kind}`, undefined, true);
  }
  switch (channel.kind) {
    case "webhook":
      return sendWebhook(channel, event, message, d.dedupe_key);
    case "pagerduty":
      return sendPagerDuty(channel, event, message);
    case "email":
      return sendEmail(channel, message, { to: email ? [email] : undefined, deliveryKey: d.dedupe_key });
    case "slack": {
      const threaded = !d.recipient && THREADED.test(event.subject) && !!channel.token;
      const existing = threaded ? await store.db.selectFrom("notification_messages").select("ref").where("channel", "=", d.channel).where("subject", "=", event.subject).executeTakeFirst() : undefined;
      const ref = await sendSlack(channel, message, { ref: existing ? (JSON.parse(existing.ref) as SlackRef) : null, recipientEmail: email ?? null });
      if (threaded && ref && !existing) {
        await store.db
          .insertInto("notification_messages")
          .values({ channel: d.channel, subject: event.subject, ref: JSON.stringify(ref), updated_at: Date.now() })
          .onConflict((oc) => oc.columns(["channel", "subject"]).doUpdateSet({ ref: JSON.stringify(ref), updated_at: Date.now() }))
          .execute();
      }
      return;
    }
  }
}

export interface Sender {
  /** One round now (route, claim, send); resolves when the round's sends have ended. */
  round(): Promise<number>;
  stop(): Promise<void>;
}

export function startSender(options: SenderOptions): Sender {
  const { store, config, log } = options;
  const instance = options.instance ?? newId("snd_");
  const pollMs = options.pollMs ?? 200;
  const leaseMs = options.leaseMs ?? 60_000;
  const base = options.backoffBaseMs ?? 5_000;
  const batch = options.batch ?? 200;
  const concurrency = options.concurrency ?? 32;
  const markEvery = options.markEvery ?? 8;
  const now = options.now ?? Date.now;
  let stopped = false;
  let running: Promise<number> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  async function once(): Promise<number> {
    const t = now();
    const overrides = await listOverrides(store, t);
    await routeEvents(store, config.notifications, (rotation, at) => onCallAt(config.oncall, overrides, rotation, at), t, 500, options.hold);
    if (options.onRound) await options.onRound(t);
    const claimed = await claimDeliveries(store, instance, t, leaseMs, batch);
    if (!claimed.length) return 0;
    const line = oncallLine(await oncallNow(store, config.oncall, t));
    const events = new Map<string, NotificationEvent>();
    const ids = [...new Set(claimed.map((d) => d.event_id))];
    for (let i = 0; i < ids.length; i += 500) for (const row of await store.db.selectFrom("notification_events").selectAll().where("id", "in", ids.slice(i, i + 500)).execute()) events.set(row.id, parseEvent(row));
    let next = 0;
    let sent: string[] = [];
    const flushSent = async () => {
      if (!sent.length) return;
      const ids = sent;
      sent = [];
      await markSent(store, ids, instance, now());
    };
    const worker = async () => {
      while (next < claimed.length) {
        const d = claimed[next++]!;
        try {
          await deliver(store, config, d, line, events.get(d.event_id));
          // Marked in small groups as sends finish, never at the batch's end: a kill -9 re-sends
          // at most what was in flight and the few not yet marked.
          sent.push(d.id);
          if (sent.length >= markEvery) await flushSent();
        } catch (err) {
          const e = err instanceof DeliveryError ? err : new DeliveryError((err as Error).message ?? String(err));
          const words = scrubText(e.message, config.secretValues);
          const last = e.permanent || d.attempts >= config.notifications.maxAttempts;
          await markFailedAttempt(store, d, instance, words, last ? null : nextAttemptAt(now(), d.attempts, base, e.retryAfterMs)).catch((err2) => log.warn({ err: String(err2) }, "could not record a failed delivery"));
          log.warn({ delivery: d.id, channel: d.channel, attempts: d.attempts, err: words }, last ? "notification failed" : "notification will be retried");
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, claimed.length) }, worker));
    await flushSent();
    return claimed.length;
  }

  function round(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = once()
      .catch((err) => {
        log.warn({ err: scrubText(String((err as Error)?.message ?? err), config.secretValues) }, "notification round failed");
        return 0;
      })
      .finally(() => {
        running = null;
        if (again && !stopped) {
          again = false;
          void round();
        }
      });
    return running;
  }

  const loop = async () => {
    if (stopped) return;
    const n = await round();
    if (stopped) return;
    timer = setTimeout(loop, n >= batch ? 0 : pollMs);
    timer.unref?.();
  };
  const off = onNotificationRecorded(() => void round());
  timer = setTimeout(loop, 0);
  timer.unref?.();
  return {
    round,
    async stop() {
      stopped = true;
      off();
      clearTimeout(timer);
      if (running) await running;
    },
  };
}
