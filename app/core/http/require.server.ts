import { json, redirect } from "@remix-run/node";
import { safeRedirect } from "./redirect.server";

function wantsJson(request: Request): boolean {
  const url = new URL(request.url);
  return url.pathname.startsWith("/api/") || (request.headers.get("accept") ?? "").includes("application/json") || request.headers.has("authorization");
}

/** The answer to a request nobody signed in for: a redirect to sign-in (and back) for pages, 401 JSON for the API. */
export function signInRequired(request: Request): Response {
  if (wantsJson(request)) return json({ error: "authentication required" }, { status: 401 });
  const url = new URL(request.url);
  const back = safeRedirect(url.pathname + url.search, "");
  return redirect(back ? `/login?redirectTo=${encodeURIComponent(back)}` : "/login");
}

/** The 403 answer to a signed-in person who lacks `role`. */
export function roleRequired(role: string): Response {
  return json({ error: `forbidden: this needs the ${role} role` }, { status: 403, statusText: "Forbidden" });
}
