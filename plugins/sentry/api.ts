// The sentry plugin's public contract: the services it offers the core, with their shapes.
// No side effects and no SDKs: consumers import it as a contract only.
import { createServiceRef } from "../plugin-api";

/** How a transaction counts as bad: it failed (Sentry's failure_count()), or it took longer than the threshold. */
export type SentryTransactionMetric = "failure_rate" | "p95";

export interface SentryTransactionQuery {
  /** A project slug; default the plugin's configured project. */
  project?: string;
  /** One route as Sentry names the transaction (a trailing * matches a prefix); default every transaction. */
  transaction?: string;
  metric: SentryTransactionMetric;
  /** p95 only: a transaction slower than this many milliseconds is bad. */
  thresholdMs?: number;
}

/** Transaction counts from Sentry's Discover query (GET /api/0/organizations/{org}/events/). */
export interface SentryEventsService {
  pluginId: string;
  /** All transactions in [from, to) and the bad ones among them, per `metric`. */
  transactionCounts(q: SentryTransactionQuery, range: { from: Date; to: Date }, signal?: AbortSignal): Promise<{ bad: number; total: number }>;
}

/** Failure rate and latency of transactions, for SLOs. */
export const sentryEventsRef = createServiceRef<SentryEventsService>({ id: "sentry.events" });
