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

  it("finds a Response built in a file, and the edge's answer builders it imports", () => {
    expect(answersBuiltIn('throw new Response("no", { status: 404 });')).toEqual(["new Response("]);
    expect(answersBuiltIn("return Response.json({ ok: true });")).toEqual(["Response.json("]);
    expect(answersBuiltIn('import { answerData, InputError, readBody } from "../http/index.server";')).toEqual(["answerData from ../http/index.server"]);
    expect(answersBuiltIn('import {\n  errorResponse,\n  ForbiddenError,\n} from "./http/errors.server";')).toEqual(["errorResponse from ./http/errors.server"]);
    expect(answersBuiltIn('import { orErrorResponse as mapped } from "~/core/http/index.server";')).toEqual(["orErrorResponse from ~/core/http/index.server"]);
    expect(answersBuiltIn('import { InputError, NotFoundError } from "../http/errors.server";\nlet res: Response;')).toEqual([]);
  });

  it("core returns plain data and throws the error family: no Response built, no edge answer used below the HTTP edge", () => {
    const edge = path.join(ROOT, "app/core/http") + path.sep;
    const offenders = sources(path.join(ROOT, "app/core"))
      .filter((file) => !file.startsWith(edge) && !/\.test\.tsx?$/.test(file))
      .flatMap((file) => {
        const rel = path.relative(ROOT, file).split(path.sep).join("/");
        return answersBuiltIn(fs.readFileSync(file, "utf8"))
          .filter((what) => !(KNOWN_THROWN_ANSWERS[rel] ?? []).some((name) => what.startsWith(`${name} from `)))
          .map((what) => `${rel}: ${what}`);
      });
    expect(offenders).toEqual([]);
  });
});

/** The HTTP edge's functions that build a Response (app/core/http); core answers with plain data and the error family instead. */
const EDGE_ANSWERS = ["answerRun", "answerData", "answerIntent", "answerJson", "errorResponse", "orErrorResponse", "handle", "signInRequired", "roleRequired"];

/**
 * The one exception, until every route maps a thrown `UnauthenticatedError`: `requireUser` and
 * `requireRole` (called first in ~46 loaders and actions) throw the edge's sign-in redirect / 401
 * and 403 answers, which Remix sends as they are from any loader or action.
 */
const KNOWN_THROWN_ANSWERS: Record<string, string[]> = { "app/core/auth.server.ts": ["signInRequired", "roleRequired"] };

/** What a source builds as an HTTP answer: Responses made in it, PipelineResponse, and the edge's answer builders it imports. */
function answersBuiltIn(text: string): string[] {
  const found: string[] = [];
  if (/\bPipelineResponse\b/.test(text)) found.push("PipelineResponse");
  for (const m of text.matchAll(/\bnew Response\(|\bResponse\.(?:json|redirect|error)\(/g)) found.push(m[0]);
  for (const m of text.matchAll(/^\s*(?:import|export)\s*\{([^}]*)\}\s*from\s*["']([^"']*\/http\/[^"']*)["']/gm)) {
    const names = m[1].split(",").map((n) => n.trim().replace(/^type\s+/, "").split(/\s+as\s+/)[0]);
    for (const name of names) if (EDGE_ANSWERS.includes(name)) found.push(`${name} from ${m[2]}`);
  }
  return found;
}
