import { describe, expect, it } from "vitest";
import { isSecretSchema } from "../plugin-api";
import { SupabaseConfigSchema } from "./config";

const base = { url: "https://abcd.supabase.co", serviceRoleKey: "sb_secret_0123456789abcdefghij" };

describe("supabase config", () => {
  it("defaults the statement timeout, row cap and mappings, and marks both secrets", () => {
    const c = SupabaseConfigSchema.parse({ ...base, databaseUrl: "postgresql://u:p@db.abcd.supabase.co:5432/postgres", orders: {}, coupons: {} });
    expect([c.statementTimeout, c.maxRows, c.presets]).toEqual(["5s", 500, []]);
    expect(c.orders!.columns).toMatchObject({ id: "id", paymentIntent: "payment_intent_id", webhookProcessedAt: "webhook_processed_at" });
    expect(c.coupons).toMatchObject({ reservationsTable: "coupon_reservations", reservedCount: "reserved_count", reservedStatus: "reserved" });
    expect(isSecretSchema(SupabaseConfigSchema.shape.serviceRoleKey)).toBe(true);
    expect(isSecretSchema(SupabaseConfigSchema.shape.databaseUrl.unwrap())).toBe(true);
    expect(isSecretSchema(SupabaseConfigSchema.shape.url)).toBe(false);
  });

  it("names what is wrong", () => {
    const issues = (v: unknown) => SupabaseConfigSchema.safeParse(v).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(issues({ ...base, databaseUrl: "postgres://x/y", queries: { "Stuck Orders": { sql: "select 1" } } })).toEqual([expect.stringMatching(/^queries\.Stuck Orders: /)]);
    expect(issues({ ...base, databaseUrl: "postgres://x/y", queries: { q: { sql: "select 1", measure: "sum" } } })?.[0]).toMatch(/^queries\.q\.measure: /);
    expect(issues({ ...base, databaseUrl: "postgres://x/y", queries: { q: { sql: "select 1", thresholds: { warn: "more than 3" } } } })).toEqual(['queries.q.thresholds.warn: must look like "> 0", ">= 5" or "> 0 for 10m"']);
    expect(issues({ ...base, databaseUrl: "postgres://x/y", orders: { table: "orders; drop table x" } })).toEqual(['orders.table: must be a table name such as "orders" or "public.orders"']);
    expect(issues({ ...base, statementTimeout: "50ms" })).toEqual(["statementTimeout: must be between 100ms and 10m"]);
    expect(issues({ ...base, orders: {} })).toEqual(["orders: needs databaseUrl (a direct Postgres connection)"]);
    expect(issues({ ...base, serviceRoleKey: "short" })).toEqual(["serviceRoleKey: must be the service-role key"]);
  });
});
