// One guarded write to one document: preview shows before/after and the document's update time;
// run writes only if the document still has that update time ("changed since preview" otherwise).
import { z } from "zod";
import { action, ActionInputError, ConflictError, type ActionDefinition, type Actor } from "../../plugin-api";
import { Timestamp, updateTimeFromToken, updateTimeToken, type DocumentData, type FirestoreClient } from "../client.server";
import { getPath, toPlain } from "../query";
import { abortable } from "../util";

export const OrderIdSchema = z.string().regex(/^[^/\s]{1,200}$/, "an order document id (no slashes or spaces)").describe("Order id (e.g. wx-1040)");

/** The document is not as the preview showed it: the family's `ConflictError`. */
export class ChangedSincePreviewError extends ConflictError {
  constructor(path: string, detail: string) {
    super(`${path} changed since preview (${detail}); nothing was written. Preview again and re-check before running.`);
  }
}

export interface FixContext {
  actor: Actor;
  now: Date;
}

export interface DocumentChange {
  /** Fields to write (dotted paths allowed); never a whole-document replace. */
  update: Record<string, unknown>;
  summary: string;
}

export interface DocumentFixSpec<I> {
  id: string;
  title: string;
  description: string;
  input: z.ZodType<I>;
  path(input: I): string;
  /** Computes the write from the current document; throws when there is nothing sensible to do. */
  change(current: DocumentData, input: I, ctx: FixContext): DocumentChange;
  /** A reason to refuse that needs other documents (e.g. another order already has this id). */
  conflict?(input: I, client: FirestoreClient, signal: AbortSignal): Promise<string | null>;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const parts = path.split(".");
  let cur = target;
  for (const p of parts.slice(0, -1)) {
    if (!cur[p] || typeof cur[p] !== "object" || Array.isArray(cur[p])) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

/** What the document looks like once `update` is applied, as plain JSON. */
export function applyUpdate(before: DocumentData, update: Record<string, unknown>): Record<string, unknown> {
  const after = structuredClone(toPlain(before)) as Record<string, unknown>;
  for (const [path, value] of Object.entries(update)) setPath(after, path, toPlain(value));
  return after;
}

function describeTime(token: string): string {
  const t = updateTimeFromToken(token);
  return t ? t.toDate().toISOString() : token;
}

function isFailedPrecondition(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 9 || code === "failed-precondition" || code === "FAILED_PRECONDITION";
}

export function documentFix<I>(client: FirestoreClient, spec: DocumentFixSpec<I>): ActionDefinition<I> {
  return action<I>({
    id: spec.id,
    title: spec.title,
    description: spec.description,
    input: spec.input,
    risk: "high",
    target: (input) => spec.path(input),
    timeout: "30s",
    async preview(input, { signal, actor }) {
      const path = spec.path(input);
      const conflict = await spec.conflict?.(input, client, signal);
      if (conflict) throw new ActionInputError(conflict);
      const snap = await abortable(client.db.doc(path).get(), signal);
      if (!snap.exists) throw new ActionInputError(`${path} does not exist`);
      const data = snap.data()!;
      const change = spec.change(data, input, { actor, now: new Date() });
      return {
        summary: `${change.summary} (${path}, one document)`,
        count: 1,
        before: toPlain(data),
        after: applyUpdate(data, change.update),
        rows: Object.entries(change.update).map(([field, value]) => ({ field, before: toPlain(getPath(data, field)), after: toPlain(value) })),
        precondition: updateTimeToken(snap.updateTime!),
      };
    },
    async run(input, ctx) {
      const path = spec.path(input);
      const ref = client.db.doc(path);
      const expected = input.precondition === undefined ? undefined : updateTimeFromToken(input.precondition);
      if (input.precondition !== undefined && !expected) throw new ActionInputError(`precondition "${input.precondition}" is not a document update time`);
      if (!expected) ctx.log(`no preview precondition given: checking against ${path} as read now`);
      const conflict = await spec.conflict?.(input, client, ctx.signal);
      if (conflict) throw new ActionInputError(conflict);

      // The emulator ignores update-time preconditions (checked: it only honours exists), so the
      // comparison is also made here inside the transaction; real Firestore enforces both.
      let outcome: { change: DocumentChange; before: DocumentData; readTime: string };
      try {
        outcome = await client.db.runTransaction(
          async (tx) => {
            const snap = await tx.get(ref);
            if (!snap.exists) throw new ChangedSincePreviewError(path, "it no longer exists");
            const current = snap.updateTime!;
            if (expected && !current.isEqual(expected)) {
              throw new ChangedSincePreviewError(path, `updated at ${current.toDate().toISOString()}, the preview showed ${describeTime(input.precondition!)}`);
            }
            const before = snap.data()!;
            const change = spec.change(before, input, { actor: ctx.actor, now: new Date() });
            tx.update(ref, change.update, { lastUpdateTime: expected ?? current });
            return { change, before, readTime: updateTimeToken(current) };
          },
          { maxAttempts: 1 },
        );
      } catch (err) {
        if (isFailedPrecondition(err)) throw new ChangedSincePreviewError(path, "Firestore refused the write: its update time no longer matches");
        throw err;
      }
      ctx.log(`${path}: ${outcome.change.summary}`);
      ctx.progress(1, 1);
      const after = applyUpdate(outcome.before, outcome.change.update);
      return {
        summary: `${outcome.change.summary} (${path})`,
        rows: Object.entries(outcome.change.update).map(([field, value]) => ({ field, before: toPlain(getPath(outcome.before, field)), after: toPlain(value) })),
        data: { path, before: toPlain(outcome.before), after, precondition: outcome.readTime },
      };
    },
  });
}

export function nowTimestamp(now: Date): Timestamp {
  return Timestamp.fromDate(now);
}
