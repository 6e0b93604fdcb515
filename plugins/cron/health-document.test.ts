import { describe, expect, it } from "vitest";
import { HealthDocumentSchema } from "./config";
import { runFromDocument } from "./health-document";

const cfg = HealthDocumentSchema.parse({ path: "opsHealth/autoReleaseProtected" });

describe("a health document as a run", () => {
  it("a clean document is a successful run ending at lastRunAt, with its counts as the excerpt", () => {
    const run = runFromDocument("autorelease", cfg, { lastRunAt: "2026-11-27T10:00:00.000Z", scannedCount: 14, releasedCount: 3, errorsCount: 0, lastError: null });
    expect(run).toMatchObject({ outcome: "success", endedAt: Date.parse("2026-11-27T10:00:00Z"), startedAt: null, durationMs: null, source: "health-document" });
    expect(run!.excerpt).toBe("scannedCount 14 · releasedCount 3 · errorsCount 0");
  });

  it("errorsCount > 0 or a lastError makes it a failed run; startedAt or durationMs give its duration", () => {
    expect(runFromDocument("a", cfg, { lastRunAt: "2026-11-27T10:00:00Z", errorsCount: 2 })!.outcome).toBe("fail");
    const withError = runFromDocument("a", cfg, { lastRunAt: "2026-11-27T10:00:00Z", errorsCount: 0, lastError: "9 FAILED_PRECONDITION: needs an index", startedAt: "2026-11-27T09:59:30Z" })!;
    expect(withError).toMatchObject({ outcome: "fail", durationMs: 30_000, startedAt: Date.parse("2026-11-27T09:59:30Z") });
    expect(withError.excerpt).toContain("lastError: 9 FAILED_PRECONDITION");
    expect(runFromDocument("a", cfg, { lastRunAt: 1_764_237_600, durationMs: 2_500 })).toMatchObject({ endedAt: 1_764_237_600_000, durationMs: 2_500 });
  });

  it("a document without lastRunAt names no run", () => {
    expect(runFromDocument("a", cfg, { scannedCount: 1 })).toBeNull();
    expect(runFromDocument("a", cfg, { lastRunAt: "yesterday" })).toBeNull();
  });
});
