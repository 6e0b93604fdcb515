// The list of sandboxes running in demo mode, on the world as "sandboxes": each plugin's demo()
// adds its entry (base URL and the test credentials to use with curl or the provider's CLI), and the
// admin page /admin/sandboxes lists them. Plugins reach it structurally (no import of demo/).

export interface SandboxEntry {
  /** Plugin or shop module id, e.g. "stripe". */
  id: string;
  title: string;
  baseUrl: string;
  /** Test credentials, shown as they are: demo values that open only the local sandbox. */
  credentials?: { label: string; value: string }[];
  /** Example commands, e.g. a curl line. */
  examples?: string[];
  notes?: string;
}

export interface SandboxDirectory {
  add(entry: SandboxEntry): void;
  list(): SandboxEntry[];
}

export const SANDBOXES = "sandboxes";

export function sandboxDirectory(): SandboxDirectory {
  const entries = new Map<string, SandboxEntry>();
  return {
    add: (entry) => void entries.set(entry.id, entry),
    list: () => [...entries.values()].sort((a, b) => a.id.localeCompare(b.id)),
  };
}
