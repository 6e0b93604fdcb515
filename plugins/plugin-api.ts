/**
 * The Opsdeck plugin API. A plugin knows one external system and talks to the portal only
 * through the types and helpers in this file: no app internals, no other plugin's files.
 *
 * No side effects and no SDKs here: this file is imported by every plugin and by the core.
 */
import type { Kysely } from "kysely";
import { z } from "zod";
import type { DemoWorld } from "./plugin-api-demo-world";
import type { Logger } from "./plugin-api-logger";
import type { TextScrubber } from "./plugin-api-scrubber";
import type { PluginDoctor } from "./plugin-api-doctor";
import type { ScheduledJob } from "./plugin-api-schedule";
import type { InputChoices } from "./plugin-api-inputs";
import type { ResolvedDeps, ServiceDeps, ServiceRef } from "./plugin-api-services";

export type Risk = "low" | "high" | "critical";
export type ProbeStatus = "ok" | "warn" | "critical" | "unknown";

export type { Logger } from "./plugin-api-logger";
export type { TextScrubber } from "./plugin-api-scrubber";

export * from "./plugin-api-secrets";
export * from "./plugin-api-durations";
export * from "./plugin-api-format";
export * from "./plugin-api-process";

/* ------------------------------------------------------------------- probes */

export interface Link {
  label: string;
  href: string;
}

export interface ProbeReading {
  /** The figure compared against thresholds; null when the reading has no single figure. */
  value: number | null;
  /** One line in the operator's words: "3 events still pending delivery". */
  summary: string;
  /** Rows behind the figure, shown in ::table widgets and expandable status cards. */
  rows?: Record<string, unknown>[];
  links?: Link[];
  /** Set only when the plugin knows better than the thresholds (e.g. a health doc that reports errors). */
  status?: ProbeStatus;
}

export interface ProbeContext {
  signal: AbortSignal;
  log: Logger;
  now(): Date;
}

export interface Thresholds {
  /** e.g. "> 0", ">= 2", "< 1", "== 0", optionally with "for 10m". */
  warn?: string;
  critical?: string;
}

export interface ProbeDefinition {
  /** Local name; the portal id is `<plugin>.<name>`. */
  id: string;
  title: string;
  description?: string;
  unit?: string;
  /** Sampling interval and cache lifetime, e.g. "1m". Default 1m. */
  every?: string;
  /** Read timeout, e.g. "5s". Default 5s. */
  timeout?: string;
  thresholds?: Thresholds;
  read(ctx: ProbeContext): Promise<ProbeReading>;
}

/** Declares a read-only probe. Probes never change anything. */
export function probe(def: ProbeDefinition): ProbeDefinition {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(def.id)) throw new Error(`probe id "${def.id}" must be kebab-case`);
  return def;
}

/* ------------------------------------------------------------------ actions */

export interface Actor {
  username: string;
  roles: string[];
}

export interface ActionContext {
  runId: string;
  actor: Actor;
  idempotencyKey: string;
  signal: AbortSignal;
  log(message: string): void;
  /** Report progress for long runs: done of total units. */
  progress(done: number, total?: number): void;
  /** Set when the operator pressed with break-glass: the written reason (the run is reviewed later). */
  breakGlassReason?: string;
  /** Re-reads these probes (`<plugin>.<name>`; unknown ids skipped) into the portal's cache now. Always set by the portal. */
  refreshProbes?(ids: readonly string[]): Promise<void>;
}

export interface PreviewContext {
  signal: AbortSignal;
  actor: Actor;
  breakGlassReason?: string;
  /**
   * Set when the preview is the dry run of a press (the run is being asked for), not the dialog's
   * look: what the press carries. A preview that knows the run would fail with it (e.g. no
   * precondition from an earlier preview) throws `ActionInputError`, and the press is refused
   * before anything is filed or reaches an approver.
   */
  press?: { precondition: string | null };
}

export interface ActionPreview {
  /** What will change, in the operator's words. */
  summary: string;
  /** How many records the run touches: the blast radius. */
  count?: number;
  before?: unknown;
  after?: unknown;
  rows?: Record<string, unknown>[];
  /** Opaque token the run checks (e.g. a document's update time) to refuse "changed since preview". */
  precondition?: string;
}

export interface ActionResult {
  summary: string;
  links?: Link[];
  rows?: Record<string, unknown>[];
  data?: unknown;
}

export interface ActionDefinition<I = any> {
  /** Local name; the portal id is `<plugin>.<name>`. */
  id: string;
  title: string;
  description?: string;
  input: z.ZodType<I>;
  /** Undeclared risk counts as "critical" (unsafe by default). */
  risk?: Risk;
  /** What one run acts on, for locks, rate limits and typed confirmation. Default: the action id. */
  target?(input: I): string;
  /** e.g. { max: 1, per: "10m" }: at most one run per target per 10 minutes. */
  rateLimit?: { max: number; per: string };
  timeout?: string;
  /** True when run() honours ctx.signal, so the run page offers "cancel". */
  cancellable?: boolean;
  preview?(input: I, ctx: PreviewContext): Promise<ActionPreview>;
  run(input: I & { precondition?: string }, ctx: ActionContext): Promise<ActionResult>;
  /**
   * Choices for input fields, read live: the dialog offers them as a list instead of a text box
   * (e.g. the backups a restore may use). `input` is what the form holds so far. A choice with
   * `refused` is shown but cannot be picked; preview() and run() must refuse it too.
   */
  options?: Record<string, (input: Partial<I>, ctx: { signal: AbortSignal }) => Promise<InputChoices>>;
}


/**
 * The error family (errors.ts): thrown from preview() or run(), `InputError` (or its older name
 * `ActionInputError`) means "bad input": the pipeline answers 400 with `fieldErrors` and audits the
 * press as `invalid` before anything runs. `UpstreamError` (the provider's words and status) and
 * any other error from preview() are an upstream failure: 502/503, audited as `upstream_failed`.
 */
export {
  ActionInputError,
  ConflictError,
  ForbiddenError,
  InputError,
  isPortalError,
  NotFoundError,
  PortalError,
  RateLimitedError,
  UnauthenticatedError,
  UnavailableError,
  UpstreamError,
  type FieldErrors,
  type PortalErrorOptions,
} from "./errors";

/** Declares a guarded action. Everything that changes state is an action with a declared risk. */
export function action<I>(def: ActionDefinition<I>): ActionDefinition<I> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(def.id)) throw new Error(`action id "${def.id}" must be kebab-case`);
  return def;
}

/* ------------------------------------------------------------------ plugins */

export * from "./plugin-api-services";
export * from "./plugin-api-schedule";
export * from "./plugin-api-demo-world";
export * from "./plugin-api-doctor";
export * from "./plugin-api-inputs";

/**
 * The portal's own store, for plugins that keep state (cron runs, backup catalog). A plugin's
 * tables are prefixed with its id (`cron_runs`) and created by the plugin's `migrations`.
 */
export interface PluginDatabase {
  dialect: "sqlite" | "postgres";
  db: Kysely<any>;
}

/** A plugin's schema change; run once at start, after the core's, on SQLite and PostgreSQL alike. */
export interface PluginMigration {
  up(db: Kysely<any>): Promise<void>;
}

export interface PluginSetupContext<C, D extends ServiceDeps = {}> {
  config: C;
  log: Logger;
  /** The services declared in `deps`, from the plugins that provide them (set up first). */
  deps: ResolvedDeps<D>;
  demo: boolean;
  dataDir: string;
  /** The portal's store (always set by the portal; unit tests may leave it out). */
  database?: PluginDatabase;
  /** The demo world, in demo mode only. */
  world?: DemoWorld;
  /**
   * The portal's one scrubber: every configured secret of every plugin, the portal's own (session
   * secret, keys, the store's password) and their derived forms become "[redacted]". Text from
   * outside that a plugin stores or shows (a job's output, an endpoint's answer) goes through it
   * first. Always set by the portal; unit tests may leave it out.
   */
  scrubber?: TextScrubber;
  /**
   * Runs `job.run` on a cron schedule once the portal has started. Each tick is claimed in the
   * portal's store first, so with several instances on one store a tick runs once, on the
   * instance that claimed it. Always set by the portal; unit tests may leave it out.
   */
  schedule?(job: ScheduledJob): void;
  /** Keyed fingerprints of values (appenv): equality and change without keeping a value. Always set by the portal. */
  fingerprints?: ValueFingerprints;
}

export interface ValueFingerprints {
  /** HMAC-SHA256 of a value with the portal's fingerprint key (a file in the data folder, never in the database). */
  of(value: string): string;
  /**
   * The fingerprint of a configured secret named "<plugin>.<key path>" (e.g. "stripe.webhookSecret"),
   * made by the portal with the same key; null when no such secret is configured. The value itself
   * is never handed to the caller.
   */
  secret(ref: string): string | null;
}


export interface PluginInstance {
  probes?: ProbeDefinition[];
  actions?: ActionDefinition[];
  /** Services this plugin offers, by ref id, built with `provide()`; each among the definition's `provides`. */
  provides?: Record<string, unknown>;
  stop?(): Promise<void>;
}

export interface DemoSetup<C> {
  /** Raw config (validated like any other) pointing the plugin at its local sandbox. */
  config: unknown;
  stop(): Promise<void>;
  /** Optional: narrow the config type for callers. */
  _?: C;
}

export interface PluginDefinition<C = any, D extends ServiceDeps = any> {
  /** Equals the plugin's folder name. */
  id: string;
  title: string;
  description?: string;
  config: z.ZodType<C>;
  /** The services this plugin may provide (refs from its api.ts), so the portal orders setup and names providers. */
  provides?: ServiceRef<any, boolean>[];
  /** The services it uses, received in `setup({ deps })`; a required one that no plugin provides refuses the start. */
  deps?: D;
  /** Demo mode: start a local sandbox seeded with realistic trouble and return config for it. */
  demo?(ctx: { dataDir: string; log: Logger; world?: DemoWorld }): Promise<DemoSetup<C>>;
  /** Schema changes for the plugin's own tables (`<id>_…`), by name; names sort in run order. */
  migrations?: Record<string, PluginMigration>;
  setup(ctx: PluginSetupContext<C, D>): PluginInstance | Promise<PluginInstance>;
  /** `npm run doctor` and the Setup page: one real, read-only call per credential, each a check with its fix. */
  doctor?: PluginDoctor<C>;
}

export function definePlugin<C, D extends ServiceDeps = {}>(def: PluginDefinition<C, D>): PluginDefinition<C, D> {
  if (!/^[a-z][a-z0-9-]*$/.test(def.id)) throw new Error(`plugin id "${def.id}" must be kebab-case`);
  return def;
}
