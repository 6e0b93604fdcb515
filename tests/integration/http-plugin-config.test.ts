import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "~/core/config.server";

describe("http plugin config", () => {
  it("header values from the environment are secrets of the config", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-http-"));
    try {
      fs.writeFileSync(
        path.join(dir, "app-config.yaml"),
        "plugins:\n  http:\n    checks:\n      api:\n        url: https://status.example.com/api/health\n        headers:\n          Authorization: Bearer ${HEALTH_TOKEN}\n",
      );
      const config = loadConfig({ cwd: dir, env: { HEALTH_TOKEN: "tok_0123456789", SESSION_SECRET: "x".repeat(32) } });
      expect(config.secretValues).toContain("Bearer tok_0123456789");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
