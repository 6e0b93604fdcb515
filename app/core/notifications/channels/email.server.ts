// E-mail over SMTP through nodemailer: STARTTLS (required unless the config says otherwise), auth,
// a plain-text and an HTML part.
import nodemailer from "nodemailer";
import type { z } from "zod";
import type { EmailChannelSchema } from "../config";
import { html, plainText, type Message } from "../messages.server";
import { DeliveryError } from "./delivery-error";

type EmailConfig = z.output<typeof EmailChannelSchema>;
type Transport = ReturnType<typeof nodemailer.createTransport>;
const transports = new WeakMap<EmailConfig, Transport>();

function transportFor(cfg: EmailConfig): Transport {
  let t = transports.get(cfg);
  if (!t) {
    t = nodemailer.createTransport({
      host: cfg.smtp.host,
      port: cfg.smtp.port,
      secure: cfg.smtp.secure,
      requireTLS: !cfg.smtp.secure && cfg.smtp.requireTls,
      auth: cfg.smtp.user ? { user: cfg.smtp.user, pass: cfg.smtp.password ?? "" } : undefined,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
      tls: { rejectUnauthorized: !/^(127\.0\.0\.1|localhost)$/.test(cfg.smtp.host) },
    });
    transports.set(cfg, t);
  }
  return t;
}

export async function sendEmail(cfg: EmailConfig, message: Message, options: { to?: string[]; deliveryKey: string }): Promise<void> {
  const to = options.to ?? cfg.to;
  if (!to.length) throw new DeliveryError("no recipient: give notifications.channels.<name>.to, or route to a rotation whose people have an e-mail", undefined, true);
  try {
    await transportFor(cfg).sendMail({
      from: cfg.from,
      to,
      subject: `[Opsdeck] ${message.title}`.slice(0, 250),
      text: plainText(message),
      html: html(message),
      headers: { "X-Opsdeck-Delivery": options.deliveryKey },
    });
  } catch (err) {
    const e = err as Error & { responseCode?: number; response?: string; code?: string };
    const words = e.response ? `the SMTP server answered: ${e.response}` : e.message;
    // 5xx from the server (bad recipient, auth refused) will not change by retrying.
    throw new DeliveryError(words, undefined, typeof e.responseCode === "number" && e.responseCode >= 500);
  }
}
