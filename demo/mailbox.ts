// A real local SMTP server (smtp-server) for tests and the demo: STARTTLS with a certificate made
// for it, AUTH PLAIN/LOGIN, and a mailbox kept in memory that a page can show.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { SMTPServer } from "smtp-server";

export interface Mail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
  secure: boolean;
  user: string | null;
  receivedAt: number;
}

export interface Mailbox {
  port: number;
  mails: Mail[];
  close(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 (openssl), kept in `dir`; null when openssl is missing. */
function localCertificate(dir: string): { key: Buffer; cert: Buffer } | null {
  const key = path.join(dir, "smtp-key.pem");
  const cert = path.join(dir, "smtp-cert.pem");
  try {
    if (!fs.existsSync(cert)) {
      fs.mkdirSync(dir, { recursive: true });
      execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "3650", "-subj", "/CN=127.0.0.1"], { stdio: "ignore" });
      fs.chmodSync(key, 0o600);
    }
    return { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
  } catch {
    return null;
  }
}

export async function startMailbox(options: { users: Record<string, string>; dir?: string; port?: number }): Promise<Mailbox> {
  const mails: Mail[] = [];
  const tls = localCertificate(options.dir ?? path.join(os.tmpdir(), "opsdeck-mailbox"));
  const server = new SMTPServer({
    ...(tls ?? {}),
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username && options.users[auth.username] === auth.password) cb(null, { user: auth.username });
      else cb(new Error("Authentication credentials invalid"));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          subject: /^Subject: (.*)$/m.exec(raw)?.[1] ?? "",
          secure: session.secure,
          user: typeof session.user === "string" ? session.user : null,
          receivedAt: Date.now(),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    mails,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** The mailbox as a page: newest first, each mail's envelope and its plain-text part. */
export function mailboxPage(mails: readonly Mail[]): string {
  const text = (raw: string) => {
    const m = /Content-Type: text\/plain[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n([\s\S]*?)(?:\r?\n--|$)/i.exec(raw);
    return m ? m[1]!.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))) : raw.slice(0, 2000);
  };
  return `<!doctype html><html><head><meta charset="utf-8"><title>Mailbox</title><meta http-equiv="refresh" content="5"><style>body{font-family:sans-serif;margin:16px}article{border:1px solid #ccc;padding:8px;margin:8px 0}pre{white-space:pre-wrap}</style></head><body><h1>Mailbox</h1>
${[...mails].reverse().map((m) => `<article><b>${esc(m.subject)}</b><br><small>from ${esc(m.from)} to ${esc(m.to.join(", "))} · ${new Date(m.receivedAt).toISOString()}${m.secure ? " · STARTTLS" : ""}</small><pre>${esc(text(m.raw))}</pre></article>`).join("") || "<p>No mail yet.</p>"}</body></html>`;
}
