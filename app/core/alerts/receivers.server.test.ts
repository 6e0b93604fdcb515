import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { HttpError } from "../http/errors.server";
import { authenticate, parseReceived, pointer, sentrySignature } from "./receivers.server";
import { matchesAll } from "./matchers";

const h = (init: Record<string, string>) => new Headers(init);
const statusOf = (fn: () => unknown) => {
  try {
    fn();
    return 200;
  } catch (err) {
    return err instanceof HttpError ? err.status : 500;
  }
};

describe("receiver credentials", () => {
  const secret = "sentry-client-secret-0123456789";
  it("accepts Sentry's hex HMAC-SHA256 of the exact body and nothing else", () => {
    const body = '{"action":"triggered"}';
    const sig = crypto.createHmac("sha256", secret).update(body).digest("hex");
    expect(sentrySignature(body, secret)).toBe(sig);
    expect(statusOf(() => authenticate({ kind: "sentry", clientSecret: secret }, { headers: h({ "sentry-hook-signature": sig }), text: body }))).toBe(200);
    expect(statusOf(() => authenticate({ kind: "sentry", clientSecret: secret }, { headers: h({ "sentry-hook-signature": sig }), text: `${body} ` }))).toBe(401);
    expect(statusOf(() => authenticate({ kind: "sentry", clientSecret: secret }, { headers: h({ "sentry-hook-signature": "zz" }), text: body }))).toBe(401);
  });
  it("takes Grafana's basic credentials when no token is set, and a bearer only with the right token", () => {
    const basic = `Basic ${Buffer.from("grafana:pass-0123456789").toString("base64")}`;
    const cfg = { kind: "grafana" as const, username: "grafana", password: "pass-0123456789" };
    expect(statusOf(() => authenticate(cfg, { headers: h({ authorization: basic }), text: "" }))).toBe(200);
    expect(statusOf(() => authenticate(cfg, { headers: h({ authorization: "Bearer pass-0123456789" }), text: "" }))).toBe(401);
  });
});

describe("payload mapping", () => {
  it("reads JSON pointers with RFC 6901 escapes and never walks the prototype", () => {
    expect(pointer({ a: { "b/c": { "d~e": 1 } } }, "/a/b~1c/d~0e")).toBe(1);
    expect(pointer({}, "/constructor")).toBeUndefined();
  });
  it("treats Alertmanager's zero endsAt as none and fingerprints label sets without one", () => {
    const body = { version: "4", status: "firing", alerts: [{ status: "firing", labels: { alertname: "X", b: "2", a: "1" }, startsAt: "2026-01-01T00:00:00Z", endsAt: "0001-01-01T00:00:00Z" }] };
    const again = { ...body, alerts: [{ ...body.alerts[0], labels: { a: "1", alertname: "X", b: "2" } }] };
    const [one] = parseReceived({ kind: "alertmanager", token: "t".repeat(16) }, h({}), body).alerts;
    const [two] = parseReceived({ kind: "alertmanager", token: "t".repeat(16) }, h({}), again).alerts;
    expect(one!.endsAt).toBeNull();
    expect(one!.fingerprint).toBe(two!.fingerprint);
  });
});

describe("matchers", () => {
  it("anchors regexes, reads a missing label as empty, and honours isEqual: false", () => {
    expect(matchesAll([{ name: "team", value: "pay", isRegex: true, isEqual: true }], { team: "payments" })).toBe(false);
    expect(matchesAll([{ name: "team", value: "pay.*", isRegex: true, isEqual: true }], { team: "payments" })).toBe(true);
    expect(matchesAll([{ name: "env", value: "", isRegex: false, isEqual: true }], {})).toBe(true);
    expect(matchesAll([{ name: "env", value: "prod", isRegex: false, isEqual: false }], { env: "staging" })).toBe(true);
  });
});
