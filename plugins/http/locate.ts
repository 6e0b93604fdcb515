import type { HttpConfig } from "./config";

/** `base` + `path`, with one slash between them (a base may carry a path prefix). */
function join(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}${path.startsWith("/") ? path : `/${path}`}`;
}

/** The service a host-less path means: the runbook's, else `defaultService`, else the only one. */
function serviceFor(config: Pick<HttpConfig, "services" | "defaultService">, service: string | undefined): string | undefined {
  if (service) return service in config.services ? service : undefined;
  if (config.defaultService) return config.defaultService;
  const names = Object.keys(config.services);
  return names.length === 1 ? names[0] : undefined;
}

/** See `HttpCheckService.locate`: where a runbook's URL or host-less path is read, or undefined. */
export function locateTarget(config: Pick<HttpConfig, "services" | "defaultService">, target: string, service?: string): string | undefined {
  if (target.startsWith("/")) {
    const name = serviceFor(config, service);
    return name ? join(config.services[name]!.url, target) : undefined;
  }
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    return undefined;
  }
  if ((u.protocol !== "http:" && u.protocol !== "https:") || u.username || u.password) return undefined;
  const host = u.host.toLowerCase();
  for (const s of Object.values(config.services)) {
    if (s.hosts.some((h) => h.toLowerCase() === host || (!u.port && h.toLowerCase() === u.hostname.toLowerCase()))) return join(s.url, `${u.pathname}${u.search}`);
  }
  return undefined;
}
