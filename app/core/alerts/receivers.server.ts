import crypto from "node:crypto";
import { z } from "zod";
import { InputError, UnauthenticatedError } from "../http/errors.server";
import type { ReceiverConfig } from "./config";
import { LIMITS, type AlertSource, type IncomingAlert } from "./incoming";

/** What a receiver got from one request: the alerts, and what the audit entry says about it. */
export interface Received {
  source: AlertSource;
  alerts: IncomingAlert[];
  /** Sentry's resource, Alertmanager's groupKey…: a line for the audit entry. */
  about: Record<string, string>;
}

export interface RawRequest {
  headers: Headers;
  /** The body exactly as sent (Sentry signs these bytes). */
  text: string;
}

function safeEqual(a: string, b: string): boolean {
  const x = crypto.createHash("sha256").update(a).digest();
  const y = crypto.createHash("sha256").update(b).digest();
  return crypto.timingSafeEqual(x, y) && a.length === b.length;
}

function bearer(headers: Headers): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "");
  return m ? m[1]! : null;
}

function basic(headers: Headers): { username: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(headers.get("authorization") ?? "");
  if (!m) return null;
  const text = Buffer.from(m[1]!, "base64").toString("utf8");
  const i = text.indexOf(":");
  return i < 0 ? null : { username: text.slice(0, i), password: text.slice(i + 1) };
}

/** Hex HMAC-SHA256 of the body with the client secret, as Sentry's integration platform signs it. */
export function sentrySignature(body: string, clientSecret: string): string {
  return crypto.createHmac("sha256", clientSecret).update(body, "utf8").digest("hex");
}

/**
 * Checks the credentials a receiver's sender must present, before anything is parsed or stored.
 * Sentry's signature covers the raw body, so it is checked on the text as received.
 */
export function authenticate(config: ReceiverConfig, req: RawRequest): void {
  switch (config.kind) {
    case "alertmanager":
    case "webhook": {
      const token = bearer(req.headers);
      if (!token || !safeEqual(token, config.token)) throw new UnauthenticatedError("a valid bearer token is required");
      return;
    }
    case "grafana": {
      const token = bearer(req.headers);
      if (token && config.token && safeEqual(token, config.token)) return;
      const b = basic(req.headers);
      if (b && config.username && config.password && safeEqual(b.username, config.username) && safeEqual(b.password, config.password)) return;
      throw new UnauthenticatedError(config.token ? "a valid bearer token or basic credentials are required" : "valid basic credentials are required");
    }
    case "sentry": {
      const given = (req.headers.get("sentry-hook-signature") ?? "").trim().toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(given)) throw new UnauthenticatedError("the Sentry-Hook-Signature header is missing or not a hex HMAC-SHA256");
      const expected = Buffer.from(sentrySignature(req.text, config.clientSecret), "hex");
      if (!crypto.timingSafeEqual(Buffer.from(given, "hex"), expected)) throw new UnauthenticatedError("the Sentry-Hook-Signature does not match the body");
      return;
    }
  }
}

/* ------------------------------------------------------------- value checks */

const TimeText = z.string().max(64);
const ZERO_TIME = /^0001-01-01T00:00:00/;

function time(value: string | undefined | null, field: string, fallback: number | null): number | null {
  if (value === undefined || value === null || value === "" || ZERO_TIME.test(value)) return fallback;
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new InputError({ [field]: ["must be an RFC 3339 time"] });
  return t;
}

function stringMap(value: unknown, field: string, max: number, maxValue: number): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new InputError({ [field]: ["must be an object of strings"] });
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > max) throw new InputError({ [field]: [`at most ${max} entries`] });
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (k.length > LIMITS.labelName || !k) throw new InputError({ [field]: [`names are 1–${LIMITS.labelName} characters`] });
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") throw new InputError({ [`${field}.${k.slice(0, 60)}`]: ["must be a string"] });
    const text = String(v);
    if (text.length > maxValue) throw new InputError({ [`${field}.${k.slice(0, 60)}`]: [`at most ${maxValue} characters`] });
    out[k] = text;
  }
  return out;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function labelFingerprint(name: string, labels: Record<string, string>): string {
  const canonical = JSON.stringify([name, Object.keys(labels).sort().map((k) => [k, labels[k]])]);
  return crypto.createHash("sha256").update(canonical).digest("hex").slice(0, 32);
}

/* ------------------------------------------------ Alertmanager and Grafana */

const PromAlertSchema = z.object({
  status: z.enum(["firing", "resolved"]),
  labels: z.unknown(),
  annotations: z.unknown().optional(),
  startsAt: TimeText.optional(),
  endsAt: TimeText.optional(),
  generatorURL: z.string().max(4000).optional(),
  fingerprint: z.string().min(1).max(LIMITS.fingerprint).optional(),
});

const PromPayloadSchema = z.object({
  version: z.string().max(20).optional(),
  groupKey: z.string().max(4000).optional(),
  status: z.enum(["firing", "resolved"]),
  receiver: z.string().max(300).optional(),
  externalURL: z.string().max(4000).optional(),
  alerts: z.array(z.unknown()).max(LIMITS.alertsPerRequest, `at most ${LIMITS.alertsPerRequest} alerts per request`),
  // Grafana's extras: kept out of the alert, read for the audit line only.
  orgId: z.number().optional(),
  title: z.string().max(2000).optional(),
  state: z.string().max(50).optional(),
});

function parseWithField<T extends z.ZodType>(schema: T, value: unknown, prefix: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const out: Record<string, string[]> = {};
  for (const issue of parsed.error.issues) {
    const key = [prefix, ...issue.path.map(String)].filter(Boolean).join(".") || "body";
    (out[key] ??= []).push(issue.message);
  }
  throw new InputError(out);
}

function promAlerts(body: Record<string, unknown>, now: number): { alerts: IncomingAlert[]; payload: z.output<typeof PromPayloadSchema> } {
  const payload = parseWithField(PromPayloadSchema, body, "");
  const alerts = payload.alerts.map((raw, i): IncomingAlert => {
    const field = `alerts.${i}`;
    const a = parseWithField(PromAlertSchema, raw, field);
    const labels = stringMap(a.labels, `${field}.labels`, LIMITS.labels, LIMITS.labelValue);
    const annotations = stringMap(a.annotations, `${field}.annotations`, LIMITS.annotations, LIMITS.annotationValue);
    const name = labels.alertname ?? labels.__alert_rule_title__ ?? labels.rulename;
    if (!name) throw new InputError({ [`${field}.labels.alertname`]: ["is required"] });
    const startsAt = time(a.startsAt, `${field}.startsAt`, now)!;
    const endsAt = time(a.endsAt, `${field}.endsAt`, null);
    return {
      fingerprint: a.fingerprint ?? labelFingerprint(name, labels),
      name: clip(name, LIMITS.name),
      status: a.status,
      severity: labels.severity ?? null,
      labels,
      annotations,
      summary: clip(annotations.summary ?? annotations.description ?? annotations.message ?? name, LIMITS.summary),
      startsAt,
      endsAt,
      generatorURL: a.generatorURL ?? null,
    };
  });
  return { alerts, payload };
}

/* ------------------------------------------------------------------ Sentry */

const SentryEnvelope = z.object({
  action: z.string().min(1).max(50),
  data: z.record(z.string(), z.unknown()),
});
const Id = z.union([z.string().min(1).max(100), z.number()]).transform(String);
const SentryEvent = z.object({
  issue_id: Id,
  title: z.string().max(2000).optional(),
  level: z.string().max(20).optional(),
  web_url: z.string().max(4000).optional(),
  datetime: TimeText.optional(),
  project: Id.optional(),
});
const SentryMetric = z.object({
  id: Id.optional(),
  title: z.string().max(2000).optional(),
  date_started: TimeText.optional(),
  date_closed: TimeText.nullish(),
  alert_rule: z.object({ id: Id, name: z.string().min(1).max(LIMITS.name) }),
});
const SentryIssue = z.object({
  id: Id,
  title: z.string().max(2000).optional(),
  level: z.string().max(20).optional(),
  web_url: z.string().max(4000).optional(),
  firstSeen: TimeText.optional(),
  project: z.object({ slug: z.string().max(200).optional() }).optional(),
});

const ISSUE_FIRING = new Set(["created", "unresolved", "regression"]);
const ISSUE_RESOLVED = new Set(["resolved", "ignored", "archived"]);

function sentryAlerts(resource: string, body: Record<string, unknown>, now: number): IncomingAlert[] {
  const env = parseWithField(SentryEnvelope, body, "");
  const base = { annotations: {} as Record<string, string>, endsAt: null, generatorURL: null as string | null };
  if (resource === "event_alert") {
    const ev = parseWithField(SentryEvent, env.data.event, "data.event");
    const rule = typeof env.data.triggered_rule === "string" ? clip(env.data.triggered_rule, LIMITS.name) : null;
    const name = rule ?? clip(ev.title ?? `Sentry issue ${ev.issue_id}`, LIMITS.name);
    const labels: Record<string, string> = { alertname: name, source: "sentry", issue_id: ev.issue_id, ...(ev.level ? { severity: ev.level } : {}), ...(ev.project ? { project: ev.project } : {}) };
    return [{ ...base, fingerprint: `issue:${ev.issue_id}`, name, status: "firing", severity: ev.level ?? null, labels, summary: clip(ev.title ?? name, LIMITS.summary), startsAt: time(ev.datetime, "data.event.datetime", now)!, generatorURL: ev.web_url ?? null }];
  }
  if (resource === "metric_alert") {
    if (!["critical", "warning", "resolved"].includes(env.action)) throw new InputError({ action: ["must be critical, warning or resolved"] });
    const m = parseWithField(SentryMetric, env.data.metric_alert, "data.metric_alert");
    const title = typeof env.data.description_title === "string" ? env.data.description_title : m.title;
    const text = typeof env.data.description_text === "string" ? env.data.description_text : "";
    const severity = env.action === "resolved" ? null : env.action;
    const labels: Record<string, string> = { alertname: m.alert_rule.name, source: "sentry", alert_rule_id: m.alert_rule.id, ...(severity ? { severity } : {}) };
    const webUrl = typeof env.data.web_url === "string" ? env.data.web_url.slice(0, 4000) : null;
    return [{ ...base, annotations: text ? { description: clip(text, LIMITS.annotationValue) } : {}, fingerprint: `metric:${m.alert_rule.id}`, name: m.alert_rule.name, status: env.action === "resolved" ? "resolved" : "firing", severity, labels, summary: clip(title ?? m.alert_rule.name, LIMITS.summary), startsAt: time(m.date_started, "data.metric_alert.date_started", now)!, endsAt: env.action === "resolved" ? time(m.date_closed ?? undefined, "data.metric_alert.date_closed", now) : null, generatorURL: webUrl }];
  }
  if (resource === "issue") {
    const issue = parseWithField(SentryIssue, env.data.issue, "data.issue");
    if (!ISSUE_FIRING.has(env.action) && !ISSUE_RESOLVED.has(env.action)) return []; // assigned and the like: nothing to alert on
    const name = clip(issue.title ?? `Sentry issue ${issue.id}`, LIMITS.name);
    const labels: Record<string, string> = { alertname: name, source: "sentry", issue_id: issue.id, ...(issue.level ? { severity: issue.level } : {}), ...(issue.project?.slug ? { project: issue.project.slug } : {}) };
    return [{ ...base, fingerprint: `issue:${issue.id}`, name, status: ISSUE_RESOLVED.has(env.action) ? "resolved" : "firing", severity: issue.level ?? null, labels, summary: name, startsAt: time(issue.firstSeen, "data.issue.firstSeen", now)!, generatorURL: issue.web_url ?? null }];
  }
  throw new InputError({ "Sentry-Hook-Resource": ["must be event_alert, metric_alert or issue"] });
}

/* ----------------------------------------------------------------- webhook */

/** RFC 6901: `/a/b~1c` → a → "b/c". */
export function pointer(doc: unknown, ptr: string): unknown {
  if (ptr === "") return doc;
  let cur: unknown = doc;
  for (const raw of ptr.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (cur === null || typeof cur !== "object" || !Object.prototype.hasOwnProperty.call(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

const FIRING_WORDS = new Set(["firing", "alerting", "triggered", "open", "active", "problem", "critical", "warning", "error", "down"]);
const RESOLVED_WORDS = new Set(["resolved", "ok", "closed", "normal", "recovered", "up", "inactive"]);

function scalar(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") throw new InputError({ [field]: ["must be a string"] });
  const text = String(value).trim();
  if (text.length > max) throw new InputError({ [field]: [`at most ${max} characters`] });
  return text || undefined;
}

function webhookAlerts(config: Extract<ReceiverConfig, { kind: "webhook" }>, body: Record<string, unknown>, now: number): IncomingAlert[] {
  const m = config.map;
  const name = scalar(pointer(body, m.name), `${m.name} (name)`, LIMITS.name);
  if (!name) throw new InputError({ [`${m.name} (name)`]: ["is required"] });
  const statusText = m.status ? scalar(pointer(body, m.status), `${m.status} (status)`, 50)?.toLowerCase() : "firing";
  let status: "firing" | "resolved" = "firing";
  if (statusText && RESOLVED_WORDS.has(statusText)) status = "resolved";
  else if (statusText && !FIRING_WORDS.has(statusText)) throw new InputError({ [`${m.status} (status)`]: [`"${statusText.slice(0, 40)}" is neither firing (${[...FIRING_WORDS].join(", ")}) nor resolved (${[...RESOLVED_WORDS].join(", ")})`] });
  const severity = m.severity ? (scalar(pointer(body, m.severity), `${m.severity} (severity)`, 40) ?? null) : null;
  const labels = m.labels ? stringMap(pointer(body, m.labels), `${m.labels} (labels)`, LIMITS.labels, LIMITS.labelValue) : {};
  labels.alertname ??= name;
  if (severity) labels.severity ??= severity;
  const service = m.service ? scalar(pointer(body, m.service), `${m.service} (service)`, 200) : undefined;
  if (service) labels.service ??= service;
  const fingerprint = m.fingerprint ? scalar(pointer(body, m.fingerprint), `${m.fingerprint} (fingerprint)`, LIMITS.fingerprint) : undefined;
  const summary = m.summary ? scalar(pointer(body, m.summary), `${m.summary} (summary)`, 100_000) : undefined;
  return [{ fingerprint: fingerprint ?? labelFingerprint(name, labels), name, status, severity, labels, annotations: {}, summary: clip(summary ?? name, LIMITS.summary), startsAt: now, endsAt: status === "resolved" ? now : null, generatorURL: null }];
}

/** Turns an authenticated request's body into alerts; malformed input is a 400 naming the field. */
export function parseReceived(config: ReceiverConfig, headers: Headers, body: Record<string, unknown>, now = Date.now()): Received {
  switch (config.kind) {
    case "alertmanager":
    case "grafana": {
      const { alerts, payload } = promAlerts(body, now);
      const about: Record<string, string> = { status: payload.status };
      if (payload.groupKey) about.groupKey = payload.groupKey.slice(0, 200);
      if (payload.receiver) about.receiver = payload.receiver.slice(0, 100);
      return { source: config.kind, alerts, about };
    }
    case "sentry": {
      const resource = (headers.get("sentry-hook-resource") ?? "").trim();
      if (!resource) throw new InputError({ "Sentry-Hook-Resource": ["is required"] });
      return { source: "sentry", alerts: sentryAlerts(resource, body, now), about: { resource: resource.slice(0, 40), action: String(body.action ?? "").slice(0, 40) } };
    }
    case "webhook":
      return { source: "webhook", alerts: webhookAlerts(config, body, now), about: {} };
  }
}
