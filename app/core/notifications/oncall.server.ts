// Who is on call: a rotation hands off at a weekday and time (or daily) in its time zone, layers
// take over for the hours they name, and an override set in the portal wins for its date range.
import type { Store } from "../db/store.server";
import { newId } from "../ids.server";
import { WEEKDAYS, type OncallConfig, type RotationConfig } from "./config";

const DAY = 86_400_000;
// 2024-01-01 was a Monday: rotations count their shifts from there, so every instance agrees.
const ANCHOR = Date.UTC(2024, 0, 1);

export interface Override {
  id: string;
  rotation: string;
  username: string;
  startsAt: number;
  endsAt: number;
  createdBy: string;
}

interface Wall {
  /** The local wall clock as if it were UTC. */
  ms: number;
  weekday: number;
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function wall(at: number, tz: string): Wall {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    formatters.set(tz, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  const ms = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second)) + (at % 1000);
  return { ms, weekday: new Date(ms).getUTCDay(), minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** The real instant of a wall-clock time in `tz` (the offset taken at that instant). */
function fromWall(wallMs: number, tz: string): number {
  let guess = wallMs;
  for (let i = 0; i < 2; i++) guess = wallMs - (wall(guess, tz).ms - guess);
  return guess;
}

const hhmm = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

/** The shift index at `at` and when the shift ends. */
function shift(r: RotationConfig, at: number): { index: number; endsAt: number } {
  const w = wall(at, r.timezone);
  const weekly = r.handoff.every === "week" || (!!r.handoff.weekday && r.handoff.every !== "day");
  const period = weekly ? 7 * DAY : DAY;
  const weekday = r.handoff.weekday ? WEEKDAYS.indexOf(r.handoff.weekday) : 1;
  const start = (weekly ? ANCHOR + ((weekday - 1 + 7) % 7) * DAY : ANCHOR) + hhmm(r.handoff.time) * 60_000;
  const index = Math.floor((w.ms - start) / period);
  return { index, endsAt: fromWall(start + (index + 1) * period, r.timezone) };
}

const mod = (a: number, n: number) => ((a % n) + n) % n;

function layerAt(r: RotationConfig, at: number): string | null {
  const w = wall(at, r.timezone);
  for (const layer of r.layers) {
    if (!layer.weekdays.map((d) => WEEKDAYS.indexOf(d)).includes(w.weekday)) continue;
    if (w.minutes < hhmm(layer.from) || w.minutes >= hhmm(layer.to)) continue;
    return layer.members[mod(Math.floor((w.ms - ANCHOR) / DAY), layer.members.length)]!;
  }
  return null;
}

/** Who is on call for `rotation` at `at`: an override, else a layer, else the base schedule. */
export function onCallAt(config: OncallConfig, overrides: readonly Override[], rotation: string, at: number): string | null {
  const r = config.rotations[rotation];
  if (!r) return null;
  const o = overrides.filter((x) => x.rotation === rotation && x.startsAt <= at && at < x.endsAt).sort((a, b) => b.startsAt - a.startsAt)[0];
  if (o) return o.username;
  return layerAt(r, at) ?? r.members[mod(shift(r, at).index, r.members.length)]!;
}

/** The next time someone else takes over (handoff, an override's edge or a layer's), looked for up to 8 weeks ahead. */
export function nextHandoff(config: OncallConfig, overrides: readonly Override[], rotation: string, at: number): { user: string; at: string } | null {
  const r = config.rotations[rotation];
  if (!r) return null;
  const now = onCallAt(config, overrides, rotation, at);
  const candidates = new Set<number>();
  let t = at;
  for (let i = 0; i < 60; i++) {
    t = shift(r, t).endsAt;
    candidates.add(t);
  }
  for (const o of overrides) if (o.rotation === rotation) for (const edge of [o.startsAt, o.endsAt]) if (edge > at) candidates.add(edge);
  if (r.layers.length) for (let h = 1; h <= 24 * 14; h++) candidates.add(Math.floor(at / 1800_000) * 1800_000 + h * 1800_000);
  for (const c of [...candidates].sort((a, b) => a - b)) {
    if (c <= at || c > at + 56 * DAY) continue;
    const who = onCallAt(config, overrides, rotation, c);
    if (who && who !== now) return { user: who, at: new Date(c).toISOString() };
  }
  return null;
}

export async function listOverrides(store: Store, now = Date.now()): Promise<Override[]> {
  const rows = await store.db.selectFrom("oncall_overrides").selectAll().where("ends_at", ">", now - 7 * DAY).orderBy("starts_at").execute();
  return rows.map((r) => ({ id: r.id, rotation: r.rotation, username: r.username, startsAt: Number(r.starts_at), endsAt: Number(r.ends_at), createdBy: r.created_by }));
}

export async function insertOverride(db: Store["db"], o: Omit<Override, "id">, now = Date.now()): Promise<string> {
  const id = newId("ovr_");
  await db.insertInto("oncall_overrides").values({ id, rotation: o.rotation, username: o.username, starts_at: o.startsAt, ends_at: o.endsAt, created_by: o.createdBy, created_at: now }).execute();
  return id;
}

export interface RotationView {
  name: string;
  now: string | null;
  next: { user: string; at: string } | null;
}

export async function oncallNow(store: Store, config: OncallConfig, at = Date.now()): Promise<RotationView[]> {
  const overrides = await listOverrides(store, at);
  return Object.keys(config.rotations).map((name) => ({ name, now: onCallAt(config, overrides, name, at), next: nextHandoff(config, overrides, name, at) }));
}

/** One line for every message: "On call now: amy (primary), next ben at …". */
export function oncallLine(views: readonly RotationView[]): string | null {
  if (!views.length) return null;
  return `On call now: ${views.map((v) => `${v.now ?? "nobody"} (${v.name}${v.next ? `; next ${v.next.user} at ${v.next.at.slice(0, 16).replace("T", " ")} UTC` : ""})`).join(", ")}`;
}
