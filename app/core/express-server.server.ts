// The portal's Express server: the middleware in front of the Remix routes (cross-origin refusal,
// body caps, token-only identity routes, cron pings, metrics) and startPortal(), which boots the
// portal and listens. server/index.js calls it through the build; the helpers routes use to read
// requests and answer errors are app/core/http/.
import http from "node:http";
import path from "node:path";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import { matchRoutes, type AgnosticRouteObject } from "@remix-run/router";
import compression from "compression";
import express from "express";
import { PEER_HEADER, PROTO_HEADER } from "./auth.server";
import { ping } from "./db/store.server";
import { DRAIN_BYTES, MAX_BODY_BYTES } from "./http/body.server";
import { metrics, routeLabel } from "./metrics.server";
import { bootPortal, type BootOptions } from "./boot.server";
import { answerPing, pingPath } from "./cron-pings.server";
import { cronPingsRef, type CronPingService } from "../../plugins/cron/api";
import type { Portal } from "./portal.server";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses state-changing requests that a browser sent from another origin (CSRF).
 * Requests that carry a bearer token and no cookie hold no ambient credentials and pass.
 * An origin is scheme, host and port: `http://portal` posting to `https://portal` is another
 * origin (a page served over plain HTTP on the same name could be anyone's). `protocolOf` says
 * how this request reached the portal (X-Forwarded-Proto only from a trusted proxy); it is asked
 * only when the request names an origin.
 */
export function isCrossOrigin<R extends Pick<http.IncomingMessage, "method" | "headers">>(req: R, allowed: readonly string[], protocolOf: (req: R) => string): boolean {
  if (SAFE_METHODS.has(req.method ?? "GET")) return false;
  if (req.headers.authorization && !req.headers.cookie) return false;
  const host = req.headers.host;
  const origin = req.headers.origin ?? (req.headers.referer ? safeOrigin(req.headers.referer) : undefined);
  if (origin && origin !== "null") {
    if (allowed.includes(origin)) return false;
    try {
      return !host || new URL(origin).origin !== new URL(`${protocolOf(req)}://${host}`).origin;
    } catch {
      return true;
    }
  }
  if (origin === "null") return true;
  const site = req.headers["sec-fetch-site"];
  return site === "cross-site" || site === "same-site";
}

/**
 * The scheme a request arrived with, as Express's `req.protocol` computes it: TLS on the socket,
 * or the first X-Forwarded-Proto when the peer is a trusted proxy (`trust` is Express's compiled
 * "trust proxy fn").
 */
export function requestProtocol(req: http.IncomingMessage, trust: (address: string | undefined, hop: number) => boolean): string {
  const own = (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
  if (!trust(req.socket.remoteAddress, 0)) return own;
  const header = req.headers["x-forwarded-proto"];
  const first = (Array.isArray(header) ? header[0] : header)?.split(",")[0]?.trim();
  return first || own;
}

function safeOrigin(referer: string): string | undefined {
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

/** Routes that change identity (users, roles, tokens): a signed-in session only, never an API token. */
export const IDENTITY_ROUTES = new Set(["routes/admin.users", "routes/settings.tokens"]);

/** The route ids a path reaches, matched exactly as Remix matches them (case, encoding, slashes). */
export function routeMatcher(build: Pick<ServerBuild, "routes">): (pathname: string) => string[] {
  const byParent = new Map<string | undefined, ServerBuild["routes"][string][]>();
  for (const r of Object.values(build.routes)) {
    const list = byParent.get(r.parentId) ?? [];
    list.push(r);
    byParent.set(r.parentId, list);
  }
  const tree = (parentId?: string): AgnosticRouteObject[] =>
    (byParent.get(parentId) ?? []).map((r) =>
      r.index ? { id: r.id, path: r.path, index: true, caseSensitive: r.caseSensitive } : { id: r.id, path: r.path, caseSensitive: r.caseSensitive, children: tree(r.id) },
    );
  const routes = tree(undefined);
  return (pathname) => (matchRoutes(routes, pathname) ?? []).map((m) => m.route.id as string);
}

/**
 * Refuses a state-changing request to an identity route that carries an API token (403), before
 * Remix sees it: the route's own `requireSession` says the same, this holds it at the edge.
 */
export function isTokenOnIdentityRoute(req: express.Request, matchIds: (pathname: string) => string[]): boolean {
  if (SAFE_METHODS.has(req.method) || !/^Bearer\s/i.test(req.headers.authorization ?? "")) return false;
  return matchIds(req.path).some((id) => IDENTITY_ROUTES.has(id));
}

/**
 * Reads at most `max` + 1 bytes of a body (one more than kept, so the reader knows it was cut);
 * the rest is read and dropped so the connection stays usable.
 */
function readCappedNodeBody(req: http.IncomingMessage, max: number): Promise<string | null> {
  if (SAFE_METHODS.has(req.method ?? "GET") || max <= 0) {
    req.resume();
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      if (size > max) return;
      chunks.push(chunk);
      size += chunk.length;
    });
    req.on("end", () => resolve(size ? Buffer.concat(chunks).subarray(0, max + 1).toString("utf8") : null));
    req.on("error", reject);
  });
}

/** One answered request: the duration histogram by route, and the request log line (not for static builds). */
function recordRequest(log: Portal["log"], method: string, pathname: string, status: number, started: bigint): void {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  metrics().httpDuration.observe({ method, route: routeLabel(pathname), status: String(status) }, seconds);
  if (!pathname.startsWith("/build/")) log.info({ method, path: pathname, status, ms: Math.round(seconds * 1000) }, "request");
}

/**
 * The portal's request handler: cron pings first, then the Express app (every other request).
 *
 * Pings are answered here, before Express, Remix and the identity-route check (which matches every
 * bearer POST against the route tree): a job's ping is tiny and frequent, and Express's per-request
 * work (prototype swaps, the middleware chain's closures) cost more than storing the ping, and
 * made a busy intake's garbage outlive the young generation. The edge's rules still hold for
 * them: a cross-origin browser request or an oversized body goes on to the app, whose edge refuses
 * it; an accepted ping gets the request metric and log line like any request. The Remix routes
 * (routes/api.cron.$ and routes/ping.$) hold the same contract for whatever this passes on.
 */
export function createPortalHandler(portal: Portal, build: ServerBuild): http.RequestListener {
  const app = createPortalApp(portal, build);
  const { log, config } = portal;
  const trust = app.get("trust proxy fn") as (address: string | undefined, hop: number) => boolean;
  const protocolOf = (r: http.IncomingMessage) => requestProtocol(r, trust);
  return (req, res) => {
    const url = req.url ?? "/";
    if (!url.startsWith("/api/cron/") && !url.startsWith("/ping/")) return void app(req, res);
    const q = url.indexOf("?");
    const pathname = q < 0 ? url : url.slice(0, q);
    const parts = pingPath(req.method ?? "GET", pathname);
    if (!parts) return void app(req, res);
    const started = process.hrtime.bigint();
    const send = (status: number, body: unknown, headers: Record<string, string>) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "Cache-Control": "no-store", ...headers, "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text), "X-Content-Type-Options": "nosniff" });
      res.end(text);
      recordRequest(log, req.method ?? "GET", pathname, status, started);
    };
    // A cross-origin browser request or a body over the cap: the app's edge refuses it (403, 413).
    if (isCrossOrigin(req, config.server.allowedOrigins, protocolOf) || (!SAFE_METHODS.has(req.method ?? "GET") && Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES)) return void app(req, res);
    const service = portal.registry.services.get(cronPingsRef) ?? null;
    const rid = q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get("rid");
    readCappedNodeBody(req, service?.maxBodyBytes ?? 0)
      .then((body) => answerPing(service, parts, { authorization: req.headers.authorization, rid, body }))
      .then((out) => send(out.status, out.body, out.headers))
      .catch((err: unknown) => {
        log.error({ err, path: pathname }, "cron ping failed");
        if (!res.headersSent) send(500, { error: "the ping could not be stored" }, {});
        else res.destroy();
      });
  };
}

export function createPortalApp(portal: Portal, build: ServerBuild): express.Express {
  const app = express();
  const { log, config } = portal;
  app.disable("x-powered-by");
  app.set("trust proxy", config.server.trustProxy);

  // Internal headers: drop anything a client sent, then set them from the connection itself.
  app.use((req, _res, next) => {
    delete req.headers[PEER_HEADER];
    delete req.headers[PROTO_HEADER];
    req.headers[PEER_HEADER] = (req.ip ?? req.socket.remoteAddress ?? "unknown").replace(/^::ffff:/, "");
    req.headers[PROTO_HEADER] = req.protocol;
    next();
  });

  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.on("finish", () => recordRequest(log, req.method, req.path, res.statusCode, start));
    next();
  });

  app.use((req, res, next) => {
    if (isCrossOrigin(req, config.server.allowedOrigins, (r) => r.protocol)) {
      log.warn({ method: req.method, path: req.path, origin: req.headers.origin }, "cross-origin request refused");
      res.status(403).type("application/json").send(JSON.stringify({ error: "cross-origin request refused" }));
      return;
    }
    next();
  });

  // A declared body over the cap is refused before any route reads it: drained (up to a bound, so
  // the client sees the answer rather than a reset), then 413.
  app.use((req, res, next) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (SAFE_METHODS.has(req.method) || !(declared > MAX_BODY_BYTES)) return next();
    const answer = () => {
      if (res.headersSent) return;
      res.status(413).set("Connection", "close").type("application/json").send(JSON.stringify({ error: `the body is larger than ${MAX_BODY_BYTES} bytes`, fieldErrors: { body: [`at most ${MAX_BODY_BYTES} bytes`] } }));
    };
    if (declared > DRAIN_BYTES) {
      answer();
      req.destroy();
      return;
    }
    req.on("end", answer);
    req.on("error", () => req.destroy());
    req.resume();
  });

  const matchIds = routeMatcher(build);
  app.use((req, res, next) => {
    if (isTokenOnIdentityRoute(req, matchIds)) {
      log.warn({ method: req.method, path: req.path }, "API token refused on an identity route");
      res.status(403).type("application/json").send(JSON.stringify({ error: "forbidden: changing users, roles or tokens needs a signed-in session; API tokens cannot do it", fieldErrors: {} }));
      return;
    }
    next();
  });

  app.use((_req, res, next) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "same-origin");
    res.setHeader("X-Frame-Options", "DENY");
    next();
  });

  app.get("/healthz", async (_req, res) => {
    try {
      await ping(portal.store);
      res.json({ status: "ok", demo: portal.demo.enabled, store: portal.store.dialect, startedAt: portal.startedAt.toISOString(), plugins: portal.registry.plugins.map((p) => p.id) });
    } catch (err) {
      res.status(503).json({ status: "unavailable", error: "store unreachable" });
    }
  });

  app.get("/metrics", async (_req, res) => {
    res.type(metrics().registry.contentType).send(await metrics().registry.metrics());
  });

  app.use(compression({ filter: (req, res) => !String(res.getHeader("content-type") ?? "").includes("text/event-stream") && compression.filter(req, res) }));
  // The checkout's public/ folder, not the start folder's (OPSDECK_CWD may point elsewhere).
  const publicDir = path.join(process.env.OPSDECK_ROOT ?? process.cwd(), "public");
  // A build made with OPSDECK_BUILD_DIR keeps its browser assets beside it (remix.config.js).
  const assetsDir = process.env.OPSDECK_BUILD_DIR
    ? path.join(path.resolve(process.env.OPSDECK_ROOT ?? process.cwd(), process.env.OPSDECK_BUILD_DIR), "assets")
    : path.join(publicDir, "build");
  app.use("/build", express.static(assetsDir, { immutable: true, maxAge: "1y" }));
  app.use(express.static(publicDir, { maxAge: "1h" }));
  app.all("*", createRequestHandler({ build, mode: process.env.NODE_ENV }));
  return app;
}

export interface StartOptions extends BootOptions {
  port?: number;
}

/** Boots the portal and serves it; resolves once listening. SIGTERM/SIGINT drain and stop. */
export async function startPortal(build: ServerBuild, options: StartOptions = {}): Promise<{ portal: Portal; server: http.Server; port: number }> {
  const portal = await bootPortal(options);
  const server = http.createServer(createPortalHandler(portal, build));
  const port = options.port ?? portal.config.server.port;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, portal.config.server.host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  portal.log.info({ port: actualPort, demo: portal.demo.enabled, store: portal.store.location }, "Opsdeck is listening");

  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    portal.log.info({ signal }, "shutting down");
    server.close();
    server.closeIdleConnections?.();
    const force = setTimeout(() => server.closeAllConnections?.(), 10_000);
    force.unref();
    await portal.shutdown();
    process.exit(0);
  };
  process.once("SIGTERM", () => void close("SIGTERM"));
  process.once("SIGINT", () => void close("SIGINT"));
  return { portal, server, port: actualPort };
}
