import { describe, expect, it } from "vitest";
import { InputError, errorResponse, jsonDepth, parseJsonObject, readBody, safeRedirect } from "./index.server";

function req(body: BodyInit | null, type?: string, headers: Record<string, string> = {}): Request {
  return new Request("http://x/", { method: "POST", body, headers: { ...(type ? { "content-type": type } : {}), ...headers } });
}

describe("safeRedirect", () => {
  it("keeps same-site paths, normalised", () => {
    expect(safeRedirect("/incidents?state=all#top")).toBe("/incidents?state=all#top");
    expect(safeRedirect("/runbooks/../audit")).toBe("/audit");
    expect(safeRedirect("/a b")).toBe("/a%20b");
  });

  it("refuses anything a browser could take off-site or a header cannot carry", () => {
    for (const bad of ["/\t/evil.com", "/\n/x", "/\r\n/evil.com", "//evil.com", "/\\evil.com", "\\/evil.com", "https://evil.com", "javascript:alert(1)", "evil.com", "", "/\u0000x", "/x\u007f", "/" + "a".repeat(3000)]) {
      expect(safeRedirect(bad), JSON.stringify(bad)).toBe("/");
    }
    expect(safeRedirect(null, "/home")).toBe("/home");
  });
});

describe("the request reader", () => {
  it("counts JSON depth without recursion, strings and escapes excluded", () => {
    expect(jsonDepth('{"a":[1,{"b":"[[[[\\"{{"}]}')).toBe(3);
    expect(jsonDepth("[".repeat(100_000) + "]".repeat(100_000))).toBe(100_000);
    expect(() => parseJsonObject(`{"e":${"[".repeat(5000)}${"]".repeat(5000)}}`)).toThrow(InputError);
  });

  it("takes JSON only where JSON, forms only where forms, with a size cap", async () => {
    expect(await readBody(req('{"a":1}', "application/json; charset=utf-8"), { accept: "json" })).toEqual({ a: 1 });
    expect(await readBody(req("a=1&a=2&b=x", "application/x-www-form-urlencoded"), { accept: "form" })).toEqual({ a: ["1", "2"], b: "x" });
    expect(await readBody(req(null), { accept: "json" })).toEqual({});
    const status = async (r: Request, accept: "json" | "form" | "json-or-form", maxBytes?: number) =>
      readBody(r, { accept, maxBytes }).then(
        () => 200,
        (e) => errorResponse(e).status,
      );
    expect(await status(req("a=1", "application/x-www-form-urlencoded"), "json")).toBe(415);
    expect(await status(req('{"a":1}', "application/json"), "form")).toBe(415);
    expect(await status(req('{"a":1}', "text/plain"), "json-or-form")).toBe(415);
    expect(await status(req('{"a":1}'), "json")).toBe(415);
    expect(await status(req("{", "application/json"), "json")).toBe(400);
    expect(await status(req("[1]", "application/json"), "json")).toBe(400);
    expect(await status(req("null", "application/json"), "json")).toBe(400);
    expect(await status(req(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), "application/json"), "json")).toBe(400);
    expect(await status(req("x".repeat(2000), "application/json"), "json", 1000)).toBe(413);
    const form = new FormData();
    form.append("f", new Blob(["x"]), "f.txt");
    expect(await status(new Request("http://x/", { method: "POST", body: form }), "form")).toBe(400);
  });
});
