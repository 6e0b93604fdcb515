import type { Thresholds } from "../../../plugins/plugin-api";
import { credentialKey, onCredentialsChanged, validCredentials, type Credential } from "../auth.server";
import type { Store } from "../db/store.server";
import type { Log } from "../log.server";
import { InputError } from "../http/errors.server";
import type { ProbeEngine } from "./engine.server";
import { parseThreshold } from "./thresholds.server";

export const MAX_VIEWS = 100;
/** How often a live feed refreshes stale probes and re-checks every viewer's session. */
export const FEED_TICK_MS = 1000;
const HEARTBEAT_MS = 15_000;

export interface FeedView {
  key: string;
  probeId: string;
  thresholds?: Thresholds;
}

/** A view key is `probeId`, or `probeId#warn#critical` for a widget with its own thresholds. */
function parseView(key: string): FeedView | { key: string; error: string } {
  const [probeId, warn, critical] = key.split("#");
  if (!warn && !critical) return { key, probeId };
  try {
    if (warn) parseThreshold(warn);
    if (critical) parseThreshold(critical);
  } catch (err) {
    return { key, error: err instanceof Error ? err.message : String(err) };
  }
  return { key, probeId, thresholds: { warn: warn || undefined, critical: critical || undefined } };
}

interface Viewer {
  credential: Credential;
  views: FeedView[];
  write(bytes: Uint8Array): void;
  close(reason?: string): void;
}

const encoder = new TextEncoder();
const event = (name: string, data: unknown) => encoder.encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
const HEARTBEAT = encoder.encode(`: keep-alive\n\n`);

/**
 * The live probe feed of one portal: every open stream registers here. One timer for all of them
 * refreshes the probes someone watches (through the engine's cache and single-flight, so a
 * thousand viewers cost one upstream read per probe per interval) and re-checks every viewer's
 * credential in one batched query, closing the streams whose session ended or whose user was
 * disabled. A new reading is rendered and encoded once per view and the same bytes go to every
 * viewer of it.
 */
export class ProbeFeed {
  private readonly viewers = new Set<Viewer>();
  private readonly byProbe = new Map<string, Set<Viewer>>();
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private unwatchCredentials: (() => void) | undefined;
  private checking: Promise<void> | undefined;
  /** Credential checks done (for tests and the bench). */
  checks = 0;

  constructor(
    private readonly engine: ProbeEngine,
    private readonly store: Store,
    private readonly log: Log,
    private readonly tickMs = FEED_TICK_MS,
  ) {}

  get size(): number {
    return this.viewers.size;
  }

  /** Parses `?v=` keys: at most MAX_VIEWS, unknown probes and bad thresholds reported per key. */
  parseViews(keys: string[]): { views: FeedView[]; invalid: { key: string; error: string }[] } {
    const unique = [...new Set(keys)];
    if (unique.length === 0 || unique.length > MAX_VIEWS) throw new InputError({ v: [`give between 1 and ${MAX_VIEWS} probes as ?v=<probeId>`] });
    if (unique.some((k) => k.length > 600)) throw new InputError({ v: ["a view key is at most 600 characters"] });
    const views: FeedView[] = [];
    const invalid: { key: string; error: string }[] = [];
    for (const parsed of unique.map(parseView)) {
      if ("error" in parsed) invalid.push(parsed);
      else if (!this.engine.has(parsed.probeId)) invalid.push({ key: parsed.key, error: `unknown probe "${parsed.probeId}"` });
      else views.push(parsed);
    }
    return { views, invalid };
  }

  /** An SSE stream of the views' readings for as long as the credential holds and the client stays. */
  open(views: FeedView[], invalid: { key: string; error: string }[], credential: Credential, signal: AbortSignal): ReadableStream<Uint8Array> {
    let viewer: Viewer | undefined;
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        let closed = false;
        const close = (reason?: string) => {
          if (closed) return;
          if (reason) {
            try {
              controller.enqueue(event("session-ended", { reason }));
            } catch {
              /* already gone */
            }
          }
          closed = true;
          this.remove(v);
          signal.removeEventListener("abort", onAbort);
          try {
            controller.close();
          } catch {
            /* already closed */
          }
        };
        const onAbort = () => close();
        const v: Viewer = {
          credential,
          views,
          write: (bytes) => {
            if (closed) return;
            try {
              controller.enqueue(bytes);
            } catch {
              close();
            }
          },
          close,
        };
        viewer = v;
        v.write(encoder.encode(`retry: 3000\n\n`));
        for (const bad of invalid) v.write(event("invalid", bad));
        this.add(v);
        for (const view of views) void this.render(view).then((bytes) => bytes && v.write(bytes));
        signal.addEventListener("abort", onAbort);
        if (signal.aborted) close();
      },
      cancel: () => viewer?.close(),
    });
  }

  private add(v: Viewer): void {
    this.viewers.add(v);
    for (const view of v.views) {
      let set = this.byProbe.get(view.probeId);
      if (!set) this.byProbe.set(view.probeId, (set = new Set()));
      set.add(v);
    }
    if (!this.timer) this.start();
  }

  private remove(v: Viewer): void {
    if (!this.viewers.delete(v)) return;
    for (const view of v.views) {
      const set = this.byProbe.get(view.probeId);
      set?.delete(v);
      if (set && set.size === 0) this.byProbe.delete(view.probeId);
    }
    if (this.viewers.size === 0) this.stop();
  }

  private start(): void {
    this.unsubscribe = this.engine.subscribe((id) => void this.publish(id));
    this.unwatchCredentials = onCredentialsChanged(() => void this.checkCredentials());
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.heartbeat = setInterval(() => {
      for (const v of this.viewers) v.write(HEARTBEAT);
    }, HEARTBEAT_MS);
    this.timer.unref?.();
    this.heartbeat.unref?.();
  }

  private stop(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    this.timer = this.heartbeat = undefined;
    this.unsubscribe?.();
    this.unwatchCredentials?.();
  }

  /** Closes every stream (portal shutdown). */
  closeAll(): void {
    for (const v of [...this.viewers]) v.close();
  }

  private tick(): void {
    // Asking keeps readings fresh while someone watches: a stale probe gets one shared refresh.
    for (const id of this.byProbe.keys()) if (this.engine.isStale(id)) void this.engine.refresh(id);
    void this.checkCredentials();
  }

  /** Re-checks every viewer's credential (one batched query per kind); closes the streams whose credential is gone. */
  checkCredentials(): Promise<void> {
    if (this.checking) return this.checking;
    const run = async () => {
      const viewers = [...this.viewers];
      if (!viewers.length) return;
      this.checks++;
      let valid: Set<string>;
      try {
        valid = await validCredentials(this.store, viewers.map((v) => v.credential));
      } catch (err) {
        // The store is unreachable: keep streams open (they show cached readings) and try next tick.
        this.log.warn({ err }, "live feed: could not re-check sessions");
        return;
      }
      for (const v of viewers) if (!valid.has(credentialKey(v.credential))) v.close("your session ended; sign in again");
    };
    this.checking = run().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async render(view: FeedView): Promise<Uint8Array | undefined> {
    try {
      const reading = await this.engine.reading(view.probeId, { thresholds: view.thresholds });
      return event("reading", { key: view.key, reading });
    } catch (err) {
      this.log.warn({ err, probe: view.probeId }, "live feed: could not render a reading");
      return undefined;
    }
  }

  private async publish(probeId: string): Promise<void> {
    const viewers = this.byProbe.get(probeId);
    if (!viewers?.size) return;
    const byKey = new Map<string, { view: FeedView; viewers: Viewer[] }>();
    for (const v of viewers) {
      for (const view of v.views) {
        if (view.probeId !== probeId) continue;
        const group = byKey.get(view.key) ?? { view, viewers: [] };
        group.viewers.push(v);
        byKey.set(view.key, group);
      }
    }
    await Promise.all(
      [...byKey.values()].map(async ({ view, viewers: group }) => {
        const bytes = await this.render(view);
        if (bytes) for (const v of group) v.write(bytes);
      }),
    );
  }
}
