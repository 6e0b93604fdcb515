// A Slack sandbox for tests and the demo: answers like Slack's Web API (auth.test,
// chat.postMessage, chat.update, users.lookupByEmail, views.open), shows its channels like a chat
// client at /, and sends interactivity callbacks (block_actions) signed with the signing secret, as
// Slack does when someone presses a button.
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface SandboxUser {
  id: string;
  name: string;
  email: string;
}

export interface SandboxMessage {
  ts: string;
  channel: string;
  text: string;
  attachments: unknown[];
  blocks: unknown[];
  edited: number;
  receivedAt: number;
  user?: string;
}

export interface SlackSandboxOptions {
  token: string;
  signingSecret: string;
  users: SandboxUser[];
  /** Where button presses are sent (the portal's /api/slack/interactivity). */
  interactivityUrl?: string;
  port?: number;
  /** Extra pages served beside the chat client (the demo's mailbox). */
  pages?: Record<string, () => string>;
}

export interface SlackSandbox {
  url: string;
  apiUrl: string;
  messages: SandboxMessage[];
  calls: { method: string; at: number }[];
  /** The next call of `method` answers this instead (HTTP status, Retry-After seconds, or a Slack error code). */
  failNext(method: string, failure: { status?: number; retryAfter?: number; error?: string }): void;
  /** Presses a message's button as a sandbox user: a signed block_actions callback to the portal. */
  press(ts: string, actionId: "approve" | "decline", userId: string): Promise<{ status: number; body: string }>;
  /** Submits the modal a user has open (views.open) with `value` typed in: a signed view_submission. */
  submitView(userId: string, value: string): Promise<{ status: number; body: string }>;
  /** Sends any payload as a signed callback (tests forge and replay with it). */
  send(payload: unknown): Promise<{ status: number; body: string }>;
  onMessage(fn: (m: SandboxMessage) => void): () => void;
  close(): Promise<void>;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** Slack's mrkdwn as HTML: <url|label> links, *bold*, line breaks; &amp; &lt; &gt; are Slack's own escapes. */
function mrkdwn(text: string): string {
  const decode = (t: string) => t.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  let out = "";
  let last = 0;
  for (const m of text.matchAll(/<([^|>]+)\|([^>]*)>/g)) {
    out += esc(decode(text.slice(last, m.index)));
    out += /^https?:\/\//.test(m[1]!) ? `<a href="${esc(m[1]!)}">${esc(decode(m[2]!))}</a>` : esc(decode(m[2]!));
    last = m.index! + m[0].length;
  }
  out += esc(decode(text.slice(last)));
  return out.replace(/\*([^*\n]+)\*/g, "<b>$1</b>").replace(/\n/g, "<br>");
}

export function signSlack(signingSecret: string, timestamp: number, body: string): string {
  return `v0=${crypto.createHmac("sha256", signingSecret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function parseArgs(body: string, type: string | undefined): Record<string, unknown> {
  if (type?.includes("application/json")) return body ? (JSON.parse(body) as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    if ((k === "attachments" || k === "blocks" || k === "view") && (v.startsWith("[") || v.startsWith("{"))) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        /* a plain string */
      }
    }
    out[k] = v;
  }
  return out;
}

export async function startSlackSandbox(options: SlackSandboxOptions): Promise<SlackSandbox> {
  const messages: SandboxMessage[] = [];
  const calls: { method: string; at: number }[] = [];
  const failures = new Map<string, { status?: number; retryAfter?: number; error?: string }[]>();
  const listeners = new Set<(m: SandboxMessage) => void>();
  const channelIds = new Map<string, string>();
  const triggers = new Map<string, string>();
  /** The modal each user has open (views.open), as Slack shows one at a time. */
  const openViews = new Map<string, { id: string; view: Record<string, unknown> }>();
  let tsCounter = 0;
  const channelId = (name: string) => {
    if (/^[CDU][A-Z0-9]{2,}$/.test(name)) return name;
    const key = name.replace(/^#/, "");
    if (!channelIds.has(key)) channelIds.set(key, `C${crypto.createHash("sha1").update(key).digest("hex").slice(0, 9).toUpperCase()}`);
    return channelIds.get(key)!;
  };
  const channelName = (id: string) => [...channelIds].find(([, v]) => v === id)?.[0] ?? options.users.find((u) => u.id === id)?.name ?? id;

  const api = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    switch (method) {
      case "auth.test":
        return { ok: true, url: "https://opsdeck-sandbox.slack.com/", team: "Opsdeck sandbox", user: "opsdeck", team_id: "T0SANDBOX", user_id: "U0OPSDECK", bot_id: "B0OPSDECK" };
      case "chat.postMessage": {
        if (!args.channel) return { ok: false, error: "channel_not_found" };
        const m: SandboxMessage = {
          ts: `${Math.floor(Date.now() / 1000)}.${String(++tsCounter).padStart(6, "0")}`,
          channel: channelId(String(args.channel)),
          text: String(args.text ?? ""),
          attachments: (args.attachments as unknown[]) ?? [],
          blocks: (args.blocks as unknown[]) ?? [],
          edited: 0,
          receivedAt: Date.now(),
        };
        messages.push(m);
        listeners.forEach((l) => l(m));
        return { ok: true, channel: m.channel, ts: m.ts, message: { text: m.text, ts: m.ts } };
      }
      case "chat.update": {
        const m = messages.find((x) => x.ts === args.ts && x.channel === channelId(String(args.channel)));
        if (!m) return { ok: false, error: "message_not_found" };
        m.text = String(args.text ?? m.text);
        m.attachments = (args.attachments as unknown[]) ?? m.attachments;
        m.blocks = (args.blocks as unknown[]) ?? m.blocks;
        m.edited++;
        m.receivedAt = Date.now();
        listeners.forEach((l) => l(m));
        return { ok: true, channel: m.channel, ts: m.ts, text: m.text };
      }
      case "users.lookupByEmail": {
        const u = options.users.find((x) => x.email.toLowerCase() === String(args.email ?? "").toLowerCase());
        return u ? { ok: true, user: { id: u.id, name: u.name, profile: { email: u.email, real_name: u.name } } } : { ok: false, error: "users_not_found" };
      }
      case "users.info": {
        const u = options.users.find((x) => x.id === args.user);
        return u ? { ok: true, user: { id: u.id, name: u.name, profile: { email: u.email, real_name: u.name } } } : { ok: false, error: "user_not_found" };
      }
      case "views.open": {
        const user = triggers.get(String(args.trigger_id ?? ""));
        if (!user) return { ok: false, error: "invalid_trigger_id" };
        triggers.delete(String(args.trigger_id));
        const view = { id: `V${++tsCounter}`, ...(typeof args.view === "string" ? JSON.parse(args.view) : (args.view as object)) } as Record<string, unknown> & { id: string };
        openViews.set(user, { id: view.id, view });
        return { ok: true, view };
      }
      default:
        return { ok: false, error: "unknown_method" };
    }
  };

  const page = (actAs: string) => {
    const byChannel = new Map<string, SandboxMessage[]>();
    for (const m of messages) byChannel.set(m.channel, [...(byChannel.get(m.channel) ?? []), m]);
    const render = (m: SandboxMessage) => {
      const blocks = ((m.attachments[0] as { blocks?: unknown[] } | undefined)?.blocks ?? m.blocks) as { type: string; text?: { text: string }; fields?: { text: string }[]; elements?: { text?: { text: string } | string; action_id?: string; value?: string }[] }[];
      const parts = blocks.map((b) => {
        if (b.type === "section") return `<div class="sec">${mrkdwn(b.text?.text ?? "")}${(b.fields ?? []).map((f) => `<div class="field">${mrkdwn(f.text)}</div>`).join("")}</div>`;
        if (b.type === "context") return `<div class="ctx">${(b.elements ?? []).map((e) => mrkdwn(typeof e.text === "string" ? e.text : "")).join(" ")}</div>`;
        if (b.type === "actions")
          return `<form method="post" action="/sandbox/press" class="actions"><input type="hidden" name="ts" value="${esc(m.ts)}"><input type="hidden" name="user" value="${esc(actAs)}">${(b.elements ?? []).map((e) => `<button name="action" value="${esc(e.action_id ?? "")}">${esc(typeof e.text === "object" ? e.text.text : "")}</button>`).join(" ")}</form>`;
        return "";
      });
      return `<li class="msg" data-ts="${esc(m.ts)}"><b>Opsdeck</b> <small>${new Date(Number(m.ts.split(".")[0]) * 1000).toISOString().slice(11, 19)}${m.edited ? " (edited)" : ""}</small>${parts.join("") || `<div>${esc(m.text)}</div>`}</li>`;
    };
    return `<!doctype html><html><head><meta charset="utf-8"><title>Slack sandbox</title>${openViews.has(actAs) ? "" : '<meta http-equiv="refresh" content="3">'}
<style>body{font-family:sans-serif;margin:0;display:flex}nav{width:220px;background:#3f0e40;color:#fff;min-height:100vh;padding:12px}main{flex:1;padding:12px}li{list-style:none;border-bottom:1px solid #ddd;padding:8px}.field{display:inline-block;margin-right:16px}.ctx{color:#666;font-size:12px}</style></head>
<body><nav><h3>Opsdeck sandbox</h3><form method="get"><label>Acting as <select name="as" onchange="this.form.submit()">${options.users.map((u) => `<option value="${esc(u.id)}"${u.id === actAs ? " selected" : ""}>${esc(u.name)}</option>`).join("")}</select></label></form>
${[...byChannel.keys()].map((c) => `<div># ${esc(channelName(c))}</div>`).join("")}</nav>
<main>${(() => {
      const open = openViews.get(actAs);
      if (!open) return "";
      const v = open.view as { title?: { text?: string }; submit?: { text?: string }; blocks?: { type: string; text?: { text?: string }; label?: { text?: string } }[] };
      return `<dialog open class="modal" data-modal="${esc(open.id)}"><h3>${esc(v.title?.text ?? "")}</h3>${(v.blocks ?? []).map((b) => (b.type === "section" ? `<p>${esc(b.text?.text ?? "")}</p>` : b.type === "input" ? `<form method="post" action="/sandbox/submit"><input type="hidden" name="user" value="${esc(actAs)}"><label>${esc(b.label?.text ?? "")} <input name="value" autocomplete="off"></label> <button>${esc(v.submit?.text ?? "Submit")}</button></form>` : "")).join("")}</dialog>`;
    })()}${[...byChannel].map(([c, ms]) => `<section data-channel="${esc(channelName(c))}"><h2># ${esc(channelName(c))}</h2><ul>${ms.map(render).join("")}</ul></section>`).join("") || "<p>No messages yet.</p>"}</main></body></html>`;
  };

  const press = async (ts: string, actionId: "approve" | "decline", userId: string) => {
    const m = messages.find((x) => x.ts === ts);
    const u = options.users.find((x) => x.id === userId);
    if (!m || !u || !options.interactivityUrl) return { status: 404, body: "no such message, user or interactivity URL" };
    const blocks = ((m.attachments[0] as { blocks?: { type: string; elements?: { action_id?: string; value?: string }[] }[] } | undefined)?.blocks ?? []) as { type: string; elements?: { action_id?: string; value?: string }[] }[];
    const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === actionId);
    const trigger = `${Date.now()}.${crypto.randomBytes(6).toString("hex")}`;
    triggers.set(trigger, u.id);
    const payload = {
      type: "block_actions",
      user: { id: u.id, username: u.name, name: u.name, team_id: "T0SANDBOX" },
      api_app_id: "A0OPSDECK",
      token: "deprecated-verification-token",
      trigger_id: trigger,
      team: { id: "T0SANDBOX", domain: "opsdeck-sandbox" },
      channel: { id: m.channel, name: channelName(m.channel) },
      message: { ts: m.ts, text: m.text },
      container: { type: "message", message_ts: m.ts, channel_id: m.channel },
      actions: [{ type: "button", action_id: actionId, block_id: "opsdeck_decision", value: button?.value ?? "", action_ts: String(Date.now() / 1000) }],
    };
    return send(payload);
  };

  const send = async (payload: unknown) => {
    if (!options.interactivityUrl) return { status: 404, body: "no interactivity URL" };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const res = await fetch(options.interactivityUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": String(timestamp), "x-slack-signature": signSlack(options.signingSecret, timestamp, body) },
      body,
    });
    return { status: res.status, body: await res.text() };
  };

  /** Submits the user's open modal with `value` typed into its input (a view_submission). */
  const submitView = async (userId: string, value: string) => {
    const open = openViews.get(userId);
    const u = options.users.find((x) => x.id === userId);
    if (!open || !u) return { status: 404, body: "no open modal" };
    const blocks = (open.view.blocks ?? []) as { type: string; block_id?: string; element?: { action_id?: string } }[];
    const input = blocks.find((b) => b.type === "input");
    const values = input?.block_id ? { [input.block_id]: { [input.element?.action_id ?? "value"]: { type: "plain_text_input", value } } } : {};
    const r = await send({
      type: "view_submission",
      user: { id: u.id, username: u.name, name: u.name, team_id: "T0SANDBOX" },
      team: { id: "T0SANDBOX", domain: "opsdeck-sandbox" },
      view: { ...open.view, state: { values } },
    });
    const answer = (() => {
      try {
        return JSON.parse(r.body) as { response_action?: string };
      } catch {
        return {};
      }
    })();
    if (r.status === 200 && answer.response_action !== "errors") openViews.delete(userId);
    return r;
  };

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://sandbox");
      if (url.pathname.startsWith("/api/") && req.method === "POST") {
        const method = url.pathname.slice(5);
        calls.push({ method, at: Date.now() });
        const queued = failures.get(method);
        const f = queued?.shift();
        if (f) {
          const headers: Record<string, string> = { "content-type": "application/json" };
          if (f.retryAfter != null) headers["retry-after"] = String(f.retryAfter);
          res.writeHead(f.status ?? 200, headers).end(JSON.stringify({ ok: false, error: f.error ?? (f.status === 429 ? "ratelimited" : "internal_error") }));
          return;
        }
        const args = parseArgs(await readBody(req), req.headers["content-type"]);
        const auth = String(req.headers.authorization ?? "").replace(/^Bearer /, "") || String(args.token ?? "");
        const answer = auth === options.token ? api(method, args) : { ok: false, error: "invalid_auth" };
        res.writeHead(200, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(answer));
        return;
      }
      // Incoming webhooks (https://hooks.slack.com/services/T…/B…/…): JSON { text, attachments, blocks }, answered "ok".
      if (url.pathname.startsWith("/services/") && req.method === "POST") {
        calls.push({ method: "incoming-webhook", at: Date.now() });
        const args = parseArgs(await readBody(req), "application/json");
        const m: SandboxMessage = { ts: `${Math.floor(Date.now() / 1000)}.${String(++tsCounter).padStart(6, "0")}`, channel: channelId("#webhook"), text: String(args.text ?? ""), attachments: (args.attachments as unknown[]) ?? [], blocks: (args.blocks as unknown[]) ?? [], edited: 0, receivedAt: Date.now() };
        messages.push(m);
        listeners.forEach((l) => l(m));
        res.writeHead(200, { "content-type": "text/plain" }).end("ok");
        return;
      }
      if (url.pathname === "/sandbox/press" && req.method === "POST") {
        const form = new URLSearchParams(await readBody(req));
        const r = await press(form.get("ts") ?? "", form.get("action") === "decline" ? "decline" : "approve", form.get("user") ?? "");
        res.writeHead(303, { location: `/?as=${encodeURIComponent(form.get("user") ?? "")}&answer=${r.status}` }).end();
        return;
      }
      if (url.pathname === "/sandbox/submit" && req.method === "POST") {
        const form = new URLSearchParams(await readBody(req));
        const r = await submitView(form.get("user") ?? "", form.get("value") ?? "");
        res.writeHead(303, { location: `/?as=${encodeURIComponent(form.get("user") ?? "")}&answer=${r.status}` }).end();
        return;
      }
      if (url.pathname === "/sandbox/messages") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(messages.map((m) => ({ ...m, channelName: channelName(m.channel) }))));
        return;
      }
      const extra = options.pages?.[url.pathname];
      if (extra && req.method === "GET") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(extra());
        return;
      }
      if (url.pathname === "/" && req.method === "GET") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page(url.searchParams.get("as") ?? options.users[0]?.id ?? ""));
        return;
      }
      res.writeHead(404).end();
    } catch (err) {
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ ok: false, error: "invalid_arguments", detail: (err as Error).message }));
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    apiUrl: `${url}/api/`,
    messages,
    calls,
    failNext(method, failure) {
      failures.set(method, [...(failures.get(method) ?? []), failure]);
    },
    press,
    submitView,
    send,
    onMessage(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
