import crypto from "node:crypto";

/** A fresh nonce for one page: its inline scripts (Remix's context, scroll restoration, streamed chunks) carry it. */
export function scriptNonce(): string {
  return crypto.randomBytes(16).toString("base64");
}

/**
 * The Content-Security-Policy of every page. Scripts only from this origin or carrying the page's
 * nonce (no 'unsafe-inline', no eval); styles may be inline (charts, KaTeX and mermaid's SVG set
 * style attributes and <style> elements); images from here or data: URLs; fetches and event
 * streams to this origin only; the page may not be framed, and <base> cannot move it elsewhere.
 */
export function contentSecurityPolicy(nonce: string, options: { dev?: boolean } = {}): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src 'self'${options.dev ? " ws:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}
