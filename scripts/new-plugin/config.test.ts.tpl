import { describe, expect, it } from "vitest";
import { isSecretSchema } from "../plugin-api";
import { __NAME__ConfigSchema } from "./config";

describe("__ID__ config", () => {
  it("takes a url and a token, with the backlog thresholds and timeout defaulted", () => {
    const config = __NAME__ConfigSchema.parse({ url: "https://api.example.com", token: "tok_0123456789" });
    expect(config.backlog).toEqual({ warn: "> 10", critical: "> 100" });
    expect(config.timeout).toBe("5s");
  });

  it("names each bad key", () => {
    const result = __NAME__ConfigSchema.safeParse({ url: "not a url", token: "short", timeout: "soon", extra: 1 });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join(".") || i.code);
    expect(paths).toEqual(expect.arrayContaining(["url", "token", "timeout"]));
  });

  it("marks the token secret", () => {
    expect(isSecretSchema(__NAME__ConfigSchema.shape.token)).toBe(true);
  });
});
