import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { DemoWorld } from "../plugin-api";
import type { ComponentState } from "./api";

/**
 * Local status pages for tests and the demo, one per provider under `/<name>/`:
 *  - statuspage: `/api/v2/summary.json`, `/api/v2/incidents/unresolved.json`, `/api/v2/incidents.json` (Atlassian Statuspage's public API)
 *  - google-cloud: `/incidents.json` (status.cloud.google.com's shape)
 *  - feed: `/feed.rss` (RSS 2.0) and `/feed.atom`
 * Every answer carries an ETag and Last-Modified and honours If-None-Match / If-Modified-Since
 * with 304. A provider can be made to hang, answer garbage or answer too much. `hits` counts requests per path.
 */
export interface SandboxIncident {
  id: string;
  name: string;
  status: "investigating" | "identified" | "monitoring" | "resolved";
  impact: "none" | "minor" | "major" | "critical";
  components: string[];
  startedAt: number;
  resolvedAt: number | null;
  updates: { id: string; at: number; status: string; body: string }[];
}

interface SandboxProvider {
  kind: "statuspage" | "google-cloud" | "feed";
  title: string;
  components: Map<string, ComponentState>;
  incidents: SandboxIncident[];
  version: number;
  changedAt: number;
  mode: "normal" | "hang" | "malformed" | "huge";
}

export interface StatusSandbox {
  url: string;
  /** The `url` to configure for a provider of this sandbox (by kind). */
  providerUrl(name: string): string;
  addProvider(name: string, kind: SandboxProvider["kind"], title: string, components?: string[]): void;
  setComponent(provider: string, component: string, status: ComponentState): void;
  openIncident(provider: string, incident: { name: string; impact?: SandboxIncident["impact"]; components?: string[]; body: string; at?: number }): string;
  updateIncident(provider: string, id: string, status: SandboxIncident["status"], body: string, at?: number): void;
  mode(provider: string, mode: SandboxProvider["mode"]): void;
  hits: Map<string, number>;
  /** How many answers were 304 Not Modified. */
  notModified(): number;
  hitsOf(provider: string): number;
  stop(): Promise<void>;
}

let seq = 0;
const newId = () => `${Date.now().toString(36)}${(seq++).toString(36).padStart(4, "0")}`.slice(-12);

const GCP_IMPACT: Record<SandboxIncident["impact"], string> = { none: "SERVICE_INFORMATION", minor: "SERVICE_INFORMATION", major: "SERVICE_DISRUPTION", critical: "SERVICE_OUTAGE" };
const GCP_STATUS: Record<string, string> = { investigating: "SERVICE_DISRUPTION", identified: "SERVICE_DISRUPTION", monitoring: "SERVICE_INFORMATION", resolved: "AVAILABLE" };
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export async function startStatusSandbox(opts: { now?: () => number } = {}): Promise<StatusSandbox> {
  const now = opts.now ?? Date.now;
  const providers = new Map<string, SandboxProvider>();
  const hits = new Map<string, number>();
  let notModified = 0;
  const hanging = new Set<http.ServerResponse>();
  let base = "";

  const p = (name: string) => {
    const x = providers.get(name);
    if (!x) throw new Error(`sandbox has no provider ${name}`);
    return x;
  };
  const touch = (x: SandboxProvider) => {
    x.version++;
    x.changedAt = now();
  };
  const iso = (t: number) => new Date(t).toISOString();

  function statuspageIncident(name: string, i: SandboxIncident) {
    return {
      id: i.id,
      name: i.name,
      status: i.status,
      impact: i.impact,
      created_at: iso(i.startedAt),
      started_at: iso(i.startedAt),
      updated_at: iso(i.updates.at(-1)?.at ?? i.startedAt),
      resolved_at: i.resolvedAt ? iso(i.resolvedAt) : null,
      shortlink: `${base}/${name}/incidents/${i.id}`,
      page_id: name,
      components: i.components.map((c) => ({ name: c, status: p(name).components.get(c) ?? "operational" })),
      incident_updates: [...i.updates].reverse().map((u) => ({ id: u.id, incident_id: i.id, status: u.status, body: u.body, created_at: iso(u.at), display_at: iso(u.at), updated_at: iso(u.at) })),
    };
  }

  function document(name: string, x: SandboxProvider, path: string): { type: string; body: string } | null {
    const page = { id: name, name: x.title, url: `${base}/${name}`, time_zone: "Etc/UTC", updated_at: iso(x.changedAt) };
    if (x.kind === "statuspage") {
      const open = x.incidents.filter((i) => i.resolvedAt === null);
      const components = [...x.components].map(([c, status], n) => ({ id: `cmp${n}`, name: c, status, position: n + 1, group: false, only_show_if_degraded: false, page_id: name, created_at: iso(0), updated_at: iso(x.changedAt) }));
      const worst = components.some((c) => c.status === "major_outage") ? "critical" : components.some((c) => c.status === "partial_outage") ? "major" : components.some((c) => c.status !== "operational") ? "minor" : "none";
      if (path === "/api/v2/summary.json")
        return { type: "application/json", body: JSON.stringify({ page, components, incidents: open.map((i) => statuspageIncident(name, i)), scheduled_maintenances: [], status: { indicator: worst, description: worst === "none" ? "All Systems Operational" : "Partial System Outage" } }) };
      if (path === "/api/v2/incidents/unresolved.json") return { type: "application/json", body: JSON.stringify({ page, incidents: open.map((i) => statuspageIncident(name, i)) }) };
      if (path === "/api/v2/incidents.json") return { type: "application/json", body: JSON.stringify({ page, incidents: [...x.incidents].reverse().slice(0, 50).map((i) => statuspageIncident(name, i)) }) };
      return null;
    }
    if (x.kind === "google-cloud" && path === "/incidents.json") {
      const list = [...x.incidents].reverse().map((i, n) => {
        const updates = [...i.updates].reverse().map((u) => ({ created: iso(u.at), modified: iso(u.at), when: iso(u.at), text: u.body, status: GCP_STATUS[u.status] ?? "SERVICE_DISRUPTION", affected_locations: [{ title: "Iowa (us-central1)", id: "us-central1" }] }));
        return {
          id: i.id,
          number: String(1000 + n),
          begin: iso(i.startedAt),
          created: iso(i.startedAt),
          end: i.resolvedAt ? iso(i.resolvedAt) : undefined,
          modified: iso(i.updates.at(-1)?.at ?? i.startedAt),
          external_desc: i.name,
          updates,
          most_recent_update: updates[0],
          status_impact: i.resolvedAt ? "AVAILABLE" : GCP_IMPACT[i.impact],
          severity: i.impact === "critical" ? "high" : i.impact === "major" ? "medium" : "low",
          service_key: "firestore",
          service_name: i.components[0] ?? x.title,
          affected_products: i.components.map((c) => ({ title: c, id: c.toLowerCase().replace(/\W+/g, "-") })),
          uri: `incidents/${i.id}`,
          currently_affected_locations: [],
          previously_affected_locations: [],
        };
      });
      return { type: "application/json", body: JSON.stringify(list) };
    }
    if (x.kind === "feed" && (path === "/feed.rss" || path === "/feed.atom")) {
      const items = [...x.incidents].reverse();
      const text = (i: SandboxIncident) => [...i.updates].reverse().map((u) => `<p><strong>${u.status[0].toUpperCase()}${u.status.slice(1)}</strong> - ${esc(u.body)}</p>`).join("");
      if (path === "/feed.rss")
        return {
          type: "application/rss+xml",
          body: `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>${esc(x.title)} status</title><link>${base}/${name}</link>${items
            .map((i) => `<item><title>${esc(i.name)}</title><description><![CDATA[${text(i)}]]></description><pubDate>${new Date(i.updates.at(-1)?.at ?? i.startedAt).toUTCString()}</pubDate><link>${base}/${name}/incidents/${i.id}</link><guid>${base}/${name}/incidents/${i.id}</guid></item>`)
            .join("")}</channel></rss>`,
        };
      return {
        type: "application/atom+xml",
        body: `<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>${esc(x.title)} status</title><updated>${iso(x.changedAt)}</updated>${items
          .map((i) => `<entry><title>${i.resolvedAt ? "RESOLVED: " : ""}${esc(i.name)}</title><id>tag:${name},${i.id}</id><updated>${iso(i.updates.at(-1)?.at ?? i.startedAt)}</updated><link href="${base}/${name}/incidents/${i.id}"/><content type="html">${esc(text(i))}</content></entry>`)
          .join("")}</feed>`,
      };
    }
    return null;
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    const [, name, ...rest] = url.pathname.split("/");
    const x = providers.get(name);
    const doc = x ? document(name, x, `/${rest.join("/")}`) : null;
    if (!x || !doc) return void res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));
    if (x.mode === "hang") {
      hanging.add(res);
      res.on("close", () => hanging.delete(res));
      return;
    }
    if (x.mode === "malformed") return void res.writeHead(200, { "content-type": doc.type }).end("<html><body>Service Unavailable</body>");
    if (x.mode === "huge") {
      // No content-length: the reader has to count (a chunked stream of a JSON list that never ends soon).
      res.writeHead(200, { "content-type": doc.type });
      const chunk = `{"x":"${"a".repeat(64 * 1024)}"},`;
      let sent = 0;
      const pump = () => {
        while (sent < 400 && res.write(sent === 0 ? `[${chunk}` : chunk)) sent++;
        if (sent >= 400) res.end('{"x":""}]');
        else res.once("drain", pump);
      };
      pump();
      res.on("error", () => {});
      return;
    }
    const etag = `"${createHash("sha1").update(doc.body).digest("hex").slice(0, 16)}"`;
    const lastModified = new Date(Math.floor(x.changedAt / 1000) * 1000).toUTCString();
    const inm = req.headers["if-none-match"];
    const ims = req.headers["if-modified-since"];
    if ((inm && inm === etag) || (!inm && ims && Date.parse(ims) >= Math.floor(x.changedAt / 1000) * 1000)) return void (notModified++, res.writeHead(304, { etag, "last-modified": lastModified }).end());
    res.writeHead(200, { "content-type": doc.type, etag, "last-modified": lastModified, "cache-control": "max-age=0, must-revalidate" }).end(doc.body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    providerUrl(name) {
      const x = p(name);
      return x.kind === "statuspage" ? `${base}/${name}` : x.kind === "google-cloud" ? `${base}/${name}/incidents.json` : `${base}/${name}/feed.rss`;
    },
    addProvider(name, kind, title, components = []) {
      providers.set(name, { kind, title, components: new Map(components.map((c) => [c, "operational" as ComponentState])), incidents: [], version: 0, changedAt: now(), mode: "normal" });
    },
    setComponent(provider, component, status) {
      const x = p(provider);
      x.components.set(component, status);
      touch(x);
    },
    openIncident(provider, i) {
      const x = p(provider);
      const at = i.at ?? now();
      const id = newId();
      x.incidents.push({ id, name: i.name, status: "investigating", impact: i.impact ?? "minor", components: i.components ?? [], startedAt: at, resolvedAt: null, updates: [{ id: newId(), at, status: "investigating", body: i.body }] });
      touch(x);
      return id;
    },
    updateIncident(provider, id, status, body, at = now()) {
      const x = p(provider);
      const i = x.incidents.find((y) => y.id === id);
      if (!i) throw new Error(`no incident ${id}`);
      i.status = status;
      i.updates.push({ id: newId(), at, status, body });
      if (status === "resolved") i.resolvedAt = at;
      touch(x);
    },
    mode(provider, mode) {
      p(provider).mode = mode;
    },
    hits,
    notModified: () => notModified,
    hitsOf(provider) {
      let n = 0;
      for (const [path, c] of hits) if (path.startsWith(`/${provider}/`)) n += c;
      return n;
    },
    async stop() {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * The demo's providers: Stripe and Vercel operational (the shop's webhook trouble is ours: the
 * signing secret was rotated), Firebase with an open Cloud Firestore incident that began before
 * the rotation, so the responder sees "them" too and can tell the two apart; Railway's feed quiet.
 */
export async function startDemoStatusPages(world?: DemoWorld): Promise<{ config: unknown; stop(): Promise<void>; sandbox: StatusSandbox }> {
  const sandbox = await startStatusSandbox();
  const rotatedAgo = world?.catalog.story.secretRotatedAgo ?? 3 * 3_600_000;
  sandbox.addProvider("stripe", "statuspage", "Stripe", ["API", "Dashboard", "Webhooks", "Checkout"]);
  sandbox.addProvider("vercel", "statuspage", "Vercel", ["Deployments", "Edge Network", "Serverless Functions"]);
  sandbox.addProvider("render", "statuspage", "Render", ["Web Services", "Cron Jobs", "PostgreSQL"]);
  sandbox.addProvider("supabase", "statuspage", "Supabase", ["Database", "Auth", "Storage", "API Gateway"]);
  sandbox.addProvider("firebase", "google-cloud", "Firebase");
  sandbox.addProvider("railway", "feed", "Railway");
  const start = Date.now() - rotatedAgo - 20 * 60_000;
  const inc = sandbox.openIncident("firebase", { name: "Cloud Firestore: elevated latency and errors for writes in us-central1", impact: "major", components: ["Cloud Firestore"], body: "We are investigating elevated latency and error rates for Cloud Firestore writes in us-central1.", at: start });
  sandbox.updateIncident("firebase", inc, "identified", "The issue has been identified as a configuration change in the storage layer; mitigation is being rolled out.", start + 45 * 60_000);
  const old = sandbox.openIncident("stripe", { name: "Delayed webhook deliveries", impact: "minor", components: ["Webhooks"], body: "Some webhook deliveries are delayed.", at: Date.now() - 30 * 3_600_000 });
  sandbox.updateIncident("stripe", old, "resolved", "Webhook deliveries have caught up.", Date.now() - 29 * 3_600_000);
  const url = (n: string) => sandbox.providerUrl(n);
  const config = {
    providers: {
      stripe: { preset: "stripe", url: url("stripe"), components: ["API", "Webhooks", "Checkout"] },
      vercel: { preset: "vercel", url: url("vercel") },
      render: { preset: "render", url: url("render") },
      supabase: { preset: "supabase", url: url("supabase") },
      firebase: { preset: "firebase", url: url("firebase"), components: ["Cloud Firestore", "Authentication"] },
      railway: { preset: "railway", url: url("railway") },
    },
    every: "1m",
  };
  return { config, stop: sandbox.stop, sandbox };
}
