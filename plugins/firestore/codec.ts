// Firestore values ⇄ type-tagged JSON (`TaggedValue`, see plugin-api), so a backup file restores
// the same types it read: integers (read as BigInt) apart from doubles, timestamps to the
// nanosecond, geo points, document references, bytes, nested maps and arrays.
import type { TaggedValue } from "./api";
import { DocumentReference, FieldValue, GeoPoint, Timestamp, type Firestore } from "./client.server";

const isTag = (o: object) => {
  const keys = Object.keys(o);
  return keys.length === 1 && keys[0]!.startsWith("$");
};

export function encodeValue(v: unknown): TaggedValue {
  if (v === null || v === undefined) return null;
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "bigint") return { $int: v.toString() };
  if (typeof v === "number") {
    // A double that JSON cannot carry, or -0, keeps its exact value as text.
    if (!Number.isFinite(v) || Object.is(v, -0)) return { $double: Object.is(v, -0) ? "-0" : String(v) };
    return v;
  }
  if (v instanceof Timestamp) return { $timestamp: `${v.seconds}.${String(v.nanoseconds).padStart(9, "0")}` };
  if (v instanceof GeoPoint) return { $geo: [v.latitude, v.longitude] };
  if (v instanceof DocumentReference) return { $ref: v.path };
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString("base64") };
  if (Array.isArray(v)) return v.map(encodeValue);
  if (typeof v === "object") {
    const ctor = (v as object).constructor?.name;
    if (ctor === "VectorValue") return { $vector: (v as { toArray(): number[] }).toArray() };
    if (ctor && ctor !== "Object") throw new Error(`a Firestore value of type ${ctor} cannot be backed up`);
    const out: Record<string, TaggedValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = encodeValue(x);
    return isTag(out) ? { $map: out } : out;
  }
  throw new Error(`a Firestore value of type ${typeof v} cannot be backed up`);
}

export function encodeFields(data: Record<string, unknown>): Record<string, TaggedValue> {
  const out: Record<string, TaggedValue> = {};
  for (const [k, v] of Object.entries(data)) out[k] = encodeValue(v);
  return out;
}

/**
 * Back to SDK values. One limit of the SDK: it writes a whole-number double (3.0) as an integer
 * (there is no public way to force a double), so only such values change type on the way back.
 */
export function decodeValue(v: TaggedValue, db: Firestore): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => decodeValue(x, db));
  if (isTag(v)) {
    const [tag, x] = Object.entries(v)[0]! as [string, any];
    switch (tag) {
      case "$int":
        return BigInt(x);
      case "$double":
        return x === "-0" ? -0 : Number(x);
      case "$timestamp": {
        const m = /^(-?\d+)\.(\d{9})$/.exec(String(x));
        if (!m) throw new Error(`bad $timestamp "${x}"`);
        return new Timestamp(Number(m[1]), Number(m[2]));
      }
      case "$geo":
        return new GeoPoint(Number(x[0]), Number(x[1]));
      case "$ref":
        return db.doc(String(x));
      case "$bytes":
        return Buffer.from(String(x), "base64");
      case "$vector":
        return FieldValue.vector((x as number[]).map(Number));
      case "$map":
        return decodeFields(x as Record<string, TaggedValue>, db);
      default:
        throw new Error(`unknown type tag ${tag}`);
    }
  }
  return decodeFields(v as Record<string, TaggedValue>, db);
}

export function decodeFields(fields: Record<string, TaggedValue>, db: Firestore): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = decodeValue(v, db);
  return out;
}
