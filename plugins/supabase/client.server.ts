// The only file that holds supabase-js and the service-role key.
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import ws from "ws";
import { UpstreamError } from "../plugin-api";

export type { SupabaseClient };

/** supabase-js for the server: no session, no token refresh, `ws` as the realtime transport (Node 20 has no WebSocket). */
export function createSupabase(url: string, serviceRoleKey: string): SupabaseClient {
  return createClient(url, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: ws as unknown as never },
    global: { headers: { "x-client-info": "opsdeck" } },
  });
}

/** An upstream failure in the operator's words (the family's `UpstreamError`, Supabase's HTTP status as `providerStatus`); the key is never part of it. */
export class SupabaseFailure extends UpstreamError {
  constructor(message: string, providerStatus?: number) {
    super(message, { providerStatus: providerStatus ?? null });
  }
}

/** Maps a supabase-js error (REST or Storage) to a message that says what went wrong. */
export function describeFailure(what: string, err: { message?: string; status?: number; statusCode?: string | number; code?: string } | null, status?: number): SupabaseFailure {
  const code = Number(status ?? err?.status ?? err?.statusCode ?? 0) || undefined;
  if (code === 401 || code === 403 || /invalid (api key|signature|jwt)|jws|unauthorized/i.test(err?.message ?? "")) {
    return new SupabaseFailure(`${what}: authentication failed (HTTP ${code ?? 401}); check serviceRoleKey`, code);
  }
  const message = err?.message?.trim() || "no answer";
  return new SupabaseFailure(`${what}: ${message}${code ? ` (HTTP ${code})` : ""}`, code);
}
