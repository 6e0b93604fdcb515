import { describe, expect, it } from "vitest";
import { isSecretSchema } from "../plugin-api";
import { CronConfigSchema, CronJobSchema } from "./config";

const problems = (raw: unknown) => {
  const r = CronConfigSchema.safeParse(raw);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("cron config", () => {
  it("takes the issue's keys with their defaults", () => {
    const c = CronConfigSchema.parse({ pingToken: "token-123456", jobs: { "invoice-reminders": { schedule: "0 9 * * *" } } });
    expect(c.jobs["invoice-reminders"]).toMatchObject({ timezone: "UTC", grace: "5m", failuresBeforeCritical: 1, method: "POST" });
    expect(c).toMatchObject({ excerptBytes: 10_000, runNowRisk: "low" });
    const withDoc = CronJobSchema.parse({ schedule: "*/10 * * * *", healthDocument: { path: "opsHealth/autoReleaseProtected" } });
    expect(withDoc.healthDocument).toMatchObject({ service: "firestore.documents", every: "30s", fields: { lastRunAt: "lastRunAt", errors: "errorsCount", lastError: "lastError" } });
  });

  it("names the key of each bad value", () => {
    expect(problems({ jobs: { a: { schedule: "every day" } } })[0]).toMatch(/^jobs\.a\.schedule: not a cron schedule/);
    expect(problems({ jobs: { a: { schedule: "0 9 * * *", timezone: "Mars/Olympus" } } })).toEqual(["jobs.a.timezone: is not an IANA time zone (e.g. Europe/Berlin)"]);
    expect(problems({ jobs: { a: { schedule: "0 9 * * *", grace: "soon" } } })[0]).toMatch(/^jobs\.a\.grace: must be a duration/);
    expect(problems({ jobs: { a: { schedule: "0 9 * * *", minRuntime: "10m", maxRuntime: "5m" } } })).toEqual(["jobs.a.minRuntime: must be shorter than maxRuntime"]);
    expect(problems({ jobs: { a: { schedule: "0 9 * * *", endpoint: "not a url" } } })[0]).toMatch(/^jobs\.a\.endpoint/);
    expect(problems({ jobs: { jobs: { schedule: "0 9 * * *" } } })[0]).toMatch(/reserved/);
    expect(problems({ jobs: { Nightly: { schedule: "0 9 * * *" } } })[0]).toMatch(/kebab-case/);
    expect(problems({ jobs: { a: { schedule: "0 9 * * *", pingSecret: "x" } } })[0]).toMatch(/pingSecret/);
  });

  it("marks the ping token and the job secret as secrets", () => {
    const shape = CronJobSchema._zod.def.in ?? CronJobSchema;
    const inner = (s: any): any => (s._zod.def.innerType ? inner(s._zod.def.innerType) : s);
    const fields = (inner(shape) as any)._zod.def.shape;
    expect(isSecretSchema(inner(fields.pingToken))).toBe(true);
    expect(isSecretSchema(inner(fields.secret))).toBe(true);
    expect(isSecretSchema(inner((CronConfigSchema as any)._zod.def.shape.pingToken))).toBe(true);
  });
});
