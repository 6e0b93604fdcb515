import { z } from "zod";
import { secret } from "../plugin-api";

export const PaddleConfigSchema = z
  .object({
    apiKey: secret(z.string().min(10, "must be a Paddle API key")),
    environment: z.union([z.enum(["sandbox", "production"]), z.string().url()]).default("production"),
    webhookSecret: secret(z.string()).optional(),
  })
  .strict();
export type PaddleConfig = z.infer<typeof PaddleConfigSchema>;
