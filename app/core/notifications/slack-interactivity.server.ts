// Approve / Decline pressed in Slack. Slack signs each callback with the app's signing secret
// (X-Slack-Signature: v0=HMAC-SHA256("v0:" + timestamp + ":" + raw body)); a callback older than five
// minutes or seen before is refused. The Slack user is matched to a portal person by e-mail
// (users.lookupByEmail over oncall.people), and the decision goes through decideRun — the one
// approval path with every check — as that portal user, via "slack". A run that needs typed
// confirmation asks for it in a Slack modal (views.open) before anything is decided.
import crypto from "node:crypto";
import { parseRoles } from "~/lib/roles";
import { audit } from "../audit/audit.server";
import { auditAnonymousDenial } from "../audit/anonymous-denials.server";
import type { User } from "../auth.server";
import { decideRun } from "../actions/decide.server";
import type { RunAnswer } from "../actions/policy.server";
import { isPortalError, runAnswerStatus, type HttpError } from "../http/index.server";
import type { Portal } from "../portal.server";
import { errorText } from "../audit/audit.server";
import type { SlackChannelSchema } from "./config";
import type { z } from "zod";
import { slackClient } from "./channels/slack.server";
import { renderMessage, slackMessage } from "./messages.server";
import { oncallLine, oncallNow } from "./oncall.server";
import { parseEvent } from "./outbox.server";
import { portalBaseUrl } from "./sender.server";

type SlackConfig = z.output<typeof SlackChannelSchema>;
export const MAX_SKEW_S = 300;

export interface SlackAnswer {
  status: number;
  body: Record<string, unknown>;
}

function slackChannels(portal: Portal): [string, SlackConfig][] {
  return Object.entries(portal.config.notifications.channels).filter((e): e is [string, SlackConfig] => e[1].kind === "slack" && !!e[1].signingSecret);
}

/** The channel whose signing secret made this signature, or null. */
export function verifySlackSignature(secrets: readonly string[], timestamp: string, body: string, signature: string): number {
  const given = Buffer.from(signature);
  return secrets.findIndex((secret) => {
    const want = Buffer.from(`v0=${crypto.createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`);
    return want.length === given.length && crypto.timingSafeEqual(want, given);
  });
}

const slackIds = new Map<string, { id: string | null; at: number }>();

/** The portal username whose oncall.people e-mail is this Slack user's (users.lookupByEmail, cached 10 min). */
async function portalUserOf(portal: Portal, cfg: SlackConfig, slackUserId: string): Promise<string | null> {
  const client = slackClient(cfg);
  for (const [username, person] of Object.entries(portal.config.oncall.people)) {
    const key = `${cfg.token}|${person.email}`;
    let known = slackIds.get(key);
    if (!known || Date.now() - known.at > 600_000) {
      try {
        const res = await client.users.lookupByEmail({ email: person.email });
        known = { id: res.user?.id ?? null, at: Date.now() };
      } catch {
        known = { id: null, at: Date.now() };
      }
      slackIds.set(key, known);
    }
    if (known.id === slackUserId) return username;
  }
  return null;
}

async function loadUser(portal: Portal, username: string): Promise<User | null> {
  const row = await portal.store.db.selectFrom("users").select(["id", "username", "display_name", "roles", "disabled"]).where("username", "=", username).executeTakeFirst();
  if (!row || row.disabled) return null;
  return { id: row.id, username: row.username, displayName: row.display_name, roles: parseRoles(row.roles), via: "slack" };
}

interface Press {
  decision: "approve" | "deny";
  runId: string;
  confirm?: string;
  channel?: string;
  ts?: string;
  triggerId?: string;
  slackUser: string;
}

function readPayload(body: string): { press: Press | null; error?: string } {
  const raw = new URLSearchParams(body).get("payload");
  if (!raw) return { press: null, error: "no payload field" };
  let p: Record<string, any>;
  try {
    p = JSON.parse(raw) as Record<string, any>;
  } catch {
    return { press: null, error: "payload is not JSON" };
  }
  const slackUser = String(p.user?.id ?? "");
  if (p.type === "block_actions") {
    const a = (p.actions ?? [])[0] as { action_id?: string; value?: string } | undefined;
    if (!a || (a.action_id !== "approve" && a.action_id !== "decline") || typeof a.value !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(a.value)) return { press: null, error: "not an Opsdeck decision" };
    return { press: { decision: a.action_id === "approve" ? "approve" : "deny", runId: a.value, channel: p.container?.channel_id ?? p.channel?.id, ts: p.container?.message_ts ?? p.message?.ts, triggerId: p.trigger_id, slackUser } };
  }
  if (p.type === "view_submission" && p.view?.callback_id === "opsdeck_confirm") {
    let meta: { runId?: string; channel?: string; ts?: string };
    try {
      meta = JSON.parse(String(p.view.private_metadata ?? "{}"));
    } catch {
      return { press: null, error: "bad private_metadata" };
    }
    if (typeof meta.runId !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(meta.runId)) return { press: null, error: "bad private_metadata" };
    const confirm = String(p.view.state?.values?.confirm?.value?.value ?? "");
    return { press: { decision: "approve", runId: meta.runId, confirm, channel: meta.channel, ts: meta.ts, slackUser } };
  }
  return { press: null, error: `callbacks of type ${String(p.type).slice(0, 40)} are not handled` };
}

/** Re-renders the request's message with the outcome instead of the buttons. */
async function showOutcome(portal: Portal, cfg: SlackConfig, press: Press, outcome: string): Promise<void> {
  if (!press.channel || !press.ts) return;
  const row = await portal.store.db.selectFrom("notification_events").selectAll().where("subject", "=", press.runId).orderBy("id", "desc").executeTakeFirst();
  if (!row) return;
  const message = renderMessage(parseEvent(row), { baseUrl: portalBaseUrl(portal.config), oncall: oncallLine(await oncallNow(portal.store, portal.config.oncall)), secrets: portal.config.secretValues });
  await slackClient(cfg)
    .chat.update({ channel: press.channel, ts: press.ts, ...slackMessage(message, { buttons: false, outcome }) })
    .catch((err) => portal.log.warn({ err: errorText(err, portal.config.secretValues) }, "could not update the Slack message with the outcome"));
}

async function refuseUnsigned(portal: Portal, address: string, reason: string, status: number): Promise<SlackAnswer> {
  await auditAnonymousDenial(portal, address, { action: "slack.interactivity", target: "slack", outcome: "denied", details: { reason, via: "slack" } }).catch(() => {});
  return { status, body: { error: reason } };
}

/** Handles one interactivity callback. `address` is the caller's, for the refusal budget. */
export async function handleSlackInteraction(portal: Portal, raw: { body: string; signature: string | null; timestamp: string | null; address: string }, now = Date.now()): Promise<SlackAnswer> {
  const channels = slackChannels(portal);
  if (!channels.length) return { status: 404, body: { error: "Slack interactivity is not configured: give a slack channel a signingSecret" } };
  if (!raw.timestamp || !/^\d{1,12}$/.test(raw.timestamp)) return refuseUnsigned(portal, raw.address, "X-Slack-Request-Timestamp is missing or not a number", 401);
  if (Math.abs(now / 1000 - Number(raw.timestamp)) > MAX_SKEW_S) return refuseUnsigned(portal, raw.address, "X-Slack-Request-Timestamp is more than 5 minutes away from now", 401);
  const which = raw.signature ? verifySlackSignature(channels.map(([, c]) => c.signingSecret!), raw.timestamp, raw.body, raw.signature) : -1;
  if (which < 0) return refuseUnsigned(portal, raw.address, "X-Slack-Signature does not match the signing secret", 401);
  const cfg = channels[which]![1];
  const digest = crypto.createHash("sha256").update(raw.signature!).digest("hex");
  const fresh = await portal.store.db.insertInto("slack_interactions").values({ digest, at: now }).onConflict((oc) => oc.column("digest").doNothing()).executeTakeFirst();
  if (Number(fresh.numInsertedOrUpdatedRows ?? 0) === 0) return refuseUnsigned(portal, raw.address, "this callback was already received (replay)", 409);
  await portal.store.db.deleteFrom("slack_interactions").where("at", "<", now - 2 * MAX_SKEW_S * 1000).execute();

  const { press, error } = readPayload(raw.body);
  if (!press) return { status: 400, body: { error } };
  const username = await portalUserOf(portal, cfg, press.slackUser);
  const user = username ? await loadUser(portal, username) : null;
  const record = (outcome: "approved" | "rejected" | "denied" | "requested", details: Record<string, unknown>) =>
    audit(portal, { actor: user?.username ?? `slack:${press.slackUser.slice(0, 40)}`, roles: user?.roles ?? [], action: "slack.interactivity", target: press.runId, runId: press.runId, outcome, details: { via: "slack", slackUser: press.slackUser, decision: press.decision, ...details } }).catch(() => {});
  if (!user) {
    await record("denied", { reason: "no portal user has this Slack user's e-mail (oncall.people)" });
    return { status: 200, body: { response_type: "ephemeral", text: "Opsdeck does not know you: your Slack e-mail matches no portal user." } };
  }

  const run = await portal.store.db.selectFrom("action_runs").select(["status", "risk", "target", "actor"]).where("id", "=", press.runId).executeTakeFirst();
  // A request the admin runs as their own run, and a critical run's approval, need the typed
  // target: asked for in a modal first.
  const typed = (run?.status === "requested" && run.risk !== "low") || run?.status === "awaiting_approval";
  if (run && press.decision === "approve" && press.confirm === undefined && typed && user.username !== run.actor && user.roles.includes("admin")) {
    if (!press.triggerId) return { status: 400, body: { error: "no trigger_id to open the confirmation with" } };
    await slackClient(cfg).views.open({
      trigger_id: press.triggerId,
      view: {
        type: "modal",
        callback_id: "opsdeck_confirm",
        private_metadata: JSON.stringify({ runId: press.runId, channel: press.channel, ts: press.ts }),
        title: { type: "plain_text", text: "Confirm in Opsdeck" },
        submit: { type: "plain_text", text: "Approve and run" },
        close: { type: "plain_text", text: "Cancel" },
        blocks: [
          { type: "section", text: { type: "mrkdwn", text: `This is a *${run.risk}*-risk action. Type the target to confirm.` } },
          { type: "input", block_id: "confirm", label: { type: "plain_text", text: `Type ${run.target}` }, element: { type: "plain_text_input", action_id: "value" } },
        ],
      },
    });
    await record("requested", { reason: "typed confirmation asked in a Slack modal" });
    return { status: 200, body: {} };
  }

  let done: RunAnswer | null = null;
  let refused: HttpError | null = null;
  try {
    done = await decideRun(portal, user, press.runId, { decision: press.decision, confirm: press.confirm, note: "decided in Slack", address: raw.address });
  } catch (err) {
    if (!isPortalError(err)) throw err;
    refused = err;
  }
  const status = done ? done.status : "";
  const outcome = done
    ? `${press.decision === "approve" ? "Approved" : "Declined"} by ${user.username} in Slack${status ? ` — ${status}` : ""}${done.runId !== press.runId ? ` (run ${done.runId})` : ""}`
    : `Refused for ${user.username}: ${refused!.message}`;
  await record(done ? (press.decision === "approve" ? "approved" : "rejected") : "denied", { status: done ? runAnswerStatus(done) : refused!.status, answer: refused ? refused.message : status });
  if (done) await showOutcome(portal, cfg, press, outcome);
  if (press.confirm !== undefined && refused) return { status: 200, body: { response_action: "errors", errors: { confirm: refused.message } } };
  return { status: 200, body: done ? {} : { response_type: "ephemeral", replace_original: false, text: outcome } };
}
