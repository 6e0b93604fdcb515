import { z } from "zod";
import { DurationSchema } from "../plugin-api";
import { PRESET_NAMES } from "./preset-names";

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENVIRONMENTS = ["production", "preview", "development"] as const;

export const RuleSchema = z
  .object({
    required: z.boolean().optional().describe("The variable must be set (a missing name close to a present one is reported as a likely typo)."),
    forbiddenIn: z.array(z.enum(ENVIRONMENTS)).optional().describe("Environments where the variable must be unset or \"false\" (e.g. [production] for a dev-only bypass flag)."),
    equals: z.string().optional().describe("The value must be exactly this (e.g. HMRC_ENV: production)."),
    oneOf: z.array(z.string()).min(1).optional().describe("The value must be one of these."),
    startsWith: z.union([z.string(), z.array(z.string()).min(1)]).optional().describe("The value must start with this prefix (or one of these), e.g. [mongodb://, mongodb+srv://]."),
    pattern: z
      .string()
      .refine((p) => {
        try {
          new RegExp(p);
          return true;
        } catch {
          return false;
        }
      }, "not a regular expression")
      .optional()
      .describe("A regular expression the whole value must match (anchor it yourself)."),
    notContains: z.array(z.string().min(1)).optional().describe("Words the value must not contain, case-insensitive, e.g. [test, sandbox, demo] for production credentials."),
    noSurroundingWhitespace: z.boolean().optional().describe("No leading or trailing spaces and no line breaks."),
    noPlaceholder: z.boolean().optional().describe("Not a placeholder: CHANGE_ME, xxx, <…>, your-…, [ … ], an ellipsis."),
    noQuotes: z.boolean().optional().describe("Not wrapped in quotes (a dashboard keeps them as part of the value)."),
    sameAs: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*\.[A-Za-z_][A-Za-z0-9_]*$/, "sameAs is <service>.<NAME>")
      .optional()
      .describe("<service>.<NAME>: the value must equal that variable of another configured service (compared by fingerprint)."),
    matches: z
      .string()
      .regex(/^[a-z][a-z0-9-]*\.[A-Za-z0-9_.]+$/, "matches is <plugin>.<secret key>, e.g. stripe.webhookSecret")
      .optional()
      .describe("<plugin>.<secret key>: the value must equal that configured portal secret, e.g. stripe.webhookSecret (compared by fingerprint)."),
    redeployAfterChange: z.boolean().optional().describe("Warn when the variable changed after the serving deployment was built (rotated but not redeployed)."),
  })
  .strict();

const SiteSourceSchema = z
  .object({
    site: z.string().min(1).describe("A deploys site name (plugins.deploys.sites.<name>): its variables are read through the deploys plugin with the site's token."),
    environment: z.enum(ENVIRONMENTS).default("production").describe("Which of the site's environments to read (Vercel target, Netlify context); default production."),
  })
  .strict();
const ProcessSourceSchema = z.object({ process: z.literal(true).describe("The portal's own process environment.") }).strict();
const DotenvSourceSchema = z.object({ dotenv: z.string().min(1).describe("Path of a dotenv file on the portal's host.") }).strict();

export const ServiceSchema = z
  .object({
    title: z.string().optional().describe("Name shown on the overview; default the service name."),
    source: z.union([SiteSourceSchema, ProcessSourceSchema, DotenvSourceSchema]).describe("Where the variables are read: { site: <deploys site>, environment? }, { process: true } or { dotenv: <path> }."),
    environment: z.enum(ENVIRONMENTS).optional().describe("What the service runs as, for forbiddenIn; default the site source's environment, else production."),
    presets: z.array(z.enum(PRESET_NAMES, { error: (i) => `unknown preset "${String(i.input)}"; one of ${PRESET_NAMES.join(", ")}` })).default([]).describe("Rule sets by name (stripe, paddle, supabase, firebase, mongodb, hmrc, cloudinary, sentry, resend, twilio, clerk)."),
    rules: z
      .record(z.string().regex(VAR_NAME, "variable names are letters, digits and _"), RuleSchema)
      .default({})
      .describe("Rules by variable name; they are added to (and for the same rule replace) a preset's."),
  })
  .strict();

export const AppenvConfigSchema = z
  .object({
    services: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "service names are kebab-case"), ServiceSchema)
      .default({})
      .describe("Services whose environment is checked, by kebab-case name; each gives the appenv.<service> probe."),
    every: DurationSchema.default("5m").describe("How often the variables are read and checked, e.g. 5m."),
    timeout: DurationSchema.default("20s").describe("How long one service's read may take, e.g. 20s."),
  })
  .strict();

export type AppenvConfig = z.infer<typeof AppenvConfigSchema>;
export type ServiceConfig = z.infer<typeof ServiceSchema>;
export type Rule = z.infer<typeof RuleSchema>;
