import { z } from "zod";
import { DurationSchema, secret } from "../plugin-api";

// Every key says what it means (.describe()): docs/plugins/__ID__.md's key table is generated from
// these texts by `npm run docs:plugins`, and the docs test fails when a key has none.
export const __NAME__ConfigSchema = z
  .object({
    url: z.string().url().describe("Base URL of the provider's API, e.g. https://api.example.com (the sandbox's in demo mode)."),
    token: secret(z.string().min(8, "must be the API token the provider issued (8 characters or more)")).describe(
      "API token that may read the queue and retry a failed job, e.g. ${__ENV___TOKEN}; secret.",
    ),
    backlog: z
      .object({
        warn: z.string().default("> 10").describe("Failed jobs above which the backlog probe warns."),
        critical: z.string().default("> 100").describe("Failed jobs above which the backlog probe is critical."),
      })
      .default({ warn: "> 10", critical: "> 100" })
      .describe("Thresholds of the __ID__.failed-jobs probe."),
    timeout: DurationSchema.default("5s").describe("How long one call to the provider may take."),
  })
  .strict();

export type __NAME__Config = z.infer<typeof __NAME__ConfigSchema>;
