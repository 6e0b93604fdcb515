// The shapes of runnable places in a rendered runbook, shared by the marking passes
// (live-blocks.server, platform-commands.server) so that neither imports the other for them.
import type { RuleName } from "../../../plugins/appenv/api";
import type { EnvStatement } from "./env-statements.server";

export type Platform = "vercel" | "render" | "railway" | "netlify";

/** What a command or a dashboard step asks for, before a site is chosen. */
export type PlatformIntent =
  | { kind: "redeploy"; provider?: Platform; service?: string; deploymentId?: string; latest?: boolean }
  | { kind: "restart"; provider?: Platform; service?: string }
  | { kind: "rollback"; provider?: Platform; service?: string; deploymentId: string }
  | { kind: "logs"; provider?: Platform; service?: string; stream?: "build" | "runtime" }
  | { kind: "backup-export" }
  | { kind: "backup-import" };

/** A place in the rendered runbook that may be run: `promql?` still needs Prometheus' check. */
export interface LiveCandidate {
  id: number;
  /** Runnable blocks (sql, promql, health) and live mentions (a Firestore document path, a Stripe id). */
  kind: "sql" | "promql" | "promql?" | "mongo" | "health" | "firestore" | "stripe" | "redis" | "env" | "platform";
  query: string;
  /** Environment statements: the variable and the rules the sentence states. */
  env?: EnvStatement;
  /** Where it sits: a fence (`pre`), a list item (`li`), inline code (`code`), a link, or a span cut out of prose (`text`). */
  at: "pre" | "li" | "code" | "a" | "text";
  /** 1-based source line of the mention, when the tree carries positions. */
  line?: number;
  /** The block a permanent widget would follow (the paragraph, list item, fence or table): its first and last source line. */
  block?: { start: number; end: number; tag: string };
  /** Platform commands and dashboard steps (`vercel --prod`, Click "Redeploy"): what they ask for (see platform-commands.server). */
  platform?: PlatformIntent;
  /** A metric selector named in a sentence (`invoice_issue_total{status="failure"} increasing`): its buttons name it. */
  inProse?: boolean;
  /** Such a selector in a list item that is itself asked about as a query: the item's candidate, which wins when Prometheus accepts it. */
  within?: number;
}

/** What a live mention of a Stripe id opens: the guarded action dialog, prefilled. */
export interface MentionAction {
  id: string;
  input: Record<string, string>;
  label: string;
  risk: "low" | "high" | "critical";
}

/** A candidate the portal can run now. */
export interface LiveBlock {
  id: number;
  kind: "sql" | "promql" | "mongo" | "health" | "firestore" | "stripe" | "redis" | "env" | "platform";
  query: string;
  at: LiveCandidate["at"];
  /** Health checks: where the URL or host-less path as written is read (a service's address), when not the URL itself. */
  url?: string;
  /** Environment statements: the variable, the stated rules ("any": every rule of the check) and the app-environment services that check them. */
  env?: { name: string; rules: RuleName[] | "any"; services: string[] };
  /** redis-cli reads: the prefilled input of the read and its label (`PING`, `List keys rate_limit:* (by SCAN)`). */
  input?: Record<string, string>;
  label?: string;
  /** redis-cli commands the portal will not run (FLUSHDB, CONFIG SET): why, and what to use instead. No button. */
  refused?: string;
  /** Stripe ids: the action the mention opens (never run from here). */
  action?: MentionAction;
  /**
   * Blocks run through the action pipeline (sql, mongo, promql): which action and its risk, so
   * the page shows a viewer who may not run it the role it needs instead of a button that answers 403.
   * Health checks and document reads go through the page's own read and are open to every signed-in person.
   */
  runs?: { action: string; risk: "low" | "high" | "critical" };
}
