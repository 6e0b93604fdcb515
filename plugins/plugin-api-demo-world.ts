// Part of the plugin API (re-exported by plugins/plugin-api.ts, which plugins import): the demo world
// every sandbox talks about. No side effects.
import type { Logger } from "./plugin-api-logger";
import type { ShopCatalog } from "./plugin-api-demo-shop";

export type { ShopCatalog, ShopOrder, ShopStory } from "./plugin-api-demo-shop";

export interface DemoRequest {
  method: string;
  /** Path and query, e.g. "/webhooks/stripe?x=1". */
  url: string;
  headers: Record<string, string | undefined>;
  /** The raw body, untouched (signatures are computed over it). */
  body: Buffer;
}

export interface DemoResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer | object;
}

/** One request the shop's server answered, as an APM agent in the shop would see it. */
export interface DemoServedRequest {
  method: string;
  /** The route that answered: the exact path, or a prefix route as registered (e.g. "/api/account/*"). */
  route: string;
  status: number;
  /** When the request started (epoch ms) and how long the handler took. */
  at: number;
  durationMs: number;
}

/**
 * The demo world (demo mode only): one simulated shop that every sandbox talks about. It runs an
 * HTTP server (webhook receivers, cron endpoints, metrics) and holds named handles shared between
 * the sandboxes (`world.provide("postgres.url", …)`, `await world.waitFor("postgres.url")`).
 * Modules of the shop live in `demo/`; a plugin's demo() receives the world and may add to it.
 */
export interface DemoWorld {
  /** Base URL of the shop's HTTP server, e.g. http://127.0.0.1:41234 */
  readonly shopUrl: string;
  readonly dataDir: string;
  /** The portal's own base URL (for sandboxes that scrape or call it), e.g. http://127.0.0.1:3000 */
  readonly portalUrl: string;
  /** The shop's story (orders, trouble, Stripe test key) that every sandbox seeds from. */
  readonly catalog: ShopCatalog;
  /** Adds a route to the shop's server; `path` is exact, or ends in `/*` for a prefix. */
  route(method: string, path: string, handler: (req: DemoRequest) => Promise<DemoResponse> | DemoResponse): void;
  provide(name: string, value: unknown): void;
  get<T>(name: string): T | undefined;
  /** Resolves once `name` is provided (rejects after timeoutMs, default 30 s). */
  waitFor<T>(name: string, timeoutMs?: number): Promise<T>;
  /** Runs on shutdown, in reverse order. */
  onStop(fn: () => Promise<void> | void): void;
  /** Calls `fn` after each request the shop's server answered (e.g. the Sentry sandbox's transactions). */
  onServed(fn: (r: DemoServedRequest) => void): void;
  log: Logger;
}
