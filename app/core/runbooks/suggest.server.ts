// `lint:runbooks --suggest` / `--fix`: from a mention in a runbook as written (a Firestore document
// path, PromQL, a SQL fence, a health URL, a Stripe id) to the directive that would make it a
// permanent widget, matched against the probes and actions this portal really registers.
import fs from "node:fs";
import path from "node:path";

import { documentReaderRef, type DocumentReader } from "../../../plugins/firestore/api";
import { promqlRef, type PromqlService } from "../../../plugins/prometheus/api";
import { sqlRef, type SqlService } from "../../../plugins/supabase/api";
import type { PluginRegistry } from "../plugins/registry.server";
import { promqlVerdict, stripeMentionAction, type LiveCandidate } from "./live-blocks.server";
import { probeTerms } from "./probe-terms.server";
import { decodeRunbook, renderRunbook, type DirectiveRef } from "./render.server";
import { mongoQueryRef, type MongoQueryService } from "../../../plugins/mongodb/api";
import { appenvRef } from "../../../plugins/appenv/api";
import YAML from "yaml";

export interface Suggestion {
  /** 1-based line of the mention. */
  line: number;
  /** The mention as written (a query is cut to one short line). */
  mention: string;
  kind: LiveCandidate["kind"];
  directive: string;
  /** Last line of the block the directive goes after (the paragraph, list item, fence or table). */
  after: number;
  /** First line of that block: where its indentation (list item, blockquote) is read. */
  blockStart: number;
  blockTag: string;
  /** A rule for the portal's config (an environment statement the app-environment check has no rule for): printed, never written into the runbook. */
  config?: true;
}

const oneLine = (s: string) => {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > 80 ? `${t.slice(0, 77)}…` : t;
};

/** `key="value"`, or `key='value'` when the value holds a double quote; null when it holds both. */
function attr(key: string, value: string): string | null {
  if (/[\r\n]/.test(value)) return null;
  if (!value.includes('"')) return `${key}="${value}"`;
  if (!value.includes("'")) return `${key}='${value}'`;
  return null;
}

const norm = (q: string) => q.replace(/\s+/g, " ").trim();

/** Tables a SELECT reads (`from x`, `join public.y`), without schema or quotes, lower case. */
export function tablesRead(sql: string): string[] {
  if (!/^\s*(select|with)\b/i.test(sql.replace(/^\s*--.*$/gm, ""))) return [];
  return [...new Set([...sql.matchAll(/\b(?:from|join)\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))*)/gi)].map((m) => m[1].replace(/"/g, "").split(".").pop()!.toLowerCase()))];
}

/** The probe ids of one plugin whose declared reads name `resource` (case-insensitive, whole term). */
function probesReading(registry: PluginRegistry, pluginId: string, resource: string): string[] {
  const wanted = resource.toLowerCase();
  const out: string[] = [];
  for (const p of registry.probes.values()) {
    if (p.pluginId !== pluginId) continue;
    const terms = probeTerms({ id: p.id, title: p.def.title, description: p.def.description }).map((t) => t.toLowerCase().replace(/[.,;:]+$/, ""));
    if (terms.includes(wanted)) out.push(p.id);
  }
  return out.sort();
}

function present(directives: DirectiveRef[], name: string, attrs: Record<string, string>): boolean {
  return directives.some((d) => d.name === name && Object.entries(attrs).every(([k, v]) => (d.attributes[k] ?? "").trim() === v.trim()));
}

/**
 * The directives that would turn the mentions of one runbook into permanent widgets. Only what
 * this portal can show: a mention whose plugin is not configured, or that no probe or action
 * matches, gets no suggestion. Each directive is suggested once per file, at its first mention,
 * and never when the file already holds it.
 */
export async function suggestForText(text: string, file: string, registry: PluginRegistry): Promise<Suggestion[]> {
  const rendered = renderRunbook(text, { file });
  const promql = registry.services.get(promqlRef);
  const promqlUp = !!promql && !promql.unavailable;
  const hasDocuments = !!registry.services.get(documentReaderRef);
  const hasSql = !!registry.services.get(sqlRef);
  const mongo = registry.services.get(mongoQueryRef);
  const appenv = registry.services.get(appenvRef);
  const promProbes = promql ? [...registry.probes.values()].filter((p) => p.pluginId === promql.pluginId) : [];
  const out: Suggestion[] = [];
  const seen = new Set<string>();

  for (const c of rendered.live) {
    if (!c.line || !c.block) continue;
    if (c.kind === "env" && c.env) {
      // The rule the statement makes, for the service the runbook names (or the only one) when the
      // check lacks it; like every suggestion, only where the plugin is configured here.
      if (!appenv?.rulesFor) continue;
      const services = appenv.rulesFor(c.env.name);
      const have = new Set(services.flatMap((s) => s.rules));
      const missing = Object.fromEntries(Object.entries(c.env.rule).filter(([r]) => !have.has(r as never) && !(r === "equals" && have.has("oneOf"))));
      if (!Object.keys(missing).length) continue;
      const named = services.find((s) => s.service === rendered.frontMatter.service);
      const service = named?.service ?? (services.length === 1 ? services[0]!.service : "<service>");
      const directive = `plugins.appenv.services.${service}.rules.${c.env.name}: ${YAML.stringify(missing, { flowCollectionPadding: true, collectionStyle: "flow" }).trim()}`;
      if (seen.has(directive)) continue;
      seen.add(directive);
      out.push({ line: c.line, mention: oneLine(c.query), kind: c.kind, directive, after: c.block.end, blockStart: c.block.start, blockTag: c.block.tag, config: true });
      continue;
    }
    const directives: { name: string; attrs: Record<string, string> }[] = [];
    if (c.kind === "firestore" && hasDocuments) {
      for (const id of probesReading(registry, "firestore", c.query)) directives.push({ name: "status", attrs: { probe: id } });
    } else if (c.kind === "stripe") {
      const a = stripeMentionAction(c.query);
      if (registry.actions.has(a.actionId)) directives.push({ name: "action", attrs: { id: a.actionId, ...a.input } });
    } else if ((c.kind === "promql" && promql) || (c.kind === "promql?" && promqlUp)) {
      if (c.kind === "promql?") {
        const error = await promqlVerdict(promql!, c.query).catch(() => "unchecked");
        if (error !== null) continue;
      }
      const probe = promProbes.find((p) => {
        const q = promql!.queryOf(p.id.slice(promql!.pluginId.length + 1));
        return q && norm(q.promql) === norm(c.query);
      });
      if (probe) directives.push({ name: "status", attrs: { probe: probe.id } });
      // A sentence's full stop after a number ("… > 20.") is prose, not a float literal worth keeping.
      else directives.push({ name: "chart", attrs: { promql: norm(c.query).replace(/(\d)\.$/, "$1"), range: "24h" } });
    } else if (c.kind === "mongo" && mongo && mongo.check(c.query) === null) {
      for (const p of registry.probes.values()) {
        if (p.pluginId !== mongo.pluginId) continue;
        const q = mongo.queryOf(p.id.slice(mongo.pluginId.length + 1));
        if (q && mongo.sameQuery(q, c.query)) directives.push({ name: "status", attrs: { probe: p.id } });
      }
    } else if (c.kind === "sql" && hasSql) {
      const ids = new Set(tablesRead(c.query).flatMap((t) => probesReading(registry, "supabase", t)));
      for (const id of [...ids].sort()) directives.push({ name: "table", attrs: { probe: id } });
    } else if (c.kind === "health") {
      for (const p of registry.probes.values()) {
        if (p.pluginId === "http" && (p.def.description ?? "").split(/\s+/).includes(c.query)) directives.push({ name: "status", attrs: { probe: p.id } });
      }
    }
    for (const d of directives) {
      const parts = Object.entries(d.attrs).map(([k, v]) => attr(k, v));
      if (parts.some((p) => p === null)) continue;
      const directive = `::${d.name}{${parts.join(" ")}}`;
      if (seen.has(directive) || present(rendered.directives, d.name, d.attrs)) continue;
      seen.add(directive);
      out.push({ line: c.line, mention: oneLine(c.query), kind: c.kind, directive, after: c.block.end, blockStart: c.block.start, blockTag: c.block.tag });
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

/**
 * The runbook with the suggested directives written in: each on its own line after the block that
 * mentions it (indented into a list item, kept inside a blockquote), with blank lines around it.
 * Only lines are added: every line of the original is kept as it was, in order.
 */
export function applySuggestions(text: string, suggestions: Suggestion[]): string {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = text.split(/\r?\n/);
  const byLine = new Map<number, Suggestion[]>();
  for (const s of suggestions) if (!s.config) byLine.set(s.after, [...(byLine.get(s.after) ?? []), s]);
  for (const after of [...byLine.keys()].sort((a, b) => b - a)) {
    const group = byLine.get(after)!;
    const start = lines[group[0].blockStart - 1] ?? "";
    const quote = /^((?:\s*>)*)\s*/.exec(start)![1];
    const rest = quote ? start.slice(quote.length).replace(/^ /, "") : start;
    let indent = quote ? `${quote} ` : "";
    if (group[0].blockTag === "li") {
      const marker = /^(\s*)([-*+]|\d{1,9}[.)])(\s+)/.exec(rest);
      if (marker) indent += " ".repeat(marker[1].length + marker[2].length + Math.min(marker[3].length, 4));
    } else {
      indent += /^\s*/.exec(rest)![0].slice(0, 3);
    }
    const blank = quote ? quote : "";
    const insert = [blank, ...group.map((s) => `${indent}${s.directive}`)];
    const next = lines[after];
    if (next !== undefined && next.trim() !== "" && next.trim() !== quote.trim()) insert.push(blank);
    lines.splice(after, 0, ...insert);
  }
  return lines.join(eol);
}

/** The markdown files `--suggest` reads in a folder: `*.md` (as lint does) and `*.txt` (runbooks kept as plain text). */
export function suggestSources(dir: string): { file: string; abs: string }[] {
  const out: { file: string; abs: string }[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (e.name.startsWith(".") || e.isSymbolicLink()) continue;
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(child);
      else if (e.isFile() && /\.(md|txt)$/i.test(e.name) && !/\.suggested\.md$/i.test(e.name)) out.push({ file: child, abs: path.join(dir, child) });
    }
  };
  walk("");
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

export function readSource(abs: string): string {
  return decodeRunbook(fs.readFileSync(abs)).text;
}
