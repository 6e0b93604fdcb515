import { describe, expect, it } from "vitest";
import * as api from "../../../plugins/plugin-api";
import { errorResponse, handle, HttpError, MethodNotAllowedError, PayloadTooLargeError, UnsupportedMediaTypeError } from "./index.server";

async function answer(err: unknown) {
  const res = errorResponse(err);
  return { status: res.status, body: await res.json(), headers: Object.fromEntries(res.headers) };
}

describe("the error family, mapped once at the edge", () => {
  it("answers each class with its status and { ...body, error, fieldErrors }", async () => {
    const cases: [unknown, number, Record<string, unknown>][] = [
      [new api.InputError("the refund is larger than the payment", { amount: ["at most 12.00"] }), 400, { error: "the refund is larger than the payment", fieldErrors: { amount: ["at most 12.00"] } }],
      [new api.InputError({ body: ["not valid JSON"] }, "the body is not valid JSON"), 400, { error: "the body is not valid JSON", fieldErrors: { body: ["not valid JSON"] } }],
      [new api.ActionInputError("no such order", { orderId: ["unknown"] }), 400, { error: "no such order", fieldErrors: { orderId: ["unknown"] } }],
      [new api.UnauthenticatedError(), 401, { error: "authentication required", fieldErrors: {} }],
      [new api.ForbiddenError("approving needs the admin role"), 403, { error: "forbidden: approving needs the admin role", fieldErrors: {} }],
      [new api.NotFoundError("no such run"), 404, { error: "no such run", fieldErrors: {} }],
      [new MethodNotAllowedError("POST"), 405, { error: "method not allowed (use POST)", fieldErrors: {} }],
      [new api.ConflictError("this run is succeeded, not awaiting approval", { body: { runId: "run_1", status: "succeeded" } }), 409, { error: "this run is succeeded, not awaiting approval", fieldErrors: {}, runId: "run_1", status: "succeeded" }],
      [new PayloadTooLargeError(1000), 413, { error: "the body is larger than 1000 bytes", fieldErrors: { body: ["at most 1000 bytes"] } }],
      [new UnsupportedMediaTypeError("application/json"), 415, { error: "send the body as application/json", fieldErrors: { body: ["Content-Type must be application/json"] } }],
      [new api.RateLimitedError("too many refused requests", { retryAfter: 30, body: { retryAfter: 30 } }), 429, { error: "too many refused requests", fieldErrors: {}, retryAfter: 30 }],
      [new api.UpstreamError("Stripe: invalid API key", { providerStatus: 401 }), 502, { error: "Stripe: invalid API key", fieldErrors: {} }],
      [new api.UpstreamError("Stripe: rate limited", { providerStatus: 429 }), 503, { error: "Stripe: rate limited", fieldErrors: {} }],
      [new api.UpstreamError("the dry run timed out", { timedOut: true }), 503, { error: "the dry run timed out", fieldErrors: {} }],
      [new api.UnavailableError("the audit log cannot be written"), 503, { error: "the audit log cannot be written", fieldErrors: {} }],
    ];
    for (const [err, status, body] of cases) {
      const got = await answer(err);
      expect(got.status, (err as Error).name).toBe(status);
      expect(got.body, (err as Error).name).toEqual(body);
      expect(got.headers["cache-control"]).toBe("no-store");
    }
    expect((await answer(new MethodNotAllowedError("GET, POST"))).headers.allow).toBe("GET, POST");
    expect((await answer(new api.RateLimitedError("slow down", { retryAfter: 12 }))).headers["retry-after"]).toBe("12");
  });

  it("is one family: the plugin API's classes are the edge's, and a field called body stays a field", () => {
    expect(new api.NotFoundError("x")).toBeInstanceOf(HttpError);
    expect(new api.ActionInputError("x")).toBeInstanceOf(api.InputError);
    expect(new api.UpstreamError("x", { providerStatus: 500 }).providerStatus).toBe(500);
    expect(new api.InputError("bad", { body: ["too long"] }).fieldErrors).toEqual({ body: ["too long"] });
  });

  it("leaves anything else to be a 500: an error with a .status of its own is not guessed at", async () => {
    const stray = Object.assign(new Error("provider said 404"), { status: 404 });
    expect(() => errorResponse(stray)).toThrow("provider said 404");
    await expect(handle(async () => Promise.reject(new TypeError("bug")))).rejects.toThrow("bug");
    const redirect = new Response(null, { status: 302, headers: { Location: "/login" } });
    await expect(handle(async () => Promise.reject(redirect))).rejects.toBe(redirect);
    const typed = await handle(async () => Promise.reject(new api.NotFoundError("no such token")), { intent: "revoke" });
    expect(typed.status).toBe(404);
    expect(await typed.json()).toEqual({ intent: "revoke", error: "no such token", fieldErrors: {} });
  });
});
