import { z } from "zod";

export const DemoConfigSchema = z
  .object({
    /** JSON file holding the sandbox's state (caches, keys, queues, indexes); created and seeded when missing. */
    stateFile: z.string().min(1),
  })
  .strict();
export type DemoConfig = z.infer<typeof DemoConfigSchema>;
