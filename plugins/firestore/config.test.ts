import { describe, expect, it } from "vitest";
import { z } from "zod";
import { FirestoreConfigSchema } from "./config";

const base = { projectId: "p", emulatorHost: "127.0.0.1:8080" };

function problems(section: unknown): string[] {
  const r = FirestoreConfigSchema.safeParse(section);
  if (r.success) return [];
  return r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("firestore config", () => {
  it("parses filters into field / op / value, relative times included", () => {
    const c = FirestoreConfigSchema.parse({
      ...base,
      queries: { stuck: { collection: "orders", filters: [["status", "==", "paid"], ["paidAt", "<", { ago: "10m" }], ["webhook.processedAt", "missing"]] } },
    });
    expect(c.queries.stuck.filters).toEqual([
      { field: "status", op: "==", value: "paid" },
      { field: "paidAt", op: "<", value: { ago: "10m", as: "timestamp" } },
      { field: "webhook.processedAt", op: "missing" },
    ]);
    expect(c.queries.stuck.measure).toBe("count");
    expect(c.queries.stuck.every).toBe("1m");
  });

  it("names the filter element that is wrong", () => {
    expect(problems({ ...base, queries: { stuck: { collection: "orders", filters: [["status", "=~", "paid"]] } } })).toEqual([
      'queries.stuck.filters.0.1: unknown operator "=~" (use one of ==, !=, <, <=, >, >=, in, not-in, array-contains, array-contains-any, missing, exists, none-of)',
    ]);
    expect(problems({ ...base, queries: { q: { collection: "orders", filters: [["status", "in", "paid"]] } } })[0]).toMatch(/^queries\.q\.filters\.0\.2: "in" needs a list/);
    expect(problems({ ...base, queries: { q: { collection: "orders", filters: [["a", "missing", 1]] } } })[0]).toMatch(/^queries\.q\.filters\.0\.2: "missing" takes no value/);
    expect(problems({ ...base, queries: { q: { collection: "orders", filters: [["a", "<", { ago: "ten minutes" }]] } } })[0]).toMatch(/^queries\.q\.filters\.0\.2\.ago: must be a duration/);
    expect(problems({ ...base, queries: { q: { collection: "orders", filters: [["", "==", 1]] } } })[0]).toMatch(/^queries\.q\.filters\.0\.0: must be a field path/);
    expect(problems({ ...base, queries: { q: { collection: "orders", filters: [["a", "==", { x: 1 }]] } } })[0]).toMatch(/^queries\.q\.filters\.0\.2: must be a string/);
  });

  it("refuses newest-age without a field, bad thresholds, bad paths and duplicate probe names", () => {
    expect(problems({ ...base, queries: { q: { collection: "stripeEvents", measure: "newest-age" } } })).toEqual(["queries.q.field: newest-age needs the timestamp field to measure"]);
    expect(problems({ ...base, queries: { q: { collection: "orders", thresholds: { warn: "more than 3" } } } })[0]).toMatch(/^queries\.q\.thresholds\.warn:/);
    expect(problems({ ...base, opsHealth: { a: { document: "opsHealth", interval: "10m" } } })[0]).toMatch(/^opsHealth\.a\.document:/);
    expect(problems({ ...base, queries: { a: { collection: "x" } }, opsHealth: { a: { document: "opsHealth/a", interval: "10m" } } })).toEqual([
      'opsHealth.a: probe name "a" is also used under queries',
    ]);
  });

  it("needs a way to connect and fills the ledger's field mapping", () => {
    expect(problems({ projectId: "p" })).toEqual([": set one of clientEmail + privateKey, serviceAccountFile, serviceAccountJson, applicationDefault: true or emulatorHost"]);
    const c = FirestoreConfigSchema.parse({ ...base, orders: { fields: { paymentIntent: "payment.intentId" } } });
    expect(c.orders!.fields.paymentIntent).toBe("payment.intentId");
    expect(c.orders!.fields.status).toBe("status");
    expect(c.orders!.collection).toBe("orders");
    const h = FirestoreConfigSchema.parse({ ...base, opsHealth: { ar: { document: "opsHealth/autoReleaseProtected", interval: "10m", fields: { lastRunAt: "ranAt" } } } });
    expect(h.opsHealth.ar.fields).toEqual({ lastRunAt: "ranAt", scanned: "scannedCount", released: "releasedCount", errors: "errorsCount", lastError: "lastError" });
    expect(z.flattenError(FirestoreConfigSchema.safeParse({ ...base, bogus: 1 }).error!).formErrors[0]).toMatch(/bogus/);
  });
});
