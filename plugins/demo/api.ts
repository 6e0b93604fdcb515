// The demo plugin's public contract: the services it offers other plugins and the core, with
// their shapes. No side effects and no SDKs: consumers import it as a contract only.
import { createServiceRef } from "../plugin-api";

/** The demo world's sandbox directory (demo mode only). */
export interface SandboxService {
  shopUrl: string;
  list(): { id: string; title: string; baseUrl: string; credentials?: { label: string; value: string }[]; examples?: string[]; notes?: string }[];
}

export const sandboxesRef = createServiceRef<SandboxService>({ id: "demo.sandboxes" });
