/**
 * The Opsdeck plugin API. A plugin knows one external system and talks to the portal only
 * through the types and helpers in this file: no app internals, no other plugin's files.
 *
 * No side effects and no SDKs here: this file is imported by every plugin and by the core.
 */
import type { Kysely } from "kysely";
import { z } from "zod";
import type { PluginDoctor } from "./plugin-api/doctor";

export type Risk = "low" | "high" | "critical";
export type ProbeStatus = "ok" | "warn" | "critical" | "unknown";

export interface Logger {
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

/* ------------------------------------------------------------------ secrets */

// Marked by definition, not instance: `.describe()` and `.meta()` return a clone sharing the
// definition, and a documented secret must stay a secret.
const secretDefs = new WeakSet<object>();
const defOf = (schema: z.ZodType): object => (schema as unknown as { _zod: { def: object } })._zod.def;

/** Marks a config field as secret: it is redacted from loaders, logs, errors and audit. */
export function secret<T extends z.ZodType>(schema: T): T {
  secretDefs.add(defOf(schema));
  return schema;
}

export function isSecretSchema(schema: z.ZodType): boolean {
  return secretDefs.has(defOf(schema));
}

/* ---------------------------------------------------------------- durations */

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "500ms", "5s", "1m", "10m", "1h", "14d" → milliseconds. Throws on anything else. */
export function parseDuration(text: string | number): number {
  if (typeof text === "number") return text;
  const m = DURATION.exec(text.trim());
  if (!m) throw new Error(`not a duration: "${text}" (use e.g. 30s, 5m, 1h, 14d)`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
}

export const DurationSchema = z.string().refine((v) => DURATION.test(v.trim()), {
  message: "must be a duration such as 30s, 5m, 1h or 14d",
});

/** Whether the runtime knows an IANA time zone name. */
export function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** A schedule's time zone (IANA name), UTC when not given. */
export const TimezoneSchema = z.string().default("UTC").refine(validTimezone, { message: "is not an IANA time zone (e.g. Europe/Berlin)" });

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

/** Named services that plugins offer each other (Backstage-style), instead of imports. */
export interface ServiceRegistry {
  get<T>(name: string): T | undefined;
}

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

export interface PluginSetupContext<C> {
  config: C;
  log: Logger;
  services: ServiceRegistry;
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
}

/** A plugin's job on a cron schedule (see `PluginSetupContext.schedule`). */
export interface ScheduledJob {
  /** Unique within the plugin; ticks are claimed as `<plugin>.<name>`. */
  name: string;
  /** Cron pattern, 5 fields or 6 with seconds (croner). */
  cron: string;
  /** IANA time zone of the pattern (default UTC). */
  timezone?: string;
  /** The tick's work; its answer (or error) is the tick's summary. */
  run(tick: ScheduledTick): Promise<string | void>;
}

export interface ScheduledTick {
  /** The tick as planned: the same instant on every instance. */
  at: Date;
  /** Aborted when the portal stops. */
  signal: AbortSignal;
  /**
   * Runs one of this plugin's low-risk actions as `system:scheduler` through the portal's action
   * pipeline (preview, per-target lock, audit entries) and waits for it to end.
   */
  runAction(action: string, input: Record<string, unknown>): Promise<ScheduledActionOutcome>;
}

export interface ScheduledActionOutcome {
  runId: string | null;
  /** `refused`: the pipeline stopped it before it ran (target locked, preview refused…). */
  status: "succeeded" | "failed" | "cancelled" | "interrupted" | "refused";
  /** The run's summary, or why it failed or was refused. */
  summary: string;
}

export interface TextScrubber {
  text(text: string): string;
  /** `text` for text cut at its end (a capped excerpt): a trailing start of a secret goes too. */
  cut(text: string): string;
}

/* --------------------------------------------------------------- demo world */

import type { ShopCatalog } from "./plugin-api/demo-shop";
export type { ShopCatalog, ShopOrder, ShopStory } from "./plugin-api/demo-shop";

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
  log: Logger;
}

export interface PluginInstance {
  probes?: ProbeDefinition[];
  actions?: ActionDefinition[];
  /** Services this plugin offers, by name (e.g. { orders: ledger }). */
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

export interface PluginDefinition<C = any> {
  /** Equals the plugin's folder name. */
  id: string;
  title: string;
  description?: string;
  config: z.ZodType<C>;
  /** Service names this plugin provides / uses, so the portal can order setup. */
  provides?: string[];
  uses?: string[];
  /** Demo mode: start a local sandbox seeded with realistic trouble and return config for it. */
  demo?(ctx: { dataDir: string; log: Logger; world?: DemoWorld }): Promise<DemoSetup<C>>;
  /** Schema changes for the plugin's own tables (`<id>_…`), by name; names sort in run order. */
  migrations?: Record<string, PluginMigration>;
  setup(ctx: PluginSetupContext<C>): PluginInstance | Promise<PluginInstance>;
  /** `npm run doctor` and the Setup page: one real, read-only call per credential, each a check with its fix. */
  doctor?: PluginDoctor<C>;
}

export function definePlugin<C>(def: PluginDefinition<C>): PluginDefinition<C> {
  if (!/^[a-z][a-z0-9-]*$/.test(def.id)) throw new Error(`plugin id "${def.id}" must be kebab-case`);
  return def;
}

/** Common shape of an `orders` ledger service (provided by firestore / supabase, used by stripe). */
export interface OrderRecord {
  id: string;
  status: string;
  paymentIntentId?: string | null;
  amount?: number | null;
  currency?: string | null;
  customerEmail?: string | null;
  transferId?: string | null;
  createdAt?: string | null;
  paidAt?: string | null;
  completedAt?: string | null;
  fixLinks?: Link[];
}

export interface OrdersLedger {
  /** Orders created in [from, to). */
  listOrders(range: { from: Date; to: Date }, signal?: AbortSignal): Promise<OrderRecord[]>;
  findByPaymentIntent(paymentIntentId: string, signal?: AbortSignal): Promise<OrderRecord | null>;
  findById(orderId: string, signal?: AbortSignal): Promise<OrderRecord | null>;
  /** Action ids (with preset input) that fix one order, for reconciliation links. */
  fixActions?(order: OrderRecord): { actionId: string; label: string; input: Record<string, unknown> }[];
}

/** A read-only document reader (provided by firestore as `firestore.documents`, used by cron's health documents). */
export interface DocumentReader {
  /** The document's fields as plain JSON (timestamps as ISO strings), or null when it does not exist. */
  get(path: string, signal?: AbortSignal): Promise<Record<string, unknown> | null>;
}

/** The cron plugin's ping intake (`cron.pings`), reached by the ping routes through the registry. */
export interface CronPingService {
  /** Largest body kept as a run's log excerpt; routes read at most this many bytes. */
  readonly maxBodyBytes: number;
  /** One ping: `kind` is start | success | fail | an exit status; answers the HTTP status and body to send. */
  ping(req: { job: string; kind: string; token: string | null; rid: string | null; body: string | null }): Promise<{ status: number; body: Record<string, unknown> }>;
  /** A job's state and recent runs for signed-in viewers (no secrets); null for an unknown job. */
  describe(job: string): Promise<Record<string, unknown> | null>;
  /**
   * A job another plugin runs on its own schedule (e.g. the backups plugin's scheduled backups): it
   * is watched like a configured job (late, down, failing; `cron.jobs`, `GET /api/cron/<job>`) and
   * its runs come through the returned reporter, not through HTTP pings. Throws when the name is
   * taken or the schedule is not valid cron syntax.
   */
  register(job: RegisteredCronJob): CronJobReporter;
}

export interface RegisteredCronJob {
  /** kebab-case, unique among all cron jobs. */
  name: string;
  title: string;
  description?: string;
  /** Cron syntax, evaluated by croner in `timezone` (default UTC). */
  schedule: string;
  timezone?: string;
  /** Durations like "10m" (defaults as for configured jobs). */
  grace?: string;
  maxRuntime?: string;
}

export interface CronJobReporter {
  /** The job's probe (`cron`'s per-job reading), for the registering plugin to list among its own. */
  readonly probe: ProbeDefinition;
  /** Opens a run; returns its id for `end`. */
  start(at?: number): Promise<string>;
  /** Closes the run `start` opened; `excerpt` is a short log (scrubbed by the caller). */
  end(runId: string, outcome: "success" | "fail", excerpt?: string, at?: number): Promise<void>;
  /** A run known as a whole (e.g. seeded demo history). */
  record(run: { startedAt: number; endedAt: number; outcome: "success" | "fail"; excerpt?: string }): Promise<void>;
}

/**
 * A Firestore value as JSON with its type kept (`firestore.collections`): strings, booleans, null and
 * doubles as themselves; everything else as a one-key object `{ "$int": "12" }`, `{ "$timestamp":
 * "secs.nanos" }`, `{ "$geo": [lat, lng] }`, `{ "$ref": "path" }`, `{ "$bytes": base64 }`,
 * `{ "$double": "NaN" }`, `{ "$map": {…} }`, arrays as arrays.
 */
export type TaggedValue = null | boolean | number | string | TaggedValue[] | { [tag: string]: unknown };

export interface ExportedDocument {
  id: string;
  fields: Record<string, TaggedValue>;
}

/** Whole-collection reads and writes for backups (provided by firestore as `firestore.collections`). */
export interface FirestoreCollections {
  readonly projectId: string;
  /** True on an emulator. */
  readonly emulator: boolean;
  /** Every document of a top-level collection in id order, paged (never all in memory); subcollections are not included. */
  documents(collection: string, signal?: AbortSignal): AsyncIterable<ExportedDocument>;
  count(collection: string, signal?: AbortSignal): Promise<number>;
  /** Makes the collection hold exactly these documents: batched writes, then deletes of the documents not among them. */
  replace(collection: string, docs: AsyncIterable<ExportedDocument>, signal?: AbortSignal): Promise<{ written: number; deleted: number }>;
  /**
   * An empty scratch project on an emulator (this one, or `emulatorHost`) for verification by
   * restore; `dispose` deletes what was written there. Refused against production without an emulator.
   */
  scratch(opts?: { emulatorHost?: string }): Promise<FirestoreCollections & { dispose(): Promise<void> }>;
}

/* -------------------------------------------------------------- sql service */

/** One statement run through the `sql` service, as the audit sink receives it. */
export interface SqlAuditEvent {
  /** The person who ran it (username). */
  actor: string;
  /** The statement as given (parameters are not included). */
  text: string;
  /** "succeeded" with rowCount, or "failed" with the database's message. */
  outcome: "succeeded" | "failed";
  rowCount?: number;
  error?: string;
  durationMs: number;
}

export interface SqlQueryOptions {
  signal?: AbortSignal;
  /** Fewer rows than the service's cap (`plugins.supabase.maxRows`); never more. */
  maxRows?: number;
  /**
   * The person running the statement (a live SQL block), or absent for the portal's own reads
   * (probes, other plugins). When set, `audit` is required: it is called before the answer is
   * returned, and a statement whose audit write fails is reported as failed (fail closed).
   */
  actor?: string;
  audit?: (event: SqlAuditEvent) => Promise<void>;
}

export interface SqlResult {
  /** Column names in the order the statement returns them. */
  fields: string[];
  rows: Record<string, unknown>[];
  /** Rows returned (at most the cap). */
  rowCount: number;
  /** True when the statement had more rows than the cap; the rest were never fetched. */
  truncated: boolean;
  durationMs: number;
}

/**
 * Read-only SQL against the database the supabase plugin is configured with (service `sql`).
 * Used by other plugins (e.g. paddle's webhook_events checks) and by runnable ```sql blocks.
 *
 * Every call runs exactly one statement (the extended protocol refuses `a; b`) inside
 * `BEGIN READ ONLY` … `ROLLBACK`, with `SET LOCAL statement_timeout` (the plugin's
 * `statementTimeout`) and a client-side timeout a little longer, so a hung server or an engine
 * that ignores statement_timeout still answers. Rows are fetched up to the cap and no further
 * (`truncated` says so). A statement that tries to write fails with the database's own message
 * ("cannot execute INSERT in a read-only transaction"); errors are `SqlError`-shaped: `message`
 * is the database's text, `code` its SQLSTATE when it has one. Values come back as `pg` parses
 * them (timestamps as Date, bigint/numeric as string).
 */
export interface SqlService {
  query(text: string, params?: unknown[], opts?: SqlQueryOptions): Promise<SqlResult>;
  /** The statement timeout and row cap in force, for display beside a result. */
  describe(): { dialect: "postgres"; statementTimeoutMs: number; maxRows: number };
}

/** Name of the service the prometheus plugin provides for PromQL directives, charts and lint. */
export const PROMQL_SERVICE = "promql";

/** One series of a range query, as chart points. */
export interface PromqlRangeSeries {
  labels: Record<string, string>;
  points: { at: number; value: number | null }[];
}

/** PromQL for the portal: ad hoc probes from directives, ranges for charts, checks for lint. */
export interface PromqlService {
  /** The plugin id that owns the probes below (`<pluginId>.<localId>`). */
  pluginId: string;
  /** Set when Prometheus cannot be reached by design (demo without the binary): how to enable it. */
  unavailable?: string;
  /** A probe for a query written in a runbook directive; the caller picks the local id. */
  adhocProbe(localId: string, promql: string, opts?: { unit?: string; title?: string }): ProbeDefinition;
  /** The query behind one of this plugin's probes (configured, preset or ad hoc), by local id. */
  queryOf(localId: string): { promql: string; unit?: string; title?: string } | undefined;
  /** A range with the step chosen so that about `points` points cover [from, to]. */
  range(promql: string, opts: { from: Date; to: Date; points: number; signal?: AbortSignal }): Promise<{ stepSeconds: number; from: number; to: number; series: PromqlRangeSeries[] }>;
  /** Prometheus' own parse/execution error for a query, or null when it runs. */
  check(promql: string, signal?: AbortSignal): Promise<string | null>;
}

/** One deployment of a deploy site, in the same words whatever the provider (the `deploys` service). */
export interface DeploymentInfo {
  id: string;
  site: string;
  provider: "vercel" | "netlify" | "render" | "railway";
  /** ready: live or was live; superseded: was live, replaced since; failed/canceled: never reached ready. */
  state: "ready" | "superseded" | "building" | "queued" | "failed" | "canceled";
  /** Serving production traffic now. */
  current: boolean;
  production: boolean;
  commit: string | null;
  commitMessage: string | null;
  author: string | null;
  createdAt: number;
  /** The provider's own state word ("READY", "live", "SUCCESS"…). */
  providerState: string;
  url?: string | null;
  errorMessage?: string | null;
}

/** The deploys plugin's service (`deploys`): what changed, for the sentry plugin and incident pages. */
export interface DeploysService {
  sites(): string[];
  /** The deployment serving production on a site now; null when the provider shows none. */
  current(site: string, signal?: AbortSignal): Promise<DeploymentInfo | null>;
  /** Production deployments created in [from, to), every site, newest first (a site that fails is left out; when every site fails, the first error is thrown). */
  inWindow(range: { from: Date; to: Date }, signal?: AbortSignal): Promise<DeploymentInfo[]>;
  /** Portal id of the rollback action, with its input for one target. */
  rollbackAction(site: string, deploymentId: string): { actionId: string; input: { site: string; deploymentId: string } };
}

export * from "./plugin-api/doctor";
export * from "./plugin-api/format";
