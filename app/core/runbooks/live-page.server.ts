// The live blocks of one runbook page as the server answers for them: the page's verdicts, "Check
// now" on an allow-listed health URL, "Show fields" on a Firestore document path. Each takes what
// it reads from the runbook file (by block id), never from the request. Apart from live-blocks
// (which the renderer uses to mark blocks) so that rendering never imports the runbook loader.
import { documentReaderRef, type DocumentReader } from "../../../plugins/firestore/api";
import { PortalError } from "../../../plugins/errors";
import type { PluginRegistry } from "../plugins/registry.server";
import { resolveLiveBlocks, type LiveBlock, type LiveVerdicts } from "./live-blocks.server";
import { appenvRef } from "../../../plugins/appenv/api";
import { loadRunbook, runbooksDir } from "./runbooks.server";
import { findRunbookFile } from "./source.server";
import { httpCheckRef, type HttpCheckService } from "../../../plugins/http/api";

/** The live blocks of one runbook page (path without `.md`), or null when there is no such runbook. */
export async function liveBlocksOf(pagePath: string, registry: PluginRegistry, options: { dir?: string; liveHosts?: readonly string[] } = {}): Promise<LiveVerdicts | null> {
  const file = findRunbookFile(options.dir ?? runbooksDir(), pagePath);
  if (!file) return null;
  const { rendered } = loadRunbook(file);
  return resolveLiveBlocks(rendered.live, registry, { ...options, service: rendered.frontMatter.service });
}

export class LiveCheckRefused extends PortalError {
  constructor(message: string, status: number) {
    super(status, message);
  }
}

/**
 * "Check now" on a health URL: the URL is taken from the runbook file on the server (by block id),
 * never from the request, and only read when its host is on `runbooks.liveHosts`.
 */
export async function checkHealthBlock(pagePath: string, id: number, registry: PluginRegistry, options: { dir?: string; liveHosts?: readonly string[] }) {
  const live = await liveBlocksOf(pagePath, registry, { ...options });
  if (!live) throw new LiveCheckRefused("There is no runbook at this address.", 404);
  const block = live.blocks.find((b) => b.id === id && b.kind === "health");
  if (!block) throw new LiveCheckRefused(`block ${id} is not a health URL on an allow-listed host (runbooks.liveHosts, the host of a configured http check, or a service of plugins.http.services)`, 400);
  return readHealthBlock(block, registry);
}

/** One health block's reading: the URL as written, read where the block says (a service's address). */
export async function readHealthBlock(block: LiveBlock, registry: PluginRegistry) {
  const http = registry.services.get(httpCheckRef)!;
  const readAt = new Date().toISOString();
  const at = block.url ? { readFrom: block.url } : {};
  try {
    const reading = await http.check(block.url ?? block.query, AbortSignal.timeout(10_000));
    return { url: block.query, ...at, status: reading.status ?? "ok", latencyMs: reading.value, summary: reading.summary, readAt };
  } catch (err) {
    // The endpoint answered wrongly or not at all: that is the check's answer, not a portal error.
    return { url: block.query, ...at, status: "critical", latencyMs: null, summary: err instanceof Error ? err.message : String(err), readAt };
  }
}

/**
 * The app-environment check's verdicts on what an environment statement says ("`HMRC_ENV` must be
 * `production`"): the statement is taken from the runbook file by block id; verdicts carry no value.
 */
export async function checkEnvBlock(pagePath: string, id: number, registry: PluginRegistry, options: { dir?: string; liveHosts?: readonly string[] }) {
  const live = await liveBlocksOf(pagePath, registry, { ...options });
  if (!live) throw new LiveCheckRefused("There is no runbook at this address.", 404);
  const block = live.blocks.find((b) => b.id === id && b.kind === "env");
  if (!block) throw new LiveCheckRefused(`block ${id} is not an environment statement the app-environment check has a rule for`, 400);
  return readEnvBlock(block, registry);
}

export async function readEnvBlock(block: LiveBlock, registry: PluginRegistry) {
  const env = block.env!;
  const appenv = registry.services.get(appenvRef)!;
  const readAt = new Date().toISOString();
  const services = (await appenv.verdicts((n) => n === env.name))
    .filter((s) => env.services.includes(s.service))
    .map((s) => ({ service: s.service, title: s.title, error: s.error, settingsUrl: s.settingsUrl, verdicts: s.verdicts.filter((v) => env.rules === "any" || env.rules.includes(v.rule) || (v.rule === "oneOf" && env.rules.includes("equals"))).map((v) => ({ rule: v.rule, verdict: v.verdict, detail: v.detail })) }));
  const problems = services.reduce((n, s) => n + s.verdicts.filter((v) => v.verdict === "problem").length, 0);
  const status = services.some((s) => s.error) ? "unknown" : problems ? "problem" : services.every((s) => s.verdicts.length && s.verdicts.every((v) => v.verdict === "ok")) ? "ok" : "unknown";
  return { kind: "env" as const, name: env.name, statement: block.query, status, services, readAt };
}

/** One field of a document as shown inline: dotted name for nested maps, JSON for anything else. */
export interface DocumentField {
  name: string;
  value: string;
}

const MAX_FIELDS = 100;
const MAX_VALUE = 500;

function flatten(data: Record<string, unknown>, prefix = "", out: DocumentField[] = []): DocumentField[] {
  for (const [k, v] of Object.entries(data).sort(([a], [b]) => a.localeCompare(b))) {
    if (out.length >= MAX_FIELDS) break;
    const name = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length && prefix.split(".").length < 4) flatten(v as Record<string, unknown>, name, out);
    else {
      const text = typeof v === "string" ? v : JSON.stringify(v) ?? "null";
      out.push({ name, value: text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text });
    }
  }
  return out;
}

/**
 * "Show fields" on a Firestore document path named in a runbook: the path is taken from the
 * runbook file on the server (by mention id), never from the request, and read through the
 * firestore plugin's read-only `firestore.documents` reader. Values pass the secret scrubber.
 */
export async function readDocumentMention(
  pagePath: string,
  id: number,
  registry: PluginRegistry,
  options: { dir?: string; liveHosts?: readonly string[]; scrub: <T>(value: T) => T },
): Promise<{ path: string; exists: boolean; fields: DocumentField[]; truncated: boolean; readAt: string }> {
  const live = await liveBlocksOf(pagePath, registry, options);
  if (!live) throw new LiveCheckRefused("There is no runbook at this address.", 404);
  const block = live.blocks.find((b) => b.id === id && b.kind === "firestore");
  if (!block) throw new LiveCheckRefused(`mention ${id} is not a Firestore document path the firestore plugin can read`, 400);
  const reader = registry.services.get(documentReaderRef)!;
  const readAt = new Date().toISOString();
  const data = await reader.get(block.query, AbortSignal.timeout(10_000));
  if (!data) return { path: block.query, exists: false, fields: [], truncated: false, readAt };
  const fields = options.scrub(flatten(data));
  return { path: block.query, exists: true, fields, truncated: fields.length >= MAX_FIELDS, readAt };
}
