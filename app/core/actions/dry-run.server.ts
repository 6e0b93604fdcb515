import { InputError, UnavailableError, UpstreamError, type ActionPreview, type PreviewContext } from "../../../plugins/plugin-api";
import { scrub } from "../secrets/index.server";
import { errorText } from "../audit/audit.server";
import type { RegisteredAction } from "../plugins/registry.server";
import type { Portal } from "../portal.server";
import type { Actorish } from "./policy.server";

export type DryRun =
  | { kind: "none" }
  | { kind: "ok"; preview: ActionPreview }
  /** The plugin refused the input (`InputError`, or its older name `ActionInputError`): the press stops as `invalid`, 400. */
  | { kind: "invalid"; error: string; fieldErrors: Record<string, string[]> }
  /** The provider failed or refused us (401, 429, 5xx, timeout): 502/503 with its words; nothing about the input. */
  | { kind: "upstream"; error: string; providerStatus: number | null; timedOut: boolean };

const PREVIEW_TIMEOUT_MS = 10_000;

export function isActionInputError(err: unknown): err is InputError {
  return err instanceof InputError || (err instanceof Error && (err.name === "ActionInputError" || err.name === "InputError"));
}

/**
 * A dry run the provider failed, as the error the press is refused with: `UpstreamError` (502, or
 * 503 when the provider rate-limits, is down or the dry run timed out) with the provider's words
 * after `prefix`, `upstream: true` and its status.
 */
export function upstreamRefusal(dry: Extract<DryRun, { kind: "upstream" }>, prefix: string, body: Record<string, unknown> = {}): UpstreamError {
  return new UpstreamError(`${prefix}${dry.error}`, { providerStatus: dry.providerStatus, timedOut: dry.timedOut, body: { ...body, upstream: true, providerStatus: dry.providerStatus } });
}

/** Runs the action's preview (no side effects) with a timeout, and sorts its failure into input vs upstream. */
export async function runPreview(
  portal: Portal,
  reg: RegisteredAction,
  input: unknown,
  user: Actorish,
  secrets: readonly string[],
  breakGlassReason?: string,
  press?: PreviewContext["press"],
): Promise<DryRun> {
  if (!reg.def.preview) return { kind: "none" };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`the dry run timed out after ${PREVIEW_TIMEOUT_MS / 1000}s`)), PREVIEW_TIMEOUT_MS);
  try {
    const preview = await Promise.race([
      reg.def.preview(input, { signal: controller.signal, actor: { username: user.username, roles: [...user.roles] }, ...(breakGlassReason ? { breakGlassReason } : {}), ...(press ? { press } : {}) }),
      new Promise<never>((_, reject) => controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true })),
    ]);
    return { kind: "ok", preview: scrub(preview, secrets) };
  } catch (err) {
    const error = errorText(err, secrets);
    if (isActionInputError(err)) {
      const given = (err as InputError).fieldErrors;
      const fieldErrors = given && Object.keys(given).length ? scrub(given, secrets) : { input: [error] };
      return { kind: "invalid", error, fieldErrors };
    }
    // The provider's status is what an `UpstreamError` says it is; a plugin that cannot serve at all
    // (`UnavailableError`, e.g. the sql service withheld) answers as an unavailable one; anything else has none.
    const providerStatus = err instanceof UpstreamError ? err.providerStatus : err instanceof UnavailableError ? 503 : null;
    portal.log.warn({ action: reg.id, error, providerStatus }, "preview failed upstream");
    return { kind: "upstream", error, providerStatus, timedOut: controller.signal.aborted };
  } finally {
    clearTimeout(timer);
  }
}
