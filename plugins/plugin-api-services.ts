// Part of the plugin API (re-exported by plugins/plugin-api.ts, which plugins import): typed services
// between plugins. No side effects and no SDKs.

/**
 * What one plugin offers others (Backstage-style), instead of imports. A dependency on a service:
 * a `ServiceRef` (required: no provider refuses the start) or `ref.optional()`.
 */
export interface ServiceDep<T = unknown, M extends boolean = boolean, R extends boolean = boolean> {
  readonly id: string;
  /** Several plugins may provide it at once, each named by its plugin id (the `orders` ledger). */
  readonly multiple: M;
  readonly required: R;
  /** Carries the service's type; never set. */
  readonly __service?: T;
}

/** A typed service reference, declared beside its provider (`plugins/<id>/api.ts`). */
export interface ServiceRef<T = unknown, M extends boolean = boolean> extends ServiceDep<T, M, true> {
  /** The same service as an optional dependency: `undefined` (or an empty set) when not provided. */
  optional(): ServiceDep<T, M, false>;
}

export function createServiceRef<T>(opts: { id: string; multiple?: false }): ServiceRef<T, false>;
export function createServiceRef<T>(opts: { id: string; multiple: true }): ServiceRef<T, true>;
export function createServiceRef<T>(opts: { id: string; multiple?: boolean }): ServiceRef<T, boolean> {
  const multiple = opts.multiple ?? false;
  return { id: opts.id, multiple, required: true, optional: () => ({ id: opts.id, multiple, required: false }) };
}

/** Every provider of a multi-provider service; consumers choose (e.g. reconcile's `ledger` input). */
export interface ServiceSet<T> {
  /** The service of one provider plugin, or the first provider's (setup order) without an id. */
  get(pluginId?: string): T | undefined;
  all(): { pluginId: string; service: T }[];
}

export function serviceSet<T>(providers: { pluginId: string; service: T }[]): ServiceSet<T> {
  return { get: (id) => (id === undefined ? providers[0] : providers.find((p) => p.pluginId === id))?.service, all: () => [...providers] };
}

export type ServiceDeps = Record<string, ServiceDep<any, boolean, boolean>>;
/** What `setup({ deps })` receives for each declared dependency. */
export type ResolvedDeps<D extends ServiceDeps> = {
  [K in keyof D]: D[K] extends ServiceDep<infer T, infer M, infer R> ? (M extends true ? ServiceSet<T> : R extends true ? T : T | undefined) : never;
};

/** One entry of `PluginInstance.provides`: `provides: { ...provide(sqlRef, runner) }`. */
export function provide<T>(ref: ServiceRef<T, boolean>, service: T): Record<string, T> {
  return { [ref.id]: service };
}
