import { describe, expect, it } from "vitest";
import { Timestamp } from "./client.server";
import { matches, resolveValue, splitFilters, toIso, toMillis, toPlain } from "./query";

const now = new Date("2026-01-10T12:00:00Z");

describe("firestore filters", () => {
  it("sends Firestore's own operators to the server and keeps the rest here", () => {
    const filters = [
      { field: "status", op: "==" as const, value: "paid" },
      { field: "webhook.processedAt", op: "missing" as const },
      { field: "webhook.attempts", op: ">" as const, value: 2 },
    ];
    expect(splitFilters(filters, { emulator: false })).toEqual({ server: [filters[0], filters[2]], client: [filters[1]] });
    // The emulator cannot evaluate nested paths.
    expect(splitFilters(filters, { emulator: true })).toEqual({ server: [filters[0]], client: [filters[1], filters[2]] });
  });

  it("resolves { ago } to a Timestamp, millis or ISO text", () => {
    expect((resolveValue({ ago: "10m", as: "timestamp" }, now) as Timestamp).toMillis()).toBe(now.getTime() - 600_000);
    expect(resolveValue({ ago: "1h", as: "millis" }, now)).toBe(now.getTime() - 3_600_000);
    expect(resolveValue({ ago: "1d", as: "iso" }, now)).toBe("2026-01-09T12:00:00.000Z");
    expect(resolveValue("paid", now)).toBe("paid");
  });

  it("evaluates filters like Firestore: a missing field or another type never matches", () => {
    const doc = { status: "paid", paidAt: Timestamp.fromDate(new Date("2026-01-10T11:00:00Z")), webhook: { processedAt: null }, tags: ["a", "b"], n: 3 };
    expect(matches(doc, { field: "webhook.processedAt", op: "missing" }, now)).toBe(true);
    expect(matches(doc, { field: "nothing", op: "missing" }, now)).toBe(true);
    expect(matches(doc, { field: "status", op: "missing" }, now)).toBe(false);
    expect(matches(doc, { field: "status", op: "exists" }, now)).toBe(true);
    expect(matches(doc, { field: "paidAt", op: "<", value: { ago: "10m", as: "timestamp" } }, now)).toBe(true);
    expect(matches(doc, { field: "paidAt", op: "<", value: { ago: "2h", as: "timestamp" } }, now)).toBe(false);
    expect(matches(doc, { field: "paidAt", op: "<", value: { ago: "10m", as: "millis" } }, now)).toBe(false);
    expect(matches(doc, { field: "n", op: ">=", value: 3 }, now)).toBe(true);
    expect(matches(doc, { field: "n", op: ">", value: "1" }, now)).toBe(false);
    expect(matches(doc, { field: "status", op: "!=", value: "open" }, now)).toBe(true);
    expect(matches(doc, { field: "nothing", op: "!=", value: "open" }, now)).toBe(false);
    expect(matches(doc, { field: "nothing", op: "none-of", value: ["open"] }, now)).toBe(true);
    expect(matches(doc, { field: "status", op: "none-of", value: ["paid"] }, now)).toBe(false);
    expect(matches(doc, { field: "status", op: "in", value: ["paid", "x"] }, now)).toBe(true);
    expect(matches(doc, { field: "status", op: "not-in", value: ["x"] }, now)).toBe(true);
    expect(matches(doc, { field: "tags", op: "array-contains", value: "b" }, now)).toBe(true);
    expect(matches(doc, { field: "tags", op: "array-contains-any", value: ["z", "a"] }, now)).toBe(true);
  });

  it("reads stored times in any of the usual forms and makes documents plain JSON", () => {
    const t = Timestamp.fromDate(now);
    expect(toMillis(t)).toBe(now.getTime());
    expect(toMillis(now.getTime())).toBe(now.getTime());
    expect(toMillis(now.getTime() / 1000)).toBe(now.getTime());
    expect(toIso("2026-01-10T12:00:00Z")).toBe("2026-01-10T12:00:00.000Z");
    expect(toMillis("yesterday")).toBeNull();
    expect(toPlain({ a: t, b: [t], c: { d: undefined } })).toEqual({ a: now.toISOString(), b: [now.toISOString()], c: { d: null } });
  });
});
