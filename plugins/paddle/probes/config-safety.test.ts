import { describe, expect, it } from "vitest";
import { AppEnvSchema, PaddleConfigSchema } from "../config";
import { checkAppEnv, parseEnvFile } from "./config-safety";

const spec = AppEnvSchema.parse({ envFile: "/unused" });

describe("the app's environment, by name", () => {
  it("reads dotenv lines with export, quotes and comments", () => {
    const env = parseEnvFile('# comment\nexport PADDLE_API_KEY="pdl_live_x"\nNEXT_PUBLIC_PADDLE_ENV=production # live\r\nEMPTY=\nPADDLE_WEBHOOK_SECRET_KEY=\'s3cret\'\n');
    expect([...env.entries()]).toEqual([
      ["PADDLE_API_KEY", "pdl_live_x"],
      ["NEXT_PUBLIC_PADDLE_ENV", "production"],
      ["EMPTY", ""],
      ["PADDLE_WEBHOOK_SECRET_KEY", "s3cret"],
    ]);
  });

  it("names missing or empty required variables and the bypass flag in production, never a value", () => {
    const env = new Map([
      ["PADDLE_API_KEY", "pdl_live_apikey_value"],
      ["PADDLE_WEBHOOK_SECRET_KEY", "  "],
      ["NEXT_PUBLIC_PADDLE_ENV", "Production"],
      ["PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV", "1"],
    ]);
    const problems = checkAppEnv(env, spec);
    expect(problems.map((p) => p.name)).toEqual(["PADDLE_WEBHOOK_SECRET_KEY", "PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV"]);
    expect(JSON.stringify(problems)).not.toContain("pdl_live_apikey_value");
    env.set("PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV", "false");
    env.set("PADDLE_WEBHOOK_SECRET_KEY", "x");
    expect(checkAppEnv(env, spec)).toEqual([]);
    env.set("PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV", "true");
    env.set("NEXT_PUBLIC_PADDLE_ENV", "sandbox");
    expect(checkAppEnv(env, spec)).toEqual([]);
  });
});

describe("plugins.paddle config", () => {
  it("accepts sandbox, production or a base URL, and names the key that is wrong", () => {
    for (const environment of ["sandbox", "production", "http://127.0.0.1:4010"]) {
      expect(PaddleConfigSchema.safeParse({ apiKey: "pdl_sdbx_apikey_0123456789", environment }).success, environment).toBe(true);
    }
    const bad = PaddleConfigSchema.safeParse({ apiKey: "pdl_sdbx_apikey_0123456789", environment: "staging", notificationSettingIds: ["ntf_01abc"] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join("."))).toEqual(["environment", "notificationSettingIds.0"]);
  });
});
