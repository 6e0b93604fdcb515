import { doctorCheck, parseDuration, type DoctorCheck, type DoctorContext } from "../plugin-api";
import { fetchStatus } from "./client";
import { resolveProviders, type StatuspageConfig } from "./config";
import { parseFeed, parseGoogleCloud, parseStatuspage } from "./parse";
import { documentUrl } from "./poller";

/** One fetch per provider, parsed as the probes parse it; a watched component the page does not list is named. */
export async function statuspageDoctor({ config }: DoctorContext<StatuspageConfig>): Promise<DoctorCheck[]> {
  const timeoutMs = parseDuration(config.timeout);
  return Promise.all(
    resolveProviders(config).map((p) => {
      const key = `plugins.statuspage.providers.${p.name}`;
      let missing: string[] = [];
      return doctorCheck(
        `${p.name} (${p.kind})`,
        () => (missing.length ? `name the components as ${p.title}'s page shows them in ${key}.components, or remove ${missing.join(", ")}` : `correct ${key}.url (the page address, its incidents.json or its feed) and its kind, or make it reachable from the portal`),
        async () => {
          const url = documentUrl(p);
          const answer = await fetchStatus(url, { timeoutMs, maxBytes: config.maxBytes, accept: p.kind === "feed" ? "application/rss+xml, application/atom+xml, text/xml" : "application/json" });
          if (answer.notModified) throw new Error(`${new URL(url).host} answered 304 Not Modified to a first request`);
          const now = Date.now();
          const page = p.kind === "statuspage" ? parseStatuspage(answer.text, now) : p.kind === "google-cloud" ? parseGoogleCloud(answer.text, p.url, now) : parseFeed(answer.text, now, parseDuration(config.feedWindow));
          // Only a Statuspage summary lists every component; Google Cloud's incidents.json names only products that had incidents.
          if (p.components && p.kind === "statuspage") {
            const listed = new Set(page.components.map((c) => c.name.toLowerCase()));
            missing = p.components.filter((c) => !listed.has(c.toLowerCase()));
            if (missing.length) throw new Error(`${p.title}'s page lists no component ${missing.map((m) => `"${m}"`).join(", ")} (it lists ${page.components.slice(0, 8).map((c) => c.name).join(", ")}${page.components.length > 8 ? ", …" : ""})`);
          }
          const open = page.incidents.filter((i) => i.resolvedAt === null).length;
          return `${new URL(url).host}: ${page.components.length} component(s), ${open} open incident(s)`;
        },
      );
    }),
  );
}
