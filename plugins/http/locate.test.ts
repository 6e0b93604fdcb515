import { describe, expect, it } from "vitest";
import { HttpConfigSchema } from "./config";
import { locateTarget } from "./locate";

const config = HttpConfigSchema.parse({
  services: {
    shop: { url: "http://127.0.0.1:8080/", hosts: ["app.example.com"] },
    "shop-api": { url: "https://internal.example:9000/base", hosts: ["api.example.com"] },
  },
  defaultService: "shop",
});

describe("where a runbook's health URL or path is read", () => {
  it("reads a URL on a service's public host at the service's url, path and query kept", () => {
    expect(locateTarget(config, "https://app.example.com/api/health")).toBe("http://127.0.0.1:8080/api/health");
    expect(locateTarget(config, "https://api.example.com/health?deep=1")).toBe("https://internal.example:9000/base/health?deep=1");
    expect(locateTarget(config, "https://other.example.com/api/health")).toBeUndefined();
    expect(locateTarget(config, "https://user:pw@app.example.com/api/health")).toBeUndefined();
  });
  it("resolves a host-less path against the runbook's service, else the default one", () => {
    expect(locateTarget(config, "/api/auth/health", "shop-api")).toBe("https://internal.example:9000/base/api/auth/health");
    expect(locateTarget(config, "/api/health")).toBe("http://127.0.0.1:8080/api/health");
    // A service the http plugin does not list is not guessed at.
    expect(locateTarget(config, "/api/health", "billing")).toBeUndefined();
  });
  it("takes the only service as the default, and none when there are several and no defaultService", () => {
    const one = HttpConfigSchema.parse({ services: { shop: { url: "http://127.0.0.1:1" } } });
    expect(locateTarget(one, "/api/health")).toBe("http://127.0.0.1:1/api/health");
    const two = HttpConfigSchema.parse({ services: { a: { url: "http://127.0.0.1:1" }, b: { url: "http://127.0.0.1:2" } } });
    expect(locateTarget(two, "/api/health")).toBeUndefined();
  });
  it("refuses a defaultService that is not a service", () => {
    const r = HttpConfigSchema.safeParse({ services: {}, defaultService: "shop" });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["defaultService"]);
  });
});
