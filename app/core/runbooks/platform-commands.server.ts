// Deploy-platform commands as runbooks write them: `vercel --prod`, `render services restart api`,
// `railway redeploy`, `gcloud firestore export gs://…`, and the dashboards' buttons named in steps
// (Click "Redeploy", → *Promote to production*, "Manual Deploy" → "Deploy latest commit"). Each
// becomes the deploys or backups plugin's guarded action, prefilled for the site or target the
// runbook means; nothing is offered when no configured site or target fits. Marking is part of
// rendering (the tree is walked once more after markLiveBlocks); resolving needs the registry.
import { toString as hastToString } from "hast-util-to-string";

import { backupsRef } from "../../../plugins/backups/api";
import type { PluginRegistry } from "../plugins/registry.server";
import type { LiveBlock, LiveCandidate, Platform, PlatformIntent } from "./live-block-types.server";

export type { Platform, PlatformIntent } from "./live-block-types.server";

/* ------------------------------------------------------------- shell lines */

/** Splits a shell line into words (quotes stripped), up to a comment, pipe or `&&`. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|([^\s"'|;&#]+)|([|;&#])/g;
  for (const m of line.matchAll(re)) {
    if (m[4]) break;
    out.push(m[1] ?? m[2] ?? m[3]!);
  }
  return out;
}

/** `<url>`, `[BUCKET]`, `{id}`, `YOUR_ID`, `…`: a template, not a value to act on. */
const PLACEHOLDER = /[<>[\]{}]|\.\.\.|…|^(YOUR|MY)[-_]|^[A-Z][A-Z0-9_]*$|^\$/;

/** The value of `--flag value` or `--flag=value` (also a short form). */
function flag(argv: string[], names: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    for (const n of names) {
      if (a === n && argv[i + 1] && !argv[i + 1]!.startsWith("-")) return argv[i + 1];
      if (a.startsWith(`${n}=`)) return a.slice(n.length + 1);
    }
  }
  return undefined;
}

/** Positional words after the subcommand, flags and their values left out. */
function positional(argv: string[], valued: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith("-")) {
      if (valued.includes(a)) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

const concrete = (v: string | undefined) => (v && !PLACEHOLDER.test(v) ? v : undefined);

/** The platform command at the start of a shell line (after an optional `$ ` prompt), joined with its `\` continuations by the caller. */
export function platformCommandLine(text: string): string | null {
  const m = /^\s*(?:\$\s+)?((?:npx\s+)?(?:vercel|render\s+(?:services|restart|deploys|logs)\b|railway|gcloud\s+firestore)\s*[^\n]*)$/.exec(text);
  return m ? m[1]!.replace(/^npx\s+/, "").trim() : null;
}

/** What a platform command means; null for anything the portal does not run (a preview deploy, `vercel env`, a partial import). */
export function parsePlatformCommand(line: string): PlatformIntent | null {
  const argv = words(line);
  const [tool, sub, sub2] = argv;
  if (tool === "vercel") {
    const rest = argv.slice(1);
    const prod = rest.includes("--prod") || rest.includes("--production") || rest.includes("-p");
    // `vercel --prod`, `vercel deploy --prod`: a new production deployment (the API rebuilds the current one).
    if (prod && (!sub || sub.startsWith("-") || sub === "deploy") && positional(rest.slice(sub === "deploy" ? 1 : 0), ["--scope", "-t", "--token", "-A", "--local-config", "-e", "--env", "-b", "--build-env", "-m", "--meta"]).length === 0)
      return { kind: "redeploy", provider: "vercel" };
    if (sub === "redeploy") return { kind: "redeploy", provider: "vercel", ...(concrete(positional(argv.slice(2), ["--scope", "-t", "--token", "--target"])[0]) ? { deploymentId: positional(argv.slice(2), ["--scope", "-t", "--token", "--target"])[0] } : {}) };
    if (sub === "rollback") return { kind: "rollback", provider: "vercel", deploymentId: concrete(positional(argv.slice(2), ["--scope", "-t", "--token", "--timeout"])[0]) ?? "previous" };
    if (sub === "logs") return { kind: "logs", provider: "vercel" };
    if (sub === "inspect" && (argv.includes("--logs") || argv.includes("-l"))) return { kind: "logs", provider: "vercel", stream: "build" };
    return null;
  }
  if (tool === "render") {
    const valued = ["-o", "--output", "--confirm", "-r", "--resources", "--commit", "--image"];
    if (sub === "services" && sub2 === "restart") return { kind: "restart", provider: "render", ...svc(concrete(positional(argv.slice(3), valued)[0])) };
    if (sub === "restart") return { kind: "restart", provider: "render", ...svc(concrete(positional(argv.slice(2), valued)[0])) };
    if (sub === "deploys" && sub2 === "create") {
      if (flag(argv, ["--commit", "--image"])) return null; // a chosen commit or image: not what the dashboard's latest-commit deploy does
      return { kind: "redeploy", provider: "render", latest: true, ...svc(concrete(positional(argv.slice(3), valued)[0])) };
    }
    if (sub === "logs") return { kind: "logs", provider: "render", ...svc(concrete(flag(argv, ["-r", "--resources"]) ?? positional(argv.slice(2), [...valued, "--tail", "--limit", "--level", "--type", "--start", "--end"])[0])) };
    return null;
  }
  if (tool === "railway") {
    const service = concrete(flag(argv, ["-s", "--service"]));
    if (sub === "redeploy") return { kind: "redeploy", provider: "railway", ...svc(service) };
    if (sub === "restart") return { kind: "restart", provider: "railway", ...svc(service) };
    if (sub === "logs") return { kind: "logs", provider: "railway", ...svc(service), ...(argv.includes("--build") || argv.includes("-b") ? { stream: "build" as const } : {}) };
    return null;
  }
  if (tool === "gcloud" && sub === "firestore" && /^gs:\/\//.test(argv[3] ?? "")) {
    if (sub2 === "export") return { kind: "backup-export" };
    // A partial import (--collection-ids) cannot be prefilled as such: the restore form takes the list.
    if (sub2 === "import" && !flag(argv, ["--collection-ids"])) return { kind: "backup-import" };
  }
  return null;
}

const svc = (service: string | undefined) => (service ? { service } : {});

/* ------------------------------------------------------- dashboard labels */

/** The dashboards' button labels and what pressing them does. `previous`: the step names an earlier deployment. */
const LABELS: { re: RegExp; intent: (previous: boolean) => PlatformIntent | null; provider?: Platform }[] = [
  { re: /^redeploy$/i, intent: (previous) => ({ kind: "redeploy", ...(previous ? { deploymentId: "previous" } : {}) }) },
  { re: /^deploy latest commit$/i, intent: () => ({ kind: "redeploy", latest: true }) },
  { re: /^(clear build cache & deploy|trigger deploy|deploy site)$/i, intent: () => ({ kind: "redeploy", latest: true }) },
  { re: /^restart( service)?$/i, intent: () => ({ kind: "restart" }) },
  // Promoting or publishing an earlier deployment is the provider's rollback; which one must be said.
  { re: /^promote to production$/i, intent: (previous) => (previous ? { kind: "rollback", deploymentId: "previous" } : null), provider: "vercel" },
  { re: /^(publish deploy|rollback|roll back|instant rollback)$/i, intent: (previous) => (previous ? { kind: "rollback", deploymentId: "previous" } : null) },
];

/** "Find last working deployment", "last good deploy", "the previous successful deployment". */
const EARLIER = /\b(previous|last (?:known[- ])?(?:good|working|healthy|successful|stable)|earlier|prior)\b[^.\n]{0,30}\bdeploy/i;

/**
 * The label must be what a step presses: right after "Click", "Press", "Select", "Choose" or an
 * arrow (`→`, `->`, `>`), or later in a short "Click "Manual Deploy" → "…"" menu path.
 */
const PRESS = /(?:(?:\b(?:click|press|select|choose|hit|use)\b|→|->|›|»|>)\s*(?:(?:on|the|"\.\.\."|"…")\s*)*|\b(?:click|press|select|choose)\s+["“](?:(?!\.\s)[^\n]){1,40})$/i;

/** One label a step presses, with where it sits in the text. */
export interface PressedLabel {
  index: number;
  label: string;
  intent: PlatformIntent;
}

/**
 * Dashboard labels that a step presses, in one stretch of text. A label counts only when quoted
 * ("Redeploy", “Redeploy”) or emphasized (`emphasized` holds the texts of its em/strong/code),
 * and pressed: right after "Click"/"Select"/… or an arrow. "let Render redeploy" or a sentence
 * about redeploying is no step. `context` is the whole step list or fence (for "previous").
 */
export function pressedLabels(text: string, context: string, emphasized: readonly string[] = []): PressedLabel[] {
  const out: PressedLabel[] = [];
  const candidates: { index: number; label: string }[] = [];
  for (const m of text.matchAll(/["“'‘]([^"”'’\n]{3,40})["”'’]/g)) candidates.push({ index: m.index!, label: m[1]!.trim() });
  for (const e of emphasized) {
    const at = text.indexOf(e);
    if (at >= 0) candidates.push({ index: at, label: e.trim() });
  }
  const previous = EARLIER.test(context);
  for (const c of candidates.sort((a, b) => a.index - b.index)) {
    const rule = LABELS.find((l) => l.re.test(c.label));
    if (!rule || !PRESS.test(text.slice(Math.max(0, c.index - 40), c.index).replace(/[*_`]+$/, ""))) continue;
    let intent = rule.intent(previous);
    if (!intent) continue;
    if (rule.provider) intent = { ...intent, provider: rule.provider } as PlatformIntent;
    if (!out.some((o) => o.index === c.index)) out.push({ index: c.index, label: c.label, intent });
  }
  return out;
}

/**
 * "Check Railway logs", "Review Render logs for …", "Then check Render logs": an imperative step that
 * reads a platform's logs, at the start of a list item, table cell or paragraph (never mid-sentence).
 */
export function logsStep(text: string): PlatformIntent | null {
  const m = /^\s*(?:\d+[.)]\s*)?(?:(?:then|next|now|also|and|finally|afterwards)\s*,?\s+)?(?:check|review|monitor|watch|read|look at|inspect)\s+(?:the\s+)?(vercel|render|railway)(?:'s)?\s+(build\s+|runtime\s+|deploy(?:ment)?\s+)?logs?\b/i.exec(text);
  if (!m) return null;
  const stream = /build/i.test(m[2] ?? "") ? "build" : undefined;
  return { kind: "logs", provider: m[1]!.toLowerCase() as Platform, ...(stream ? { stream } : {}) };
}

/**
 * "Restart Render service", "1. Restart the Render service (clears memory)", "If Redis: restart the
 * Railway service": an imperative step that restarts a platform's running service, at the start of
 * a list item, table cell or paragraph (after at most an "If …:" condition), never mid-sentence.
 * Only Render and Railway restart without a build.
 */
export function restartStep(text: string): PlatformIntent | null {
  const m = /^\s*(?:\d+[.)]\s*)?(?:if\s+[^:.\n]{1,40}:\s*)?(?:(?:then|next|now|also|and|finally)\s*,?\s+)?restart\s+(?:the\s+)?(render|railway)\s+(?:web\s+)?(?:service|server|instances?|backend|app)\b/i.exec(text);
  return m ? { kind: "restart", provider: m[1]!.toLowerCase() as Platform } : null;
}

/** The one platform a stretch of text names; null when it names none or several ("Netlify/Vercel"). */
export function platformNamed(text: string): Platform | null {
  const found = new Set([...text.matchAll(/\b(vercel|render|railway|netlify)\b/gi)].map((m) => m[1]!.toLowerCase() as Platform));
  return found.size === 1 ? [...found][0]! : null;
}

/* ------------------------------------------------------------ the page */

interface El {
  type: "element";
  tagName: string;
  properties: Record<string, any>;
  children: any[];
  position?: any;
}
const isEl = (n: any): n is El => n?.type === "element";
const SHELL = /^(sh|bash|shell|console|zsh|shell-session|terminal|text|plaintext)$/;

/** Text of an element without its nested lists. */
function ownText(el: El): string {
  let out = "";
  for (const c of el.children) {
    if (c?.type === "text") out += c.value;
    else if (isEl(c) && c.tagName !== "ul" && c.tagName !== "ol" && c.tagName !== "pre") out += ownText(c);
  }
  return out;
}

function emphasisIn(el: El, out: string[] = []): string[] {
  for (const c of el.children) {
    if (!isEl(c) || c.tagName === "ul" || c.tagName === "ol" || c.tagName === "pre") continue;
    if (/^(em|strong|code|b|i|kbd)$/.test(c.tagName)) out.push(hastToString(c));
    else emphasisIn(c, out);
  }
  return out;
}

/**
 * Marks the platform commands and pressed dashboard labels of a rendered tree, after
 * markLiveBlocks: each gets the next id of `out` and the same `data-live-id` marking. The platform
 * a step means is the one its line names, else its table row or list, else the section's heading
 * or bold label ("**Backend (Render)**:").
 */
export function markPlatformCommands(tree: { children: any[] }, out: LiveCandidate[]): void {
  // The heading over a block, and a bold label just before it ("**Backend (Render)**:"), which holds for that one block.
  let heading = "";
  let lead = "";
  let section = "";
  const add = (el: El, query: string, at: LiveCandidate["at"], intent: PlatformIntent, hint: string[]) => {
    if (intent.kind !== "backup-export" && intent.kind !== "backup-import" && !intent.provider) {
      for (const h of hint) {
        const p = platformNamed(h);
        if (p) {
          intent = { ...intent, provider: p } as PlatformIntent;
          break;
        }
      }
    }
    const id = out.length;
    const line = el.position?.start?.line;
    out.push({ id, kind: "platform", query, at, platform: intent, ...(line ? { line } : {}) });
    el.properties.dataLiveId = el.properties.dataLiveId ? `${el.properties.dataLiveId} ${id}` : String(id);
  };
  const walk = (node: any, list: string, row: string) => {
    if (!isEl(node)) return;
    if (/^h[1-6]$/.test(node.tagName)) section = heading = hastToString(node);
    if (node.tagName === "pre") {
      const code = node.children.find(isEl);
      const lang = code && (Array.isArray(code.properties.className) ? code.properties.className : []).map(String).find((c: string) => c.startsWith("language-"))?.slice(9).toLowerCase();
      if (!code || code.tagName !== "code" || (lang && !SHELL.test(lang))) return;
      const text = hastToString(code);
      // A command continued with `\` is one command.
      const lines = text.replace(/\s*\\\r?\n\s*/g, " ").split("\n");
      for (const raw of lines) {
        const cmd = platformCommandLine(raw.replace(/\s+#.*$/, ""));
        const intent = cmd ? parsePlatformCommand(cmd) : null;
        if (cmd && intent) add(node, cmd, "pre", intent, [raw, section]);
        const comment = /^\s*#\s*(.*)$/.exec(raw)?.[1];
        if (comment) for (const p of pressedLabels(comment, text)) add(node, p.label, "pre", p.intent, [comment, text, section]);
      }
      return;
    }
    if (node.tagName === "code") {
      const cmd = platformCommandLine(hastToString(node));
      const intent = cmd ? parsePlatformCommand(cmd) : null;
      if (cmd && intent) add(node, cmd, "code", intent, [row, list, section]);
      return;
    }
    if (node.tagName === "tr") row = hastToString(node);
    if (node.tagName === "ul" || node.tagName === "ol") list = hastToString(node);
    if (node.tagName === "li" || node.tagName === "td" || (node.tagName === "p" && !list)) {
      const text = ownText(node);
      const at = node.tagName === "li" ? "li" : "text";
      for (const p of pressedLabels(text, `${list}\n${row}\n${text}`, emphasisIn(node))) add(node, p.label, at, p.intent, [text, row, list, section]);
      const step = logsStep(text) ?? restartStep(text);
      if (step) add(node, text.trim().replace(/\s+/g, " ").slice(0, 120), at, step, [text]);
    }
    // Links, headings and scripts keep their text as written.
    if (node.tagName === "a" || /^(h[1-6]|script|style|svg|math)$/.test(node.tagName)) return;
    for (const c of node.children) walk(c, list, row);
  };
  for (const c of tree.children) {
    if (!isEl(c)) continue;
    // A paragraph that is only a bold label names what the next fence or list is for.
    const bold = c.tagName === "p" ? c.children.filter((x) => isEl(x) && /^(strong|b)$/.test(x.tagName)).map(hastToString).join(" ").trim() : "";
    if (bold && hastToString(c).trim().replace(/:$/, "").trim() === bold.replace(/:$/, "").trim()) {
      lead = bold;
      continue;
    }
    section = lead || heading;
    walk(c, "", "");
    lead = "";
  }
}

/* ------------------------------------------------------------ resolving */

interface SiteRef {
  name: string;
  provider: Platform;
  title?: string;
  ids: string[];
}

/** The configured deploy sites, as the deploys plugin's config names them (provider and ids only). */
function sitesOf(registry: Pick<PluginRegistry, "configs">): SiteRef[] {
  const sites = ((registry.configs?.deploys ?? {}) as { sites?: Record<string, Record<string, unknown>> }).sites ?? {};
  return Object.entries(sites).map(([name, s]) => ({
    name,
    provider: s.provider as Platform,
    title: typeof s.title === "string" ? s.title : undefined,
    ids: [s.serviceId, s.projectId, s.siteId].filter((v): v is string => typeof v === "string"),
  }));
}

/** Which site a command or step means: its argument, else the runbook's `service:`, else the only site (of that platform). */
export function siteFor(sites: SiteRef[], intent: { provider?: Platform; service?: string }, service?: string): SiteRef | null {
  const mine = intent.provider ? sites.filter((s) => s.provider === intent.provider) : sites;
  if (intent.service) {
    const want = intent.service.toLowerCase();
    return mine.find((s) => s.name === want || s.ids.some((id) => id.toLowerCase() === want) || s.title?.toLowerCase() === want) ?? null;
  }
  const byService = service ? mine.find((s) => s.name === service.toLowerCase()) : undefined;
  if (byService) return byService;
  return mine.length === 1 ? mine[0]! : null;
}

const CAN: Record<Platform, { latest: boolean; restart: boolean; logs: boolean }> = {
  vercel: { latest: false, restart: false, logs: true },
  render: { latest: true, restart: true, logs: true },
  railway: { latest: false, restart: true, logs: true },
  netlify: { latest: true, restart: false, logs: false },
};

/** The firestore backup target a `gcloud firestore export|import` means: the only one configured. */
function firestoreTarget(registry: Pick<PluginRegistry, "configs">): string | null {
  const targets = ((registry.configs?.backups ?? {}) as { targets?: Record<string, { kind?: string }> }).targets ?? {};
  const firestore = Object.entries(targets).filter(([, t]) => t?.kind === "firestore");
  return firestore.length === 1 ? firestore[0]![0] : null;
}

/**
 * The live block a platform candidate becomes here, or null when nothing configured fits (no deploy
 * site of that platform, a service argument that names none, a provider whose API cannot do it).
 */
export async function resolvePlatformCandidate(c: LiveCandidate, registry: Pick<PluginRegistry, "configs" | "actions" | "services">, service?: string): Promise<LiveBlock | null> {
  const intent = c.platform;
  if (!intent) return null;
  const block = (actionId: string, input: Record<string, string>, label: string): LiveBlock | null => {
    const reg = registry.actions.get(actionId);
    if (!reg) return null;
    if (actionId === "deploys.logs") return { id: c.id, kind: "platform", query: c.query, at: c.at, input, label, runs: { action: actionId, risk: reg.risk } };
    return { id: c.id, kind: "platform", query: c.query, at: c.at, action: { id: actionId, input, label, risk: reg.risk } };
  };
  if (intent.kind === "backup-export" || intent.kind === "backup-import") {
    const target = firestoreTarget(registry);
    if (!target) return null;
    if (intent.kind === "backup-export") return block("backups.backup-now", { target }, `Back up ${target} now (the portal's own Firestore export)…`);
    // An import restores an export: here the newest good backup of the target (verified first), which the dialog previews; none, no button.
    const rows = (await registry.services.get(backupsRef)?.catalog.list(target).catch(() => [])) ?? [];
    const good = rows.filter((r) => r.status === "good" && r.verifyStatus !== "failed");
    const newest = good.find((r) => r.verifyStatus === "passed") ?? good[0];
    return newest ? block("backups.restore", { target, backupId: newest.id }, `Restore ${target} from backup ${newest.id}…`) : null;
  }
  const site = siteFor(sitesOf(registry), intent, service);
  if (!site) return null;
  const can = CAN[site.provider];
  switch (intent.kind) {
    case "redeploy": {
      if (intent.latest && !can.latest) return null;
      const from = intent.deploymentId === "previous" ? "previous" : intent.deploymentId;
      const how = from === "previous" ? " from the previous deployment" : from ? ` from ${from}` : can.latest ? " (latest commit)" : " (rebuild of production)";
      return block("deploys.redeploy", { site: site.name, ...(from ? { deploymentId: from } : {}) }, `Redeploy ${site.name}${how}…`);
    }
    case "restart":
      return can.restart ? block("deploys.restart", { site: site.name }, `Restart ${site.name}…`) : null;
    case "rollback":
      return block("deploys.rollback", { site: site.name, deploymentId: intent.deploymentId }, intent.deploymentId === "previous" ? `Roll back ${site.name} to the previous deployment…` : `Roll back ${site.name} to ${intent.deploymentId}…`);
    case "logs":
      return can.logs ? block("deploys.logs", { site: site.name, ...(intent.stream ? { stream: intent.stream } : {}) }, `Show ${intent.stream ? `${intent.stream} ` : ""}logs of ${site.name}`) : null;
  }
}
