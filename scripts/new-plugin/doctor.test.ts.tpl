import { afterEach, describe, expect, it } from "vitest";
import { __VAR__Doctor } from "./doctor";
import { __VAR__Fixture } from "./test-helpers";

const base = { log: { debug() {}, info() {}, warn() {}, error() {} }, dataDir: "", env: {} };

describe("__ID__ doctor", () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(() => stop?.());

  it("reads the jobs with the configured token", async () => {
    const fx = await __VAR__Fixture();
    stop = fx.sandbox.stop;
    const [check] = await __VAR__Doctor({ ...base, config: fx.config, signal: AbortSignal.timeout(5000) });
    expect(check).toMatchObject({ name: "jobs", ok: true });
  });

  it("names the key to fix when the token is refused", async () => {
    const fx = await __VAR__Fixture();
    stop = fx.sandbox.stop;
    const [check] = await __VAR__Doctor({ ...base, config: { ...fx.config, token: "tok_wrong_0123456789" }, signal: AbortSignal.timeout(5000) });
    expect(check!.ok).toBe(false);
    expect(check!.detail).toContain("401");
    expect(check!.fix).toContain("plugins.__ID__.token");
  });
});
