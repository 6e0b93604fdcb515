// What the appenv plugin offers other plugins: verdicts on the deployed services' variables, by name,
// never a value (the paddle plugin's config-safety probe reads its PADDLE_* rules through it).
import { createServiceRef } from "../plugin-api";
import type { RuleName, Verdict } from "./rules";

export type { RuleName, Verdict } from "./rules";

export interface ServiceEnvVerdicts {
  service: string;
  title: string;
  /** The variables could not be read (the provider's words, scrubbed). */
  error: string | null;
  verdicts: Verdict[];
  settingsUrl: string | null;
}

export interface AppenvService {
  /** The latest check's verdicts (a fresh one when the last is older than half the check interval), for the variables `names` accepts. */
  verdicts(names: (name: string) => boolean): Promise<ServiceEnvVerdicts[]>;
  /** The checked services (name and title) with the rules each declares for the variable `name` (every service, rules empty where it declares none). No reading. */
  rulesFor?(name: string): { service: string; title: string; rules: RuleName[] }[];
}

export const appenvRef = createServiceRef<AppenvService>({ id: "appenv" });
