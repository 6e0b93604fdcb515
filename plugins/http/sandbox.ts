import http from "node:http";
import type { AddressInfo } from "node:net";
import type { DemoWorld } from "../plugin-api";

export interface SandboxRoute {
  status: number;
  body: unknown;
  delayMs?: number;
}

/**
 * A local server that answers like the health endpoints the runbooks describe, seeded with
 * realistic trouble: one slow endpoint and one failing one. `POST /__sandbox/routes` replaces a
 * route's answer (tests and demos flip a source from healthy to failing with it).
 */
export async function startHttpSandbox(): Promise<{ url: string; routes: Map<string, SandboxRoute>; hits: Map<string, number>; stop(): Promise<void> }> {
  const routes = new Map<string, SandboxRoute>([
    ["/api/health", { status: 200, body: { status: "healthy" } }],
    [
      "/api/auth/health",
      {
        status: 200,
        body: {
          status: "healthy",
          timestamp: new Date().toISOString(),
          environment: "production",
          auth: { sessionStatus: "active", hasUser: true },
          supabase: { url: "configured", key: "configured", serviceKey: "configured" },
        },
      },
    ],
    // Slow: the tax-authority integration answers, but takes over two seconds.
    ["/api/hmrc/health", { status: 200, body: { status: "healthy", env: "production" }, delayMs: 2500 }],
    // Failing: the worker backend lost its Redis connection.
    ["/health", { status: 503, body: { status: "unhealthy", services: { redis: false, stripe: true } } }],
  ]);
  const hits = new Map<string, number>();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://sandbox");
    if (req.method === "POST" && url.pathname === "/__sandbox/routes") {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => {
        try {
          const { path, ...route } = JSON.parse(raw) as SandboxRoute & { path: string };
          if (typeof path !== "string" || typeof route.status !== "number") throw new Error("path and status are required");
          routes.set(path, route);
          res.writeHead(204).end();
        } catch (err) {
          res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: String(err) }));
        }
      });
      return;
    }
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    const route = routes.get(url.pathname);
    if (!route) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));
      return;
    }
    const answer = () => {
      if (res.destroyed) return;
      res.writeHead(route.status, { "content-type": "application/json" }).end(req.method === "HEAD" ? undefined : JSON.stringify(route.body));
    };
    if (route.delayMs) setTimeout(answer, route.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    routes,
    hits,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** The demo checks, pointing at a running sandbox. */
export function demoChecks(base: string) {
  return {
    "app-health": { title: "App health (GET /api/health)", url: `${base}/api/health`, expectJson: { status: "healthy" }, every: "30s", latency: { warn: 2000, critical: 6000 }, timeout: "10s" },
    "auth-health": {
      title: "Auth and Supabase config (GET /api/auth/health)",
      url: `${base}/api/auth/health`,
      expectJson: { status: "healthy", "supabase.url": "configured", "supabase.serviceKey": "configured" },
      every: "30s",
      latency: { warn: 2000, critical: 6000 }, timeout: "10s",
    },
    "hmrc-health": { title: "HMRC integration (GET /api/hmrc/health)", url: `${base}/api/hmrc/health`, expectJson: { status: "healthy" }, every: "30s", latency: { warn: 2000, critical: 6000 }, timeout: "10s" },
    "backend-health": {
      title: "Worker backend (GET /health)",
      url: `${base}/health`,
      expectJson: { status: "healthy", "services.redis": true, "services.stripe": true },
      every: "30s",
      latency: { warn: 2000, critical: 6000 }, timeout: "10s",
    },
  };
}

/**
 * Demo mode: the shop's own server answers the same health paths from the sandbox's route table
 * (a flip through `/__sandbox/routes` shows on both), so the runbooks' health URLs on the shop's
 * public hosts have a real endpoint to read.
 */
export function serveHealthOnShop(world: DemoWorld, routes: Map<string, SandboxRoute>): void {
  for (const path of routes.keys()) {
    world.route("GET", path, async () => {
      const route = routes.get(path)!;
      if (route.delayMs) await new Promise((done) => setTimeout(done, route.delayMs));
      return { status: route.status, body: route.body as object };
    });
  }
}

/**
 * The public hosts the seed runbooks (read in demo mode) write for the
 * shop's frontend and its API backend; the portal reads them at the shop's address.
 */
export function demoServices(shopUrl: string) {
  return {
    shop: { url: shopUrl, hosts: ["app.recoup.com"] },
    "shop-api": { url: shopUrl, hosts: ["recoup-backend.onrender.com"] },
  };
}
