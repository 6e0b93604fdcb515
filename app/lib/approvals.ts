/** A field of the dry run that differs between the request and now. */
export interface PreviewChangeJson {
  field: string;
  was: unknown;
  now: unknown;
}

/** What an approver decides on: the preview the requester saw, why they asked, what they saw on the page, and what changed since. */
export interface ApprovalView {
  requester: string;
  reason: string | null;
  /** The preview the requester saw (summary, blast radius, before/after); null when the action has none. */
  preview: { summary?: string; count?: number; before?: unknown; after?: unknown } | null;
  /** The live readings on the requester's page at the click. */
  evidence: Record<string, { status?: string; summary?: string; observedAt?: string | null; value?: unknown }> | null;
  /** The live dry run now against the stored one: empty when nothing changed, null when it could not be compared. */
  changes: PreviewChangeJson[] | null;
  /** Why the live dry run could not be compared (the provider failed, the input no longer opens…), or that it now refuses the input. */
  changesNote: string | null;
}

/** The run an approval card decides on. */
export interface ApprovalRun {
  runId: string;
  title: string;
  target: string;
  risk: string;
  status: string;
  actor: string;
}
