import { describe, expect, it } from "vitest";
import { BackupsConfigSchema } from "./config";
import { compareCounts, libpq, withDatabase } from "./engine";

describe("backups engine helpers", () => {
  it("keeps the password out of the tools' argv (PGPASSWORD instead)", () => {
    const { dsn, env } = libpq("postgres://shop:s3cr%40t-pass@db.internal:5432/shop?sslmode=require");
    expect(dsn).toBe("postgres://shop@db.internal:5432/shop?sslmode=require");
    expect(dsn).not.toContain("s3cr");
    expect(env.PGPASSWORD).toBe("s3cr@t-pass");
  });

  it("points a scratch restore at another database on the same server", () => {
    expect(withDatabase("postgres://u:p@h:5433/shop", "backups_verify_ab")).toBe("postgres://u:p@h:5433/backups_verify_ab");
  });

  it("reports every table whose count differs, including missing ones", () => {
    expect(compareCounts({ "public.a": 2, "public.b": 1 }, { "public.a": 2, "public.c": 4 })).toEqual([
      { table: "public.b", manifest: 1, restored: null },
      { table: "public.c", manifest: null, restored: 4 },
    ]);
  });

  it("config: kinds, defaults and clear errors", () => {
    const c = BackupsConfigSchema.parse({ targets: { shop: { kind: "postgres", connection: "postgres://h/shop" }, portal: { kind: "portal" } } });
    expect(c.targets.shop).toMatchObject({ maxAge: "26h", retention: { daily: 30, weekly: 12, monthly: 12 } });
    expect(BackupsConfigSchema.safeParse({ targets: { shop: { kind: "postgres", connection: "mysql://x" } } }).error?.issues[0]?.message).toBe("must be a postgres:// connection string");
    expect(BackupsConfigSchema.safeParse({ targets: { Shop: { kind: "portal" } } }).success).toBe(false);
    expect(BackupsConfigSchema.safeParse({ targets: { shop: { kind: "mongo" } } }).success).toBe(false);
  });

  it("config: firestore targets and schedules, with clear errors", () => {
    const c = BackupsConfigSchema.parse({ targets: { fs: { kind: "firestore", collections: ["orders"], schedule: "0 3 * * *", verifySchedule: "30 3 * * *" } } });
    expect(c.targets.fs).toMatchObject({ kind: "firestore", service: "firestore.collections", timezone: "UTC", schedule: "0 3 * * *" });
    const issue = (t: unknown) => {
      const r = BackupsConfigSchema.safeParse({ targets: { fs: t } });
      return r.success ? null : `${r.error.issues[0]!.path.join(".")}: ${r.error.issues[0]!.message}`;
    };
    expect(issue({ kind: "firestore", collections: ["orders/wx-1/items"] })).toBe("targets.fs.collections.0: a top-level collection name (no slashes)");
    expect(issue({ kind: "firestore", collections: ["orders", "orders"] })).toBe("targets.fs.collections: lists a collection twice");
    expect(issue({ kind: "firestore", collections: [] })).toMatch(/^targets\.fs\.collections: /);
    expect(issue({ kind: "firestore", collections: ["__system"] })).toBe("targets.fs.collections.0: names starting with __ are reserved by Firestore");
    expect(issue({ kind: "firestore", collections: ["orders"], schedule: "every night" })).toMatch(/^targets\.fs\.schedule: not a cron schedule: /);
    expect(issue({ kind: "portal", timezone: "Mars/Olympus" })).toBe("targets.fs.timezone: is not an IANA time zone (e.g. Europe/Berlin)");
    expect(issue({ kind: "firestore", collections: ["orders"], verifyEmulatorHost: "http://x" })).toBe("targets.fs.verifyEmulatorHost: must be host:port");
    expect(issue({ kind: "firestore", collections: ["orders"], connection: "postgres://h/x" })).toMatch(/^targets\.fs: /);
  });
});
