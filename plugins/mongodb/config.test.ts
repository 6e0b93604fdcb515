import { describe, expect, it } from "vitest";
import { isSecretSchema } from "../plugin-api";
import { MongoConfigSchema } from "./config";

const issues = (raw: unknown) => {
  const r = MongoConfigSchema.safeParse(raw);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("mongodb config", () => {
  it("fills the defaults the issue names", () => {
    const c = MongoConfigSchema.parse({ uri: "mongodb+srv://u:p@cluster0.example.net/shop", database: "shop" });
    expect(c).toMatchObject({ readPreference: "secondaryPreferred", maxTimeMS: 5000, maxRows: 200, queries: {}, fixes: {} });
    expect(c.health.slowOperationSeconds).toBe(30);
    expect(isSecretSchema(MongoConfigSchema.shape.uri)).toBe(true);
  });

  it("names the key of each problem", () => {
    expect(issues({ uri: "CHANGE_ME_MONGO_URI", database: "shop" })).toEqual([expect.stringMatching(/^uri: must start with "mongodb:\/\/"/)]);
    expect(issues({ uri: "mongodb://h", database: "shop", queries: { Bad_Name: { query: "db.orders.find({})" } } })[0]).toMatch(/^queries\.Bad_Name/);
    expect(issues({ uri: "mongodb://h", database: "shop", queries: { leak: { query: "db.orders.find({ $where: 'true' })" } } })).toEqual([expect.stringMatching(/^queries\.leak\.query: \$where is refused/)]);
    expect(issues({ uri: "mongodb://h", database: "shop", queries: { n: { query: "db.x.find({})", thresholds: { warn: "more than 3" } } } })[0]).toMatch(/^queries\.n\.thresholds\.warn/);
    expect(issues({ uri: "mongodb://h", database: "shop", fixes: { orders: { fields: ["__proto__.x"] } } })[0]).toMatch(/^fixes\.orders\.fields\.0/);
  });
});
