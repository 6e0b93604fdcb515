// The reader's way of showing time, kept per user in a cookie of this browser (named by the user's
// id, so two people sharing a browser keep their own). No cookie: UTC.
import * as cookie from "cookie";
import { PROTO_HEADER } from "./auth.server";
import { z } from "zod";
import { isTimeZone, TIME_MODES, UTC_PREFERENCE, type TimePreference } from "~/lib/time";

const YEAR_S = 365 * 86_400;

// Server-only: a zod object schema built where the browser bundle loads it would run zod's eval
// probe before root.tsx turns it off, and the Content-Security-Policy reports that.
export const TimePreferenceSchema = z
  .object({
    mode: z.enum(TIME_MODES),
    zone: z.string().max(64).optional(),
  })
  .transform((v, ctx): TimePreference => {
    if (v.mode === "utc") return UTC_PREFERENCE;
    if (!v.zone || !isTimeZone(v.zone)) {
      ctx.addIssue({ code: "custom", path: ["zone"], message: "must be a time zone name such as Europe/Berlin" });
      return z.NEVER;
    }
    return { mode: "local", zone: v.zone };
  });


function cookieName(userId: string): string {
  return `opsdeck_time_${userId.replace(/[^A-Za-z0-9_-]/g, "")}`;
}

/** The signed-in user's preference from the request's cookie; UTC when absent or unreadable. */
export function timePreference(request: Request, user: { id: string } | null): TimePreference {
  if (!user) return UTC_PREFERENCE;
  const raw = cookie.parse(request.headers.get("cookie") ?? "")[cookieName(user.id)];
  if (!raw) return UTC_PREFERENCE;
  const [mode, zone] = raw.split("|");
  const parsed = TimePreferenceSchema.safeParse({ mode, zone });
  return parsed.success ? parsed.data : UTC_PREFERENCE;
}

/** `Set-Cookie` for a chosen preference. */
export function timePreferenceCookie(request: Request, user: { id: string }, pref: TimePreference): string {
  return cookie.serialize(cookieName(user.id), pref.mode === "utc" ? "utc" : `local|${pref.zone}`, {
    httpOnly: true,
    sameSite: "lax",
    secure: request.headers.get(PROTO_HEADER) === "https",
    path: "/",
    maxAge: YEAR_S,
  });
}
