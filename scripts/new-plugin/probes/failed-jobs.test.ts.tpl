import { afterEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../../plugin-api";
import { __NAME__Client } from "../client.server";
import { __VAR__Fixture } from "../test-helpers";
import { failedJobsProbe } from "./failed-jobs";

const ctx = () => ({ signal: AbortSignal.timeout(5000), log: { debug() {}, info() {}, warn() {}, error() {} }, now: () => new Date() });

describe("__ID__.failed-jobs", () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(() => stop?.());

  it("counts the sandbox's failed jobs, oldest first", async () => {
    const fx = await __VAR__Fixture();
    stop = fx.sandbox.stop;
    const reading = await failedJobsProbe(fx.client, fx.config).read(ctx());
    const failed = [...fx.sandbox.jobs.values()].filter((j) => j.state === "failed");
    expect(reading.value).toBe(failed.length);
    expect(reading.rows!.map((r) => r.job)).toEqual(failed.sort((a, b) => a.failedAt.localeCompare(b.failedAt)).map((j) => j.id));
  });

  it("a refused token is the provider's words, without the token", async () => {
    const fx = await __VAR__Fixture();
    stop = fx.sandbox.stop;
    const wrong = { ...fx.config, token: "tok_wrong_0123456789" };
    const err = await failedJobsProbe(new __NAME__Client(wrong), wrong).read(ctx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).providerStatus).toBe(401);
    expect((err as Error).message).toContain("invalid API token");
    expect((err as Error).message).not.toContain(wrong.token);
  });
});
