import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { z } from "zod";
import { DurationSchema } from "../../plugins/plugin-api";
import { installedPlugins } from "~/plugins.server";
import { derivedSecrets, MIN_SECRET_LENGTH, secretValuesOf } from "./secrets/index.server";
import { AlertsConfigSchema } from "./alerts/config";
import { NotificationsConfigSchema, OncallConfigSchema } from "./notifications/config";
import { OidcConfigSchema } from "./auth/oidc-config.server";
import { SlosConfigSchema } from "./slo/config";

/** A start-time problem with one readable line per issue, each naming the key path. */
export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}

const RoleSchema = z.enum(["viewer", "responder", "admin", "manager"]);

export const CoreConfigSchema = z
  .object({
    app: z
      .object({
        title: z.string().default("Opsdeck"),
        baseUrl: z.string().url().optional(),
        /** auto: demo mode when no plugin section is configured. */
        demo: z.union([z.boolean(), z.literal("auto")]).default("auto"),
        dataDir: z.string().default("./data"),
      })
      .strict()
      .default({ title: "Opsdeck", demo: "auto", dataDir: "./data" }),
    server: z
      .object({
        port: z.coerce.number().int().min(1).max(65535).default(3000),
        host: z.string().default("0.0.0.0"),
        /** Express "trust proxy" setting, for X-Forwarded-For behind a load balancer. */
        trustProxy: z.union([z.boolean(), z.string(), z.number()]).default(false),
        allowedOrigins: z.array(z.string().url()).default([]),
      })
      .strict()
      .default({ port: 3000, host: "0.0.0.0", trustProxy: false, allowedOrigins: [] }),
    auth: z
      .object({
        sessionTtl: DurationSchema.default("12h"),
        loginRateLimit: z
          .object({
            perAccount: z.number().int().min(1).default(10),
            perAddress: z.number().int().min(1).default(50),
            window: DurationSchema.default("15m"),
          })
          .strict()
          .default({ perAccount: 10, perAddress: 50, window: "15m" }),
        trustedProxy: z
          .object({
            enabled: z.boolean().default(true),
            userHeader: z.string().default("x-forwarded-user"),
            groupsHeader: z.string().default("x-forwarded-groups"),
            /** Only requests from these addresses may assert an identity. */
            proxies: z.array(z.string()).min(1),
            /** group name → roles */
            roleMapping: z.record(z.string(), z.array(RoleSchema)).default({}),
            defaultRoles: z.array(RoleSchema).default(["viewer"]),
          })
          .strict()
          .optional(),
        /** false: passwords only for break-glass users (single sign-on is then the way in). */
        local: z.boolean().default(true),
        oidc: OidcConfigSchema.optional(),
      })
      .strict()
      .superRefine((auth, ctx) => {
        if (!auth.local && !auth.oidc && !auth.trustedProxy) ctx.addIssue({ code: "custom", path: ["local"], message: "false needs auth.oidc or auth.trustedProxy, or nobody but break-glass users can sign in" });
      })
      .default({ sessionTtl: "12h", loginRateLimit: { perAccount: 10, perAddress: 50, window: "15m" }, local: true }),
    runbooks: z
      .object({
        dir: z.string().default("./runbooks"),
        /** Deepest heading level in a runbook's contents list (5 for long alert catalogs). */
        tocDepth: z.number().int().min(1).max(6).default(4),
        /** Hosts (`host` or `host:port`) whose health URLs in runbooks get "Check now"; nothing else is ever requested. */
        liveHosts: z.array(z.string().min(1).regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, "a host name or host:port, no scheme or path")).default([]),
      })
      .strict()
      .default({ dir: "./runbooks", tocDepth: 4, liveHosts: [] }),
    probes: z
      .object({
        retention: DurationSchema.default("14d"),
        sampling: z.boolean().default(true),
        concurrencyPerPlugin: z.number().int().min(1).default(4),
        overrides: z
          .record(
            z.string(),
            z
              .object({
                every: DurationSchema.optional(),
                timeout: DurationSchema.optional(),
                thresholds: z.object({ warn: z.string().optional(), critical: z.string().optional() }).strict().optional(),
              })
              .strict(),
          )
          .default({}),
      })
      .strict()
      .default({ retention: "14d", sampling: true, concurrencyPerPlugin: 4, overrides: {} }),
    actions: z
      .object({
        approvalTtl: DurationSchema.default("1h"),
        defaultTimeout: DurationSchema.default("5m"),
        /** Key that seals the secret input of waiting approval requests (AES-256-GCM); kept outside the database. */
        requestKey: z.string().min(16).optional(),
      })
      .strict()
      .default({ approvalTtl: "1h", defaultTimeout: "5m" }),
    audit: z
      .object({
        /** HMAC key for signed checkpoints; kept outside the database. */
        checkpointKey: z.string().min(16).optional(),
        /** Where checkpoints are written (outside the database). Default: <dataDir>/audit-checkpoints.ndjson */
        checkpointFile: z.string().optional(),
        checkpointEvery: DurationSchema.default("1m"),
      })
      .strict()
      .default({ checkpointEvery: "1m" }),
    alerts: AlertsConfigSchema,
    notifications: NotificationsConfigSchema,
    oncall: OncallConfigSchema,
    slos: SlosConfigSchema,
    plugins: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export type CoreConfig = z.infer<typeof CoreConfigSchema>;

export interface PortalConfig extends CoreConfig {
  /** Validated per-plugin config, only for enabled plugins. */
  pluginConfigs: Record<string, unknown>;
  demo: boolean;
  /** Every secret value found in config, for scrubbing text. */
  secretValues: string[];
  sources: string[];
  /** Signs session cookies. From SESSION_SECRET; in demo mode a generated one is used when unset. */
  sessionSecret?: string;
}

function formatPath(prefix: (string | number)[], issuePath: PropertyKey[]): string {
  return [...prefix, ...issuePath].map(String).join(".") || "(root)";
}

function zodProblems(error: z.ZodError, prefix: (string | number)[]): string[] {
  return error.issues.map((issue) => {
    let message = issue.message;
    if (issue.code === "unrecognized_keys") message = `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    if (issue.code === "invalid_type" && /received undefined/.test(message)) message = "is required";
    return `${formatPath(prefix, issue.path)}: ${message}`;
  });
}

const ENV_REF = /\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g;

function substituteEnv(value: unknown, at: string[], env: Env, problems: string[]): unknown {
  if (typeof value === "string") {
    return value.replace(ENV_REF, (_all, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== "") return v;
      if (fallback !== undefined) return fallback;
      problems.push(`${at.join(".")}: environment variable ${name} is not set`);
      return "";
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, [...at, String(i)], env, problems));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, [...at, k], env, problems);
    return out;
  }
  return value;
}

/** The runbooks demo mode serves when no folder is named: the ones that exist to show the demo. */
export const DEMO_RUNBOOKS_DIR = "./runbooks/examples";

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

function deepMerge(base: unknown, overlay: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(overlay)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(overlay)) out[k] = deepMerge(base[k], v);
    return out;
  }
  return overlay === undefined ? base : overlay;
}

function readYaml(file: string, problems: string[]): unknown {
  try {
    const doc = YAML.parse(fs.readFileSync(file, "utf8"));
    return doc ?? {};
  } catch (err) {
    const msg = err instanceof Error ? err.message.split("\n")[0] : String(err);
    problems.push(`${path.basename(file)}: cannot read YAML: ${msg}`);
    return {};
  }
}

export type Env = Record<string, string | undefined>;

export interface LoadConfigOptions {
  cwd?: string;
  env?: Env;
}

/**
 * Reads app-config.yaml (or OPSDECK_CONFIG), overlays app-config.local.yaml, substitutes
 * ${ENV_VAR}, validates everything once. Throws ConfigError with one line per problem.
 */
export function loadConfig(options: LoadConfigOptions = {}): PortalConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const problems: string[] = [];
  const sources: string[] = [];

  let raw: unknown = {};
  if (env.OPSDECK_CONFIG) {
    const file = path.resolve(cwd, env.OPSDECK_CONFIG);
    if (!fs.existsSync(file)) throw new ConfigError([`OPSDECK_CONFIG: file not found: ${env.OPSDECK_CONFIG}`]);
    raw = readYaml(file, problems);
    sources.push(file);
  } else {
    for (const name of ["app-config.yaml", "app-config.local.yaml"]) {
      const file = path.join(cwd, name);
      if (fs.existsSync(file)) {
        raw = deepMerge(raw, readYaml(file, problems));
        sources.push(file);
      }
    }
  }
  if (!isPlainObject(raw)) throw new ConfigError(["config: the top level must be a mapping of sections"]);
  raw = substituteEnv(raw, [], env, problems);
  if (problems.length) throw new ConfigError(problems);

  const parsed = CoreConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(zodProblems(parsed.error, []));
  const core = parsed.data;
  if (env.OPSDECK_RUNBOOKS_DIR) core.runbooks.dir = env.OPSDECK_RUNBOOKS_DIR;
  if (env.OPSDECK_DATA_DIR) core.app.dataDir = env.OPSDECK_DATA_DIR;
  if (env.PORT) {
    const port = Number(env.PORT);
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`PORT: must be a port number from 1 to 65535, got "${env.PORT}"`);
    else core.server.port = port;
  }

  const known = new Map(installedPlugins.map((p) => [p.id, p]));
  const pluginConfigs: Record<string, unknown> = {};
  const secretValues: string[] = [];
  for (const [id, section] of Object.entries(core.plugins)) {
    const plugin = known.get(id);
    if (!plugin) {
      problems.push(`plugins.${id}: unknown plugin (installed: ${[...known.keys()].join(", ")})`);
      continue;
    }
    if (section === false || section === null) continue; // explicitly disabled
    const result = plugin.config.safeParse(section ?? {});
    if (!result.success) problems.push(...zodProblems(result.error, ["plugins", id]));
    else {
      pluginConfigs[id] = result.data;
      for (const value of secretValuesOf(plugin.config, result.data)) {
        if (value.length < MIN_SECRET_LENGTH) problems.push(`plugins.${id}: a secret value is shorter than ${MIN_SECRET_LENGTH} characters; it could not be scrubbed from text`);
        else secretValues.push(value);
      }
    }
  }
  if (problems.length) throw new ConfigError(problems);

  const demo = core.app.demo === "auto" ? Object.keys(pluginConfigs).length === 0 : core.app.demo;
  // Demo mode shows the demo's runbooks; a team's own folder (runbooks.dir, OPSDECK_RUNBOOKS_DIR) wins.
  const rawRunbooks = isPlainObject(raw) ? raw.runbooks : undefined;
  const runbooksNamed = !!env.OPSDECK_RUNBOOKS_DIR || (isPlainObject(rawRunbooks) && rawRunbooks.dir !== undefined);
  // (a checkout without the examples folder, such as a test's temporary folder, keeps its own ./runbooks)
  if (demo && !runbooksNamed && fs.existsSync(path.resolve(cwd, DEMO_RUNBOOKS_DIR))) core.runbooks.dir = DEMO_RUNBOOKS_DIR;
  if (!demo && !env.SESSION_SECRET) {
    throw new ConfigError(["SESSION_SECRET: required outside demo mode (a long random string)"]);
  }
  if (env.SESSION_SECRET) secretValues.push(env.SESSION_SECRET);
  if (core.audit.checkpointKey) secretValues.push(core.audit.checkpointKey);
  if (core.actions.requestKey) secretValues.push(core.actions.requestKey);
  secretValues.push(...secretValuesOf(AlertsConfigSchema, core.alerts));
  secretValues.push(...secretValuesOf(NotificationsConfigSchema, core.notifications));
  if (core.auth.oidc) secretValues.push(...secretValuesOf(OidcConfigSchema, core.auth.oidc));
  // A password in any URL of the config (a core section's too), found as a bare value.
  secretValues.push(...derivedSecrets(core, secretValues));
  if (core.auth.oidc && !core.app.baseUrl) throw new ConfigError(["app.baseUrl: required with auth.oidc (the redirect URI is <app.baseUrl>/auth/oidc/callback)"]);

  return { ...core, pluginConfigs, demo, secretValues, sources, sessionSecret: env.SESSION_SECRET || undefined };
}
