// What a person reads: one rendering of an event, which each channel dresses in its provider's
// format (Slack blocks, an e-mail's text and HTML, a webhook's JSON). Every string is scrubbed.
import { scrub } from "../secrets/index.server";
import type { NotificationEvent } from "./outbox.server";

export interface Message {
  title: string;
  text: string;
  /** good | warning | danger | neutral: Slack's attachment colour, the e-mail's accent. */
  tone: "good" | "warning" | "danger" | "neutral";
  /** Absolute link back to the portal. */
  url: string | null;
  fields: [string, string][];
  /** "On call now: amy (primary) · next: ben at …" */
  oncall: string | null;
  /** An approval request's run: Slack shows Approve / Decline buttons for it. */
  decide: { runId: string } | null;
}

const TONE: Record<string, Message["tone"]> = {
  "incident.resolved": "good",
  "incident.declared": "danger",
  "alert.declared": "danger",
  "probe.critical": "danger",
  "cron.down": "danger",
  "backup.verification-failed": "danger",
  "action.failed": "danger",
  "action.break-glass": "warning",
  "approval.requested": "warning",
  "request.waiting": "warning",
  "incident.reminder": "warning",
  escalation: "warning",
};

export function absoluteLink(link: string | undefined, baseUrl: string): string | null {
  if (!link) return null;
  if (/^https?:\/\//.test(link)) return link;
  return `${baseUrl.replace(/\/$/, "")}${link.startsWith("/") ? "" : "/"}${link}`;
}

export function renderMessage(event: NotificationEvent, options: { baseUrl: string; oncall: string | null; secrets: readonly string[] }): Message {
  const p = event.payload;
  const fields: [string, string][] = [];
  if (event.severity) fields.push(["Severity", event.severity]);
  for (const [key, label] of [["status", "Status"], ["commander", "Commander"], ["requester", "Requested by"], ["reason", "Reason"], ["preview", "Preview"], ["risk", "Risk"], ["error", "Error"], ["level", "Escalation level"]] as const) {
    const v = p[key];
    if (v != null && v !== "") fields.push([label, String(v)]);
  }
  if (event.plugins.length) fields.push(["Plugins", event.plugins.join(", ")]);
  if (event.runbooks.length) fields.push(["Runbooks", event.runbooks.join(", ")]);
  const decide = (event.kind === "approval.requested" || event.kind === "request.waiting" || (event.kind === "escalation" && p.escalates === "approval")) && typeof p.runId === "string" ? { runId: p.runId } : null;
  const message: Message = {
    title: p.title,
    text: p.summary ?? "",
    tone: TONE[event.kind] ?? "neutral",
    url: absoluteLink(p.link, options.baseUrl),
    fields,
    oncall: options.oncall,
    decide,
  };
  return scrub(message, options.secrets);
}

export function plainText(m: Message): string {
  return [m.title, m.text, ...m.fields.map(([k, v]) => `${k}: ${v}`), m.oncall ?? "", m.url ? `Open in the portal: ${m.url}` : ""].filter(Boolean).join("\n");
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const COLOURS = { good: "#2e7d32", warning: "#ed6c02", danger: "#d32f2f", neutral: "#546e7a" } as const;

export function html(m: Message): string {
  const rows = m.fields.map(([k, v]) => `<tr><th align="left" style="padding-right:12px">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("");
  return `<div style="border-left:4px solid ${COLOURS[m.tone]};padding-left:12px;font-family:sans-serif">
<h2 style="margin:0 0 8px">${escapeHtml(m.title)}</h2>
${m.text ? `<p>${escapeHtml(m.text)}</p>` : ""}
${rows ? `<table>${rows}</table>` : ""}
${m.oncall ? `<p><em>${escapeHtml(m.oncall)}</em></p>` : ""}
${m.url ? `<p><a href="${escapeHtml(m.url)}">Open in the portal</a></p>` : ""}
</div>`;
}

const mrkdwn = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Slack: a coloured attachment holding blocks, with Approve / Decline for an approval request. */
export function slackMessage(m: Message, options: { buttons: boolean; outcome?: string }): { text: string; attachments: unknown[] } {
  const blocks: unknown[] = [
    { type: "section", text: { type: "mrkdwn", text: `*${m.url ? `<${m.url}|${mrkdwn(m.title)}>` : mrkdwn(m.title)}*${m.text ? `\n${mrkdwn(m.text)}` : ""}` } },
  ];
  if (m.fields.length) blocks.push({ type: "section", fields: m.fields.slice(0, 10).map(([k, v]) => ({ type: "mrkdwn", text: `*${mrkdwn(k)}*\n${mrkdwn(v).slice(0, 1900)}` })) });
  if (options.outcome) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: mrkdwn(options.outcome) }] });
  else if (m.decide && options.buttons) {
    blocks.push({
      type: "actions",
      block_id: "opsdeck_decision",
      elements: [
        { type: "button", action_id: "approve", style: "primary", text: { type: "plain_text", text: "Approve" }, value: m.decide.runId },
        { type: "button", action_id: "decline", style: "danger", text: { type: "plain_text", text: "Decline" }, value: m.decide.runId },
      ],
    });
  }
  if (m.oncall) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: mrkdwn(m.oncall) }] });
  const colour = { good: "good", warning: "warning", danger: "danger", neutral: "#546e7a" }[m.tone];
  return { text: m.title, attachments: [{ color: colour, blocks }] };
}
