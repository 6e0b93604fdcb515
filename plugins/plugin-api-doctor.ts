import type { Logger } from "./plugin-api-logger";
import type { TextScrubber } from "./plugin-api-scrubber";

/**
 * One thing `npm run doctor` (and the Setup page) proved or could not prove about a configured
 * plugin: a real, read-only call against the provider, in the provider's words when it refuses.
 */
export interface DoctorCheck {
  /** What was checked, e.g. "account", "webhook endpoints", "site shop: project". */
  name: string;
  ok: boolean;
  /** What came back: the figure when ok, the provider's words when not. */
  detail: string;
  /** When not ok: the exact fix (the config key, the permission, the command). */
  fix?: string;
}

export interface DoctorContext<C> {
  /** The plugin's validated config section, as the portal would set it up. */
  config: C;
  log: Logger;
  /** Aborted when the doctor's time for this plugin is up. */
  signal: AbortSignal;
  /** Where the plugin keeps its files (as in setup). */
  dataDir: string;
  /** The portal's scrubber; the doctor scrubs every detail again before it leaves. */
  scrubber?: TextScrubber;
  /** The environment the config was loaded with (e.g. PATH for binaries). */
  env: Record<string, string | undefined>;
}

/** A plugin's self-check: never changes anything; each check is one read against the provider. */
export type PluginDoctor<C> = (ctx: DoctorContext<C>) => Promise<DoctorCheck[]>;

/** The message of anything thrown, for a check's detail. */
export function doctorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const code = cause && typeof cause === "object" && "code" in cause ? String((cause as { code: unknown }).code) : "";
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

/** Runs one read as a check: ok with the returned detail, or the problem with `fix`. */
export async function doctorCheck(name: string, fix: string | ((err: unknown) => string), read: () => Promise<string>): Promise<DoctorCheck> {
  try {
    return { name, ok: true, detail: await read() };
  } catch (err) {
    return { name, ok: false, detail: doctorMessage(err), fix: typeof fix === "function" ? fix(err) : fix };
  }
}
