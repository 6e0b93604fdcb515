// Slack through the Web API (@slack/web-api): one message per subject, posted once and then kept
// current with chat.update; a person is reached in their DM (users.lookupByEmail). Incoming-webhook
// URLs are supported too (no updates, no buttons). Rate limits are not waited out inside the SDK:
// its Retry-After goes back to the sender, which schedules the next attempt.
import { ErrorCode, WebClient, type WebAPICallError } from "@slack/web-api";
import type { z } from "zod";
import type { SlackChannelSchema } from "../config";
import { slackMessage, type Message } from "../messages.server";
import { DeliveryError, retryAfterMs } from "./delivery-error";

export type SlackConfig = z.output<typeof SlackChannelSchema>;
const clients = new WeakMap<SlackConfig, WebClient>();

export function slackClient(cfg: SlackConfig): WebClient {
  let c = clients.get(cfg);
  if (!c) {
    c = new WebClient(cfg.token, {
      ...(cfg.apiUrl ? { slackApiUrl: cfg.apiUrl.endsWith("/") ? cfg.apiUrl : `${cfg.apiUrl}/` } : {}),
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: 10_000,
    });
    clients.set(cfg, c);
  }
  return c;
}

/** The provider's words for a failed call, and whether trying again can help. */
export function slackFailure(err: unknown): DeliveryError {
  const e = err as WebAPICallError & { retryAfter?: number; data?: { error?: string }; statusCode?: number };
  switch (e.code) {
    case ErrorCode.RateLimitedError:
      return new DeliveryError(`Slack is rate limiting: retry after ${e.retryAfter}s`, (e.retryAfter ?? 1) * 1000);
    case ErrorCode.PlatformError: {
      const code = e.data?.error ?? "unknown_error";
      const permanent = ["invalid_auth", "not_authed", "account_inactive", "token_revoked", "channel_not_found", "not_in_channel", "is_archived", "users_not_found", "invalid_blocks", "msg_too_long", "missing_scope"].includes(code);
      return new DeliveryError(`Slack answered: ${code}`, undefined, permanent);
    }
    case ErrorCode.HTTPError:
      return new DeliveryError(`Slack answered HTTP ${e.statusCode}`, undefined, (e.statusCode ?? 500) < 500 && e.statusCode !== 408);
    default:
      return new DeliveryError(`could not reach Slack: ${(err as Error).message}`);
  }
}

export interface SlackRef {
  channel: string;
  ts: string;
}

/**
 * Posts the message, or updates the subject's existing message (`ref`). Returns the ref to keep.
 * `recipientEmail`: a DM to that person instead of the channel.
 */
export async function sendSlack(cfg: SlackConfig, message: Message, options: { ref?: SlackRef | null; recipientEmail?: string | null; outcome?: string }): Promise<SlackRef | null> {
  const body = slackMessage(message, { buttons: !!cfg.signingSecret && !!cfg.token, outcome: options.outcome });
  if (!cfg.token) {
    let res: Response;
    try {
      res = await fetch(cfg.webhookUrl!, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw new DeliveryError(`could not reach the Slack webhook: ${(err as Error).message}`);
    }
    if (!res.ok) {
      const words = (await res.text().catch(() => "")).slice(0, 300);
      throw new DeliveryError(`the Slack webhook answered ${res.status}${words ? `: ${words}` : ""}`, retryAfterMs(res.headers.get("retry-after")), res.status < 500 && res.status !== 429);
    }
    return null;
  }
  const client = slackClient(cfg);
  try {
    if (options.recipientEmail) {
      const found = await client.users.lookupByEmail({ email: options.recipientEmail });
      const userId = found.user?.id;
      if (!userId) throw new DeliveryError(`Slack knows no user with the e-mail of this person`, undefined, true);
      await client.chat.postMessage({ channel: userId, ...body });
      return null;
    }
    if (options.ref) {
      await client.chat.update({ channel: options.ref.channel, ts: options.ref.ts, ...body });
      return options.ref;
    }
    const res = await client.chat.postMessage({ channel: cfg.channel!, ...body });
    return res.channel && res.ts ? { channel: res.channel, ts: res.ts } : null;
  } catch (err) {
    if (err instanceof DeliveryError) throw err;
    throw slackFailure(err);
  }
}
