// One guarded write to one document: only fields the config allow-lists, only $set, preview shows
// before/after, and the write matches on the values the preview showed, so a document changed
// since then is refused and nothing is written.
import { EJSON, ObjectId } from "bson";
import type { Db, Document } from "mongodb";
import { z } from "zod";
import { action, ActionInputError } from "../../plugin-api";
import { plainValue } from "../run-query";

const Scalar = z.union([z.string().max(2000), z.number().finite(), z.boolean(), z.null()]);
const SetValue = z.union([Scalar, z.object({ $date: z.string().max(40) }).strict()]);

export const FixInput = z.object({
  collection: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,119}$/, "a collection name").describe("Collection (one the config allow-lists)"),
  id: z.string().min(1).max(200).describe("The document's _id (24 hex digits are also tried as an ObjectId)"),
  set: z.record(z.string().max(200), SetValue).refine((s) => Object.keys(s).length > 0 && Object.keys(s).length <= 20, "set 1 to 20 fields").describe('Fields to set, e.g. { "status": "confirmed", "webhook.processedAt": { "$date": "now" } }'),
  expect: z.record(z.string().max(200), Scalar).optional().describe("Optional: the values these fields must hold now, or nothing is written"),
});
export type FixInput = z.infer<typeof FixInput>;

const get = (doc: Document, path: string): unknown => path.split(".").reduce<unknown>((cur, k) => (cur && typeof cur === "object" ? (cur as Record<string, unknown>)[k] : undefined), doc);

function idFilter(id: string): Document {
  return /^[0-9a-fA-F]{24}$/.test(id) ? { _id: { $in: [id, ObjectId.createFromHexString(id)] } } : { _id: id };
}

function resolveValue(v: z.infer<typeof SetValue>, now: Date): unknown {
  if (v && typeof v === "object") {
    if (v.$date === "now") return now;
    const d = new Date(v.$date);
    if (!/^\d{4}-\d{2}-\d{2}/.test(v.$date) || Number.isNaN(d.getTime())) throw new ActionInputError(`"${v.$date}" is not an ISO date or "now"`, { set: ["bad $date"] });
    return d;
  }
  return v;
}

/** A field's current value as the write's match: missing, null and values are told apart. */
function matchOf(value: unknown): unknown {
  if (value === undefined) return { $exists: false };
  if (value === null) return { $type: "null" };
  return { $eq: value };
}

export function fixDocument(db: Db, allow: Record<string, { fields: string[] }>) {
  const check = (input: FixInput) => {
    const fields = allow[input.collection]?.fields;
    if (!fields) throw new ActionInputError(`${input.collection} is not a collection the config allows fixes in (plugins.mongodb.fixes)`, { collection: ["not allow-listed"] });
    const bad = Object.keys(input.set).filter((f) => !fields.includes(f));
    if (bad.length) throw new ActionInputError(`not allow-listed for ${input.collection}: ${bad.join(", ")} (allowed: ${fields.join(", ")})`, { set: bad.map((f) => `${f} is not allow-listed`) });
    const badExpect = Object.keys(input.expect ?? {}).filter((f) => !fields.includes(f));
    if (badExpect.length) throw new ActionInputError(`expect names fields that are not allow-listed for ${input.collection}: ${badExpect.join(", ")}`, { expect: badExpect.map((f) => `${f} is not allow-listed`) });
  };
  const read = async (input: FixInput) => {
    const doc = await db.collection(input.collection).findOne(idFilter(input.id), { readPreference: "primary", maxTimeMS: 5000 });
    if (!doc) throw new ActionInputError(`${input.collection}/${input.id} does not exist`, { id: ["not found"] });
    for (const [f, want] of Object.entries(input.expect ?? {})) {
      const have = plainValue(get(doc, f)) ?? null;
      if (have !== want) throw new ActionInputError(`${input.collection}/${input.id}: ${f} is ${JSON.stringify(have)}, not ${JSON.stringify(want)} as expected; nothing was written`, { expect: [`${f} differs`] });
    }
    return doc;
  };
  return action<FixInput>({
    id: "fix-document",
    title: "Fix one MongoDB document",
    description: "Sets allow-listed fields of one document ($set only), if they still hold the values the preview showed.",
    input: FixInput,
    risk: "high",
    target: (input) => `${input.collection}/${input.id}`,
    timeout: "30s",
    async preview(input) {
      check(input);
      const doc = await read(input);
      const now = new Date();
      const current = Object.fromEntries(Object.keys(input.set).map((f) => [f, get(doc, f) ?? null]));
      const rows = Object.entries(input.set).map(([field, v]) => ({ field, before: plainValue(get(doc, field)) ?? null, after: plainValue(resolveValue(v, now)) }));
      return {
        summary: `set ${Object.keys(input.set).join(", ")} on ${input.collection}/${input.id} (one document)`,
        count: 1,
        before: Object.fromEntries(rows.map((r) => [r.field, r.before])),
        after: Object.fromEntries(rows.map((r) => [r.field, r.after])),
        rows,
        precondition: EJSON.stringify(Object.fromEntries(Object.keys(input.set).map((f) => [f, get(doc, f) === undefined ? { $missing: true } : current[f]])), { relaxed: false }),
      };
    },
    async run(input, ctx) {
      check(input);
      let expected: Record<string, unknown>;
      if (input.precondition !== undefined) {
        try {
          expected = EJSON.parse(input.precondition, { relaxed: false }) as Record<string, unknown>;
        } catch {
          throw new ActionInputError("the precondition is not one this action wrote", { precondition: ["unreadable"] });
        }
        if (!expected || typeof expected !== "object" || Object.keys(expected).sort().join() !== Object.keys(input.set).sort().join()) throw new ActionInputError("the precondition names other fields than set", { precondition: ["other fields"] });
      } else {
        const doc = await read(input);
        ctx.log("no preview precondition given: matching the values as read now");
        expected = Object.fromEntries(Object.keys(input.set).map((f) => [f, get(doc, f) === undefined ? { $missing: true } : get(doc, f)]));
      }
      const now = new Date();
      const filter: Document = { ...idFilter(input.id) };
      for (const [f, v] of Object.entries(expected)) filter[f] = v && typeof v === "object" && "$missing" in (v as object) ? matchOf(undefined) : matchOf(v);
      for (const [f, want] of Object.entries(input.expect ?? {})) if (!(f in filter)) filter[f] = matchOf(want);
      const $set = Object.fromEntries(Object.entries(input.set).map(([f, v]) => [f, resolveValue(v, now)]));
      const res = await db.collection(input.collection).updateOne(filter, { $set }, { writeConcern: { w: "majority" } });
      if (res.matchedCount !== 1) {
        throw new ActionInputError(`${input.collection}/${input.id} changed since preview (or no longer exists); nothing was written. Preview again.`, { precondition: ["changed since preview"] });
      }
      ctx.log(`${input.collection}/${input.id}: set ${Object.keys($set).join(", ")}`);
      ctx.progress(1, 1);
      return {
        summary: `set ${Object.keys($set).join(", ")} on ${input.collection}/${input.id}`,
        rows: Object.entries($set).map(([field, after]) => ({ field, before: plainValue(expected[field]) ?? null, after: plainValue(after) })),
        data: { collection: input.collection, id: input.id, modified: res.modifiedCount },
      };
    },
  });
}
