const BASE = "http://opsdeck.invalid";

/**
 * A redirect target, only when it is a path on this site after the browser's own URL
 * normalisation: control characters (tab, newline — browsers strip them, turning `/\t/evil.com`
 * into `//evil.com`) and backslashes are refused outright, then the URL is resolved against a
 * fixed origin and must stay on it. The answer is the normalised path, safe for a Location header.
 */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/"): string {
  if (typeof to !== "string" || !to.startsWith("/") || to.length > 2000) return fallback;
  if (/[\u0000-\u001f\u007f\\]/.test(to)) return fallback;
  let url: URL;
  try {
    url = new URL(to, BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE) return fallback;
  const path = url.pathname + url.search + url.hash;
  return path.startsWith("//") ? fallback : path;
}
