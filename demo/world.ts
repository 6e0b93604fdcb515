import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { DemoRequest, DemoResponse, DemoServedRequest, DemoWorld, Logger, ShopCatalog } from "../plugins/plugin-api";
import { SHOP_CATALOG } from "./shop/catalog";

type Handler = (req: DemoRequest) => Promise<DemoResponse> | DemoResponse;

const MAX_BODY = 1024 * 1024;

/**
 * The shop's HTTP server and the named handles its modules and the plugins' sandboxes share.
 * Routes are added by modules (`demo/shop/*`) and by plugins' demo() through `world.route()`.
 */
export async function createWorld(opts: { dataDir: string; log: Logger; portalUrl: string; catalog?: ShopCatalog }): Promise<{ world: DemoWorld; stop(): Promise<void> }> {
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const exact = new Map<string, Handler>();
  const prefixes: { method: string; prefix: string; handler: Handler }[] = [];
  const handles = new Map<string, unknown>();
  const waiters = new Map<string, ((v: unknown) => void)[]>();
  const stops: (() => Promise<void> | void)[] = [];
  const served: ((r: DemoServedRequest) => void)[] = [];
  const tellServed = (r: DemoServedRequest) => {
    for (const fn of served) {
      try {
        fn(r);
      } catch (err) {
        opts.log.warn({ err: String(err) }, "demo shop: a request observer failed");
      }
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end("body too large");
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", async () => {
      if (res.writableEnded) return;
      const method = (req.method ?? "GET").toUpperCase();
      const url = req.url ?? "/";
      const pathname = url.split("?")[0]!;
      const prefix = exact.has(`${method} ${pathname}`) ? undefined : prefixes.find((p) => (p.method === method || p.method === "*") && pathname.startsWith(p.prefix));
      const handler = exact.get(`${method} ${pathname}`) ?? prefix?.handler ?? exact.get(`* ${pathname}`);
      const route = prefix ? `${prefix.prefix}*` : pathname;
      const started = Date.now();
      if (handler) res.on("finish", () => tellServed({ method, route, status: res.statusCode, at: started, durationMs: Date.now() - started }));
      if (!handler) {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: `no route for ${method} ${pathname}` }));
        return;
      }
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : v;
      try {
        const out = await handler({ method, url, headers, body: Buffer.concat(chunks) });
        const body = out.body;
        const isJson = body !== undefined && typeof body === "object" && !Buffer.isBuffer(body);
        res.writeHead(out.status, { ...(isJson ? { "content-type": "application/json" } : {}), ...(out.headers ?? {}) });
        res.end(isJson ? JSON.stringify(body) : (body as string | Buffer | undefined));
      } catch (err) {
        opts.log.warn({ err: String(err), path: pathname }, "demo shop: handler failed");
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "internal error in the demo shop" }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const world: DemoWorld = {
    shopUrl: `http://127.0.0.1:${port}`,
    dataDir: opts.dataDir,
    portalUrl: opts.portalUrl,
    catalog: opts.catalog ?? SHOP_CATALOG,
    log: opts.log,
    route(method, path, handler) {
      const m = method.toUpperCase();
      if (path.endsWith("/*")) prefixes.push({ method: m, prefix: path.slice(0, -1), handler });
      else exact.set(`${m} ${path}`, handler);
    },
    provide(name, value) {
      handles.set(name, value);
      for (const resolve of waiters.get(name) ?? []) resolve(value);
      waiters.delete(name);
    },
    get<T>(name: string) {
      return handles.get(name) as T | undefined;
    },
    waitFor<T>(name: string, timeoutMs = 30_000) {
      if (handles.has(name)) return Promise.resolve(handles.get(name) as T);
      return new Promise<T>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`demo world: "${name}" was not provided within ${timeoutMs} ms`)), timeoutMs);
        t.unref();
        const list = waiters.get(name) ?? [];
        list.push((v) => {
          clearTimeout(t);
          resolve(v as T);
        });
        waiters.set(name, list);
      });
    },
    onStop(fn) {
      stops.push(fn);
    },
    onServed(fn) {
      served.push(fn);
    },
  };

  return {
    world,
    async stop() {
      for (const fn of stops.reverse()) {
        try {
          await fn();
        } catch (err) {
          opts.log.warn({ err: String(err) }, "demo world: error while stopping");
        }
      }
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * One part of the simulated shop (its Stripe webhook receiver, its database, its cron endpoints…).
 * A module starts before the plugins' demo() sandboxes; what it offers them it `provide`s on the
 * world, and what it needs from a sandbox started later it awaits with `world.waitFor`.
 */
export interface DemoModule {
  id: string;
  start(world: DemoWorld): Promise<void>;
}
