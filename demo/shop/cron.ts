// The shop's scheduled jobs: bearer-protected cron endpoints on the shop's server, and a scheduler
// that runs them and pings the portal's cron monitor the way the seeds' jobs do. One healthy, one
// late, one failing with 500, one that lost its bearer secret (401), one that finishes suspiciously
// fast, and AutoRelease, which reports through its Firestore health document (and has stopped).
import crypto from "node:crypto";
import { Cron } from "croner";
import type { DemoModule } from "../world";
import type { Firestore } from "firebase-admin/firestore";
import type { DemoRequest, DemoResponse, DemoWorld } from "../../plugins/plugin-api";
import { shopFirestore } from "./firestore";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

interface ShopJob {
  schedule: string;
  timezone?: string;
  /** How the shop's scheduler runs it now; null: it is not scheduled (AutoRelease stopped). */
  scheduler: null | {
    /** Start this long after the tick. */
    delayMs: number;
    workMs: () => number;
    /** Send the bearer secret (false: lost in a rotation, the endpoint answers 401). */
    sendsSecret: boolean;
  };
  /** What the endpoint answers to an authorised call. */
  answer: (shop: { firestore: () => Promise<Firestore> }) => Promise<DemoResponse> | DemoResponse;
}

/** Deterministic jitter so the seeded history looks the same on every first start. */
function jitter(seed: number): number {
  const x = Math.sin(seed * 12.9898) * 43758.5453;
  return x - Math.floor(x);
}

const JOBS: Record<string, ShopJob> = {
  "webhook-retry": {
    schedule: "*/15 * * * *",
    scheduler: { delayMs: 2_000, workMs: () => 3_000 + Math.round(Math.random() * 4_000), sendsSecret: true },
    answer: () => ({ status: 200, body: { retried: 3, delivered: 3, stillFailing: 0 } }),
  },
  "search-reindex": {
    schedule: "*/5 * * * *",
    timezone: "Europe/Berlin",
    // The worker queue is backed up: every run starts four and a half minutes after its tick.
    scheduler: { delayMs: 4.5 * MIN, workMs: () => 8_000 + Math.round(Math.random() * 5_000), sendsSecret: true },
    answer: () => ({ status: 200, body: { indexed: 1240 } }),
  },
  dunning: {
    schedule: "*/10 * * * *",
    timezone: "America/New_York",
    scheduler: { delayMs: 1_000, workMs: () => 600, sendsSecret: true },
    answer: () => ({ status: 500, body: { error: 'relation "dunning_attempts" does not exist (migration 0042 not applied)' } }),
  },
  engagement: {
    schedule: "*/10 * * * *",
    // CRON_SECRET was rotated in the app but not in the scheduler: every call is refused.
    scheduler: { delayMs: 1_000, workMs: () => 300, sendsSecret: false },
    answer: () => ({ status: 200, body: { sent: { day7: 4, day14: 2, day30: 1 }, skippedDuplicates: 0 } }),
  },
  "invoice-reminders": {
    schedule: "0 9 * * *",
    // The query silently returns nothing since a column rename: the run "succeeds" in a second and a half.
    scheduler: { delayMs: 0, workMs: () => 1_200 + Math.round(Math.random() * 600), sendsSecret: true },
    answer: () => ({ status: 200, body: { reminders: 0 } }),
  },
  autorelease: {
    schedule: "*/10 * * * *",
    scheduler: null,
    answer: (shop) => runAutoRelease(shop.firestore),
  },
  // Run by hand (POST /api/cron/collections-escalator), as the runbooks say; nothing is overdue long enough today.
  "collections-escalator": {
    schedule: "0 8 * * *",
    scheduler: null,
    answer: () => ({ status: 200, body: { escalated: 0, overdueChecked: 0 } }),
  },
};

/** AutoRelease, run by hand: scans the protected orders and writes opsHealth/autoReleaseProtected. */
async function runAutoRelease(firestore: () => Promise<Firestore>): Promise<DemoResponse> {
  // The shop's own client on the emulator the firestore plugin's sandbox announces (no plugin code).
  const db = await firestore().catch(() => null);
  if (!db) return { status: 503, body: { error: "the shop's Firestore is not running" } };
  const started = Date.now();
  const delivered = await db.collection("orders").where("status", "==", "delivered").get();
  // A real scan checks each order against Stripe: a few seconds, inside the band of the runs
  // before it (2–5 s), so the cron plugin's learned durations do not call it unusually fast.
  await new Promise((r) => setTimeout(r, 2_800 + Math.round(Math.random() * 1_400)));
  const now = new Date();
  await db.doc("opsHealth/autoReleaseProtected").set(
    { lastRunAt: now, startedAt: new Date(started), durationMs: Date.now() - started, scannedCount: delivered.size, releasedCount: 0, errorsCount: 0, lastError: null },
    { merge: true },
  );
  return { status: 200, body: { scanned: delivered.size, released: 0 } };
}

/** The job configs the cron plugin's demo() hands to the portal. */
function pluginConfig(world: DemoWorld, pingToken: string, secret: string) {
  const endpoint = (job: string) => `${world.shopUrl}/api/cron/${job}`;
  return {
    pingToken,
    jobs: {
      "webhook-retry": {
        title: "Stripe webhook retry",
        schedule: JOBS["webhook-retry"]!.schedule,
        grace: "5m",
        maxRuntime: "5m",
        endpoint: endpoint("webhook-retry"),
        secret,
      },
      "search-reindex": {
        title: "Search reindex",
        schedule: JOBS["search-reindex"]!.schedule,
        timezone: "Europe/Berlin",
        grace: "5m",
        maxRuntime: "2m",
        endpoint: endpoint("search-reindex"),
        secret,
      },
      dunning: {
        title: "Dunning: payment reminders for failed renewals",
        schedule: JOBS.dunning!.schedule,
        timezone: "America/New_York",
        grace: "5m",
        failuresBeforeCritical: 2,
        endpoint: endpoint("dunning"),
        method: "GET",
        secret,
      },
      engagement: {
        title: "Engagement emails (day 7/14/30/60/90)",
        schedule: JOBS.engagement!.schedule,
        grace: "5m",
        failuresBeforeCritical: 2,
        endpoint: endpoint("engagement"),
        method: "GET",
        secret,
      },
      "invoice-reminders": {
        title: "Invoice reminders (daily 09:00 UTC)",
        schedule: JOBS["invoice-reminders"]!.schedule,
        grace: "30m",
        minRuntime: "20s",
        maxRuntime: "10m",
        endpoint: endpoint("invoice-reminders"),
        secret,
      },
      autorelease: {
        title: "AutoRelease (payout release, every 10 minutes)",
        schedule: JOBS.autorelease!.schedule,
        grace: "10m",
        healthDocument: { path: "opsHealth/autoReleaseProtected", every: "15s" },
        endpoint: endpoint("autorelease"),
        secret,
      },
      "revenue-aggregation": {
        title: "Revenue aggregation (hourly)",
        schedule: "0 * * * *",
        grace: "15m",
        healthDocument: { path: "opsHealth/aggregateRevenue", every: "30s" },
        // The scheduled function has no protected endpoint secret in this portal: run-now says so.
        endpoint: endpoint("revenue-aggregation"),
      },
    },
  };
}

type SeedRun = { job: string; rid: null; startedAt: number | null; endedAt: number | null; durationMs: number | null; outcome: "success" | "fail"; exitStatus: number | null; excerpt: string | null; source: "seed" };

function ticks(schedule: string, timezone: string, from: number, to: number): number[] {
  const cron = new Cron(schedule, { timezone, paused: true });
  const out: number[] = [];
  let t = cron.nextRun(new Date(from));
  while (t && t.getTime() <= to && out.length < 5000) {
    out.push(t.getTime());
    t = cron.nextRun(t);
  }
  return out;
}

/** The runs before the portal started watching, consistent with the story of each job. */
export function seedHistory(now: number): SeedRun[] {
  const runs: SeedRun[] = [];
  const add = (job: string, start: number, durationMs: number | null, ok: boolean, excerpt: string | null, exitStatus: number | null = ok ? 0 : 22) => {
    // Only runs that had ended by now: the scheduler takes over from the next tick.
    if (start + (durationMs ?? 0) >= now) return;
    runs.push({ job, rid: null, startedAt: durationMs === null ? null : start, endedAt: start + (durationMs ?? 0), durationMs, outcome: ok ? "success" : "fail", exitStatus, excerpt, source: "seed" });
  };
  ticks("*/15 * * * *", "UTC", now - DAY, now).forEach((t, i) => add("webhook-retry", t + 2_000, 3_000 + Math.round(jitter(i) * 4_000), true, null));
  ticks("*/5 * * * *", "Europe/Berlin", now - 6 * HOUR, now).forEach((t, i) => add("search-reindex", t + 4.5 * MIN, 8_000 + Math.round(jitter(i + 100) * 5_000), true, null));
  ticks("*/10 * * * *", "America/New_York", now - 12 * HOUR, now - 2 * 1_000).forEach((t, i, all) => {
    const broken = i >= all.length - 5; // since the last deploy, 50 minutes ago
    add("dunning", t + 1_000, broken ? 600 : 20_000 + Math.round(jitter(i + 200) * 10_000), !broken, broken ? 'HTTP 500: {"error":"relation \\"dunning_attempts\\" does not exist (migration 0042 not applied)"}' : null);
  });
  ticks("*/10 * * * *", "UTC", now - 12 * HOUR, now - 2 * 1_000).forEach((t, i, all) => {
    const rotated = i >= all.length - 18; // the secret was rotated three hours ago
    add("engagement", t + 1_000, rotated ? 300 : 15_000 + Math.round(jitter(i + 300) * 8_000), !rotated, rotated ? 'curl: (22) The requested URL returned error: 401\n{"error":"unauthorized"}' : null);
  });
  ticks("0 9 * * *", "UTC", now - 40 * DAY, now).forEach((t, i, all) => {
    const hollow = i >= all.length - 2; // after the column rename
    add("invoice-reminders", t, hollow ? 1_200 + Math.round(jitter(i + 400) * 600) : 25_000 + Math.round(jitter(i + 400) * 20_000), true, hollow ? '{"reminders":0}' : null);
  });
  // AutoRelease ran every 10 minutes until its schedule was lost in a deploy about 6.5 hours ago;
  // its last run is the health document itself, read from Firestore.
  ticks("*/10 * * * *", "UTC", now - 30 * HOUR, now - 6 * HOUR - 40 * MIN).forEach((t, i) =>
    add("autorelease", t, 2_000 + Math.round(jitter(i + 500) * 3_000), true, `scannedCount ${10 + Math.round(jitter(i + 550) * 8)} · releasedCount ${Math.round(jitter(i + 600) * 4)} · errorsCount 0`),
  );
  ticks("0 * * * *", "UTC", now - 48 * HOUR, now - 2 * HOUR).forEach((t, i) => add("revenue-aggregation", t, 40_000 + Math.round(jitter(i + 700) * 30_000), true, "scannedCount 12 · errorsCount 0"));
  return runs;
}

function bearerOk(req: DemoRequest, secret: string): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  if (!m) return false;
  const a = crypto.createHash("sha256").update(m[1]!).digest();
  const b = crypto.createHash("sha256").update(secret).digest();
  return crypto.timingSafeEqual(a, b);
}

export const cronShop: DemoModule = {
  id: "cron",
  async start(world) {
    const pingToken = `demo-ping-${crypto.randomBytes(12).toString("hex")}`;
    const secret = `demo-cron-secret-${crypto.randomBytes(12).toString("hex")}`;
    const shop = { firestore: shopFirestore(world) };

    for (const [name, job] of Object.entries(JOBS)) {
      const handler = async (req: DemoRequest): Promise<DemoResponse> => {
        if (!bearerOk(req, secret)) return { status: 401, headers: { "www-authenticate": "Bearer" }, body: { error: "unauthorized" } };
        return job.answer(shop);
      };
      world.route("GET", `/api/cron/${name}`, handler);
      world.route("POST", `/api/cron/${name}`, handler);
    }
    world.route("GET", "/api/cron/revenue-aggregation", (req) => (bearerOk(req, secret) ? { status: 200, body: { ok: true } } : { status: 401, body: { error: "unauthorized" } }));

    // What the shop's scheduler last saw of each job (GET /api/cron/status, /api/cron/<job>/status): no secret, no bodies.
    const lastRuns = new Map<string, { at: string; status: number }>();
    const jobStatus = (name: string) => ({ job: name, schedule: JOBS[name]!.schedule, timezone: JOBS[name]!.timezone ?? "UTC", scheduled: !!JOBS[name]!.scheduler, lastRun: lastRuns.get(name) ?? null });
    world.route("GET", "/api/cron/status", () => ({ status: 200, body: { status: "ok", jobs: Object.keys(JOBS).map(jobStatus) } }));
    for (const name of Object.keys(JOBS)) world.route("GET", `/api/cron/${name}/status`, () => ({ status: 200, body: jobStatus(name) }));

    // Bearer pings, not /ping/<token>/… URLs: the portal's request log names paths, and in demo mode
    // it does not know the demo's token to scrub it.
    const ping = async (job: string, kind: string, rid: string, body?: string) => {
      try {
        await fetch(`${world.portalUrl}/api/cron/${job}/${kind}?rid=${rid}`, { method: "POST", headers: { authorization: `Bearer ${pingToken}` }, body, signal: AbortSignal.timeout(10_000) });
      } catch (err) {
        world.log.debug({ job, kind, err: String(err) }, "demo shop: ping not delivered");
      }
    };

    const crons: Cron[] = [];
    const timers = new Set<NodeJS.Timeout>();
    const later = (ms: number, fn: () => void) => {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      t.unref();
      timers.add(t);
    };
    for (const [name, job] of Object.entries(JOBS)) {
      const s = job.scheduler;
      if (!s) continue;
      crons.push(
        new Cron(job.schedule, { timezone: job.timezone ?? "UTC", unref: true, catch: true }, () => {
          later(s.delayMs, async () => {
            const rid = crypto.randomUUID();
            await ping(name, "start", rid);
            let status = 0;
            let text = "";
            try {
              const res = await fetch(`${world.shopUrl}/api/cron/${name}`, { headers: s.sendsSecret ? { authorization: `Bearer ${secret}` } : {}, signal: AbortSignal.timeout(30_000) });
              status = res.status;
              text = await res.text();
              lastRuns.set(name, { at: new Date().toISOString(), status });
            } catch (err) {
              text = String(err);
            }
            later(s.workMs(), () => {
              // Like `curl -fsS … && ping || ping /22`: curl exits 22 on an HTTP error.
              if (status >= 200 && status < 300) void ping(name, "success", rid, text);
              else void ping(name, status ? "22" : "fail", rid, `curl: (22) The requested URL returned error: ${status}\n${text}`);
            });
          });
        }),
      );
    }
    world.onStop(() => {
      for (const c of crons) c.stop();
      for (const t of timers) clearTimeout(t);
    });

    world.provide("cron.demo", { config: pluginConfig(world, pingToken, secret), history: seedHistory });
  },
};
