// The __ID__ plugin's public contract: the services it offers other plugins, with their shapes.
// No side effects and no SDKs: consumers import it as a type-level contract only, and receive the
// service in setup({ deps }) by declaring `deps: { queue: __VAR__QueueRef }` (or `.optional()`).
import { createServiceRef } from "../plugin-api";

export interface __NAME__QueueService {
  /** How many jobs failed and wait for a retry. */
  failedCount(signal?: AbortSignal): Promise<number>;
}

export const __VAR__QueueRef = createServiceRef<__NAME__QueueService>({ id: "__ID__.queue" });
