/**
 * One provider's status, fetched at most once per interval whatever asks for it (both probes, the
 * alerts and the timelines read the same state), with conditional requests and a size cap.
 */
import type { ComponentState, ProviderComponent, ProviderIncident, ProviderState } from "./api";
import { fetchStatus, type Validators } from "./client";
import type { ResolvedProvider } from "./config";
import { parseFeed, parseGoogleCloud, parseStatuspage, statuspageIncidents, type ParsedPage } from "./parse";

export interface PollerOptions {
  everyMs: number;
  timeoutMs: number;
  maxBytes: number;
  feedWindowMs: number;
  now?: () => number;
  onChecked?: (provider: string) => void;
}

const KEEP_RESOLVED_MS = 86_400_000;

export function pageAddress(p: ResolvedProvider): string {
  return p.kind === "statuspage" ? p.url.replace(/\/+$/, "").replace(/\/api\/v2\/.*$/, "") : p.url;
}

export function documentUrl(p: ResolvedProvider): string {
  return p.kind === "statuspage" ? `${pageAddress(p)}/api/v2/summary.json` : p.url;
}

export class ProviderPoller {
  private validators: Validators | null = null;
  private page: ParsedPage | null = null;
  private attemptAt: number | null = null;
  private inflight: Promise<ProviderState> | null = null;
  /** Incidents seen open, by id, so one that leaves the page is recorded as resolved. */
  private known = new Map<string, ProviderIncident>();
  readonly state: ProviderState;
  private readonly now: () => number;

  constructor(readonly provider: ResolvedProvider, private readonly opts: PollerOptions) {
    this.now = opts.now ?? Date.now;
    this.state = { name: provider.name, title: provider.title, kind: provider.kind, url: pageAddress(provider), plugins: provider.plugins, checkedAt: null, error: null, components: [], incidents: [] };
  }

  /** The state, fetched first when the last attempt is older than the interval (one fetch shared by every caller). */
  read(): Promise<ProviderState> {
    if (this.inflight) return this.inflight;
    if (this.attemptAt !== null && this.now() - this.attemptAt < this.opts.everyMs) return Promise.resolve(this.state);
    this.attemptAt = this.now();
    const p = this.fetchOnce().finally(() => {
      if (this.inflight === p) this.inflight = null;
      this.opts.onChecked?.(this.provider.name);
    });
    this.inflight = p;
    return p;
  }

  private async fetchOnce(): Promise<ProviderState> {
    const p = this.provider;
    try {
      const answer = await fetchStatus(documentUrl(p), { validators: this.validators, timeoutMs: this.opts.timeoutMs, maxBytes: this.opts.maxBytes, accept: p.kind === "feed" ? "application/rss+xml, application/atom+xml, text/xml" : "application/json" });
      this.validators = answer.validators;
      const now = this.now();
      if (!answer.notModified || !this.page) {
        if (answer.notModified) throw new Error("answered 304 Not Modified to a first request");
        this.page = p.kind === "statuspage" ? parseStatuspage(answer.text, now) : p.kind === "google-cloud" ? parseGoogleCloud(answer.text, p.url, now) : parseFeed(answer.text, now, this.opts.feedWindowMs);
      }
      await this.track(this.page, now);
      this.state.components = this.watched(this.page.components);
      this.state.checkedAt = now;
      this.state.error = null;
    } catch (err) {
      this.state.error = err instanceof Error ? err.message : String(err);
    }
    return this.state;
  }

  private watched(all: ProviderComponent[]): ProviderComponent[] {
    const names = this.provider.components;
    if (!names) return all;
    return names.map((n) => all.find((c) => c.name.toLowerCase() === n.toLowerCase()) ?? { name: n, status: "operational" as ComponentState });
  }

  /** Whether an incident concerns the watched components (all incidents when none are named or it names none). */
  private concernsWatched(i: ProviderIncident): boolean {
    const names = this.provider.components?.map((n) => n.toLowerCase());
    return !names || !i.components.length || i.components.some((c) => names.includes(c.toLowerCase()));
  }

  private async track(page: ParsedPage, now: number): Promise<void> {
    const listed = new Map(page.incidents.filter((i) => this.concernsWatched(i)).map((i) => [i.id, i]));
    const gone = [...this.known.values()].filter((i) => i.resolvedAt === null && !listed.has(i.id));
    if (gone.length && this.provider.kind === "statuspage") {
      // Statuspage's summary lists unresolved incidents only: ask once how the missing ones ended.
      const recent = await this.recentStatuspageIncidents(now).catch(() => []);
      for (const i of gone) {
        const r = recent.find((x) => x.id === i.id);
        if (r) listed.set(i.id, r);
      }
    }
    for (const i of gone) {
      if (listed.has(i.id)) continue;
      listed.set(i.id, { ...i, status: "resolved", resolvedAt: now, updates: [...i.updates, { id: "gone", at: now, status: "resolved", body: "No longer listed as unresolved by the provider." }] });
    }
    for (const [id, i] of listed) this.known.set(id, i);
    for (const [id, i] of this.known) if (i.resolvedAt !== null && now - i.resolvedAt > KEEP_RESOLVED_MS) this.known.delete(id);
    this.state.incidents = [...this.known.values()].sort((a, b) => b.startedAt - a.startedAt);
  }

  private async recentStatuspageIncidents(now: number): Promise<ProviderIncident[]> {
    const answer = await fetchStatus(`${pageAddress(this.provider)}/api/v2/incidents.json`, { timeoutMs: this.opts.timeoutMs, maxBytes: this.opts.maxBytes });
    if (answer.notModified) return [];
    return statuspageIncidents((JSON.parse(answer.text) as { incidents?: unknown }).incidents, now);
  }
}
