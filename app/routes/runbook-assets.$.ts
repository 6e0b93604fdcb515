import fs from "node:fs";
import path from "node:path";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/core/auth.server";
import { runbooksDir } from "~/core/runbooks/runbooks.server";
import { cleanRunbookPath, fileInside } from "~/core/runbooks/source.server";

const TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".svg": "image/svg+xml",
};

// Images that runbooks show, from the runbooks folder only (no traversal, no other file types).
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const rel = cleanRunbookPath(params["*"]);
  const type = rel ? TYPES[path.extname(rel).toLowerCase()] : undefined;
  const abs = rel && type ? fileInside(runbooksDir(), rel) : null;
  if (!abs || !type) throw new Response("There is no runbook image at this address.", { status: 404 });
  const body = await fs.promises.readFile(abs);
  return new Response(body, {
    headers: {
      "Content-Type": type,
      "Content-Length": String(body.length),
      "Cache-Control": "private, max-age=300",
      "X-Content-Type-Options": "nosniff",
      // An SVG opened directly must not run scripts.
      "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    },
  });
}
