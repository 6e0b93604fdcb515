import { z } from "zod";
import { secret } from "../plugin-api";

export const SupabaseConfigSchema = z
  .object({
    url: z.string().url(),
    serviceRoleKey: secret(z.string().min(20, "must be the service-role key")),
    /** Optional direct Postgres connection for SQL health queries. */
    databaseUrl: secret(z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")).optional(),
  })
  .strict();
export type SupabaseConfig = z.infer<typeof SupabaseConfigSchema>;
