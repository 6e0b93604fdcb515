import { z } from "zod";
import { secret } from "../plugin-api";

export const FirestoreConfigSchema = z
  .object({
    projectId: z.string().min(1),
    /** Path to a service-account JSON file, or the JSON itself (secret), or an emulator host. */
    serviceAccountFile: z.string().optional(),
    serviceAccountJson: secret(z.string()).optional(),
    emulatorHost: z.string().regex(/^[\w.-]+:\d+$/, "must be host:port").optional(),
  })
  .strict()
  .refine((c) => c.serviceAccountFile || c.serviceAccountJson || c.emulatorHost, {
    message: "set one of serviceAccountFile, serviceAccountJson or emulatorHost",
  });
export type FirestoreConfig = z.infer<typeof FirestoreConfigSchema>;
