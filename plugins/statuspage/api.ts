// The statuspage plugin's public contract: what it tells the core about providers (their watched
// components and incidents), for the alerts inbox and incident timelines. No side effects.
import { createServiceRef } from "../plugin-api";

export type ComponentState = "operational" | "degraded_performance" | "partial_outage" | "major_outage" | "under_maintenance";

export interface ProviderComponent {
  name: string;
  status: ComponentState;
}

export interface ProviderIncidentUpdate {
  /** Unique within the incident. */
  id: string;
  at: number;
  /** The provider's word: investigating, identified, monitoring, resolved (or its own). */
  status: string;
  body: string;
}

export interface ProviderIncident {
  id: string;
  title: string;
  /** investigating | identified | monitoring | resolved, or the provider's own word. */
  status: string;
  impact: string | null;
  startedAt: number;
  /** Set once the provider says it is resolved (or no longer lists it as unresolved). */
  resolvedAt: number | null;
  link: string | null;
  components: string[];
  /** Oldest first. */
  updates: ProviderIncidentUpdate[];
}

export interface ProviderState {
  name: string;
  title: string;
  kind: "statuspage" | "google-cloud" | "feed";
  url: string;
  /** Plugins of ours that depend on this provider. */
  plugins: string[];
  /** When the provider last answered (200 or 304); null before the first answer. */
  checkedAt: number | null;
  /** Why the last fetch failed; null when it answered. */
  error: string | null;
  /** The watched components, as of the last answer. */
  components: ProviderComponent[];
  /** Open incidents, and those resolved in the last day (as seen by this instance). */
  incidents: ProviderIncident[];
}

export interface ProviderStatusService {
  providers(): ProviderState[];
  /** Component states that raise an alert (config `alertOn`). */
  alertOn(): readonly ComponentState[];
  /** Called with the provider's name after each answer or failure (at most once per provider per interval). */
  subscribe(listener: (provider: string) => void): () => void;
}

export const providerStatusRef = createServiceRef<ProviderStatusService>({ id: "statuspage.providers" });
