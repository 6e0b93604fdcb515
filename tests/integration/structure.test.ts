import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return /\.(ts|tsx)$/.test(e.name) ? [full] : [];
  });
}

/** Lines that import a value (not `import type`) from a module. */
function valueImportsOf(text: string, module: string): string[] {
  const quoted = new RegExp(`from\\s+["']${module.replace(/[/.]/g, "\\$&")}["']`);
  return [...text.matchAll(/^\s*(?:import|export)\s[\s\S]*?from\s+["'][^"']+["'];?/gm)]
    .map((m) => m[0].trim())
    .filter((stmt) => quoted.test(stmt) && !/^(import|export)\s+type\s/.test(stmt) && !/^import\s*\{\s*(type\s+[\w$]+\s*,?\s*)+\}/.test(stmt));
}

describe("structure: core answers with plain data", () => {
  it("finds a value import of @remix-run/node, and passes a type-only one", () => {
    expect(valueImportsOf('import { json } from "@remix-run/node";', "@remix-run/node")).toHaveLength(1);
    expect(valueImportsOf('import {\n  redirect,\n  type TypedResponse,\n} from "@remix-run/node";', "@remix-run/node")).toHaveLength(1);
    expect(valueImportsOf('import type { ServerBuild } from "@remix-run/node";', "@remix-run/node")).toEqual([]);
    expect(valueImportsOf('import { type ServerBuild } from "@remix-run/node";', "@remix-run/node")).toEqual([]);
  });

  it("no module below the routes imports @remix-run/node values, except the HTTP edge (app/core/http)", () => {
    const edge = path.join(ROOT, "app/core/http") + path.sep;
    const offenders = [...sources(path.join(ROOT, "app/core")), ...sources(path.join(ROOT, "app/lib")), ...sources(path.join(ROOT, "plugins"))]
      .filter((file) => !file.startsWith(edge))
      .filter((file) => valueImportsOf(fs.readFileSync(file, "utf8"), "@remix-run/node").length > 0)
      .map((file) => path.relative(ROOT, file));
    expect(offenders).toEqual([]);
  });

  it("core returns plain data and throws the error family: no PipelineResponse and no Response built below the HTTP edge", () => {
    const edge = path.join(ROOT, "app/core/http") + path.sep;
    const offenders = sources(path.join(ROOT, "app/core"))
      .filter((file) => !file.startsWith(edge) && !/\.test\.tsx?$/.test(file))
      .flatMap((file) => {
        const text = fs.readFileSync(file, "utf8");
        const found = [/\bPipelineResponse\b/.test(text) ? "PipelineResponse" : null, /\bnew Response\(/.test(text) ? "new Response(" : null].filter(Boolean);
        return found.map((what) => `${path.relative(ROOT, file)}: ${what}`);
      });
    expect(offenders).toEqual([]);
  });
});
