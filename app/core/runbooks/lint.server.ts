import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { parseDuration } from "../../../plugins/plugin-api";
import type { PluginRegistry } from "../plugins/registry.server";
import { CLOBBER_PREFIX } from "./dom-names.server";
import { isPromqlDirective, promqlDirectiveProblems } from "./lint-promql.server";
import { DIRECTIVES, resolveRelative, type DirectiveName, type RenderedRunbook } from "./render.server";
import { loadRunbook } from "./runbooks.server";
import { fileInside, scanRunbooks } from "./source.server";
import type { LintProblem } from "~/lib/runbook";
import { unconfiguredWidget } from "./unconfigured.server";

export type { LintProblem };

/**
 * Preset input of an `::action` directive, typed against the action's schema: attributes are
 * strings, so a field that wants a number or a boolean gets one when the text is one.
 */
/** `::action` attributes that shape the button rather than the input (see the action widget). */
export const ACTION_DISPLAY_ATTRIBUTES = ["label", "title", "incident"];

/** The input fields an `::action` directive presets: other attributes, `input.x` meaning `x`. */
export function presetAttributes(attrs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, text] of Object.entries(attrs)) {
    if (key.startsWith("input.")) out[key.slice(6)] = text;
    else if (!ACTION_DISPLAY_ATTRIBUTES.includes(key) && !(key in out)) out[key] = text;
  }
  return out;
}

export function presetInput(attrs: Record<string, string>, schema: z.ZodType): Record<string, unknown> {
  const shape = objectShape(schema);
  const out: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(presetAttributes(attrs))) {
    const field = shape?.[key];
    out[key] = text;
    if (!field || field.safeParse(text).success) continue;
    const candidates: unknown[] = [];
    if (text.trim() !== "" && Number.isFinite(Number(text))) candidates.push(Number(text));
    if (text === "true" || text === "false") candidates.push(text === "true");
    try {
      candidates.push(JSON.parse(text));
    } catch {
      /* not JSON */
    }
    const fit = candidates.find((c) => field.safeParse(c).success);
    if (fit !== undefined) out[key] = fit;
  }
  return out;
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | null {
  return schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>) : null;
}

/** Problems with the preset input of an action directive (empty when it fits the schema). */
export function checkPresetInput(attrs: Record<string, string>, schema: z.ZodType): string[] {
  const problems: string[] = [];
  const input = presetInput(attrs, schema);
  if (schema instanceof z.ZodObject) {
    const shape = schema.shape as Record<string, z.ZodType>;
    for (const key of Object.keys(input)) {
      if (!(key in shape)) problems.push(`preset input field "${key}" is not an input of this action (inputs: ${Object.keys(shape).join(", ") || "none"})`);
    }
    // Field by field: a preset is usually partial (the operator fills the rest), and zod 4 has no
    // partial() for objects with refinements.
    for (const [key, value] of Object.entries(input)) {
      const field = shape[key];
      if (!field) continue;
      const result = field.safeParse(value);
      if (!result.success) for (const issue of result.error.issues) problems.push(`preset input ${[key, ...issue.path].join(".")}: ${issue.message}`);
    }
    return problems;
  }
  // Not a plain object schema: only a complete preset can be checked.
  const result = schema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === "invalid_type" && issue.path.length === 1 && !(String(issue.path[0]) in input)) continue; // left for the operator
      problems.push(`preset input ${issue.path.join(".") || "(input)"}: ${issue.message}`);
    }
  }
  return problems;
}

function anchorExists(ids: Set<string>, fragment: string): boolean {
  let id = fragment;
  try {
    id = decodeURIComponent(fragment);
  } catch {
    return false;
  }
  return ids.has(id) || ids.has(CLOBBER_PREFIX + id);
}

/** Lints every runbook in the folder against the plugin registry. */
export function lintRunbooks(dir: string, registry: PluginRegistry): LintProblem[] {
  const problems: LintProblem[] = [];
  const configured = new Set(registry.plugins.map((p) => p.id));
  const files = scanRunbooks(dir);
  // What linting reads of each page, not the rendered page (2,000 of them held ~15 times their sources).
  const loaded = new Map<string, { invalidUtf8: boolean; rendered: Pick<RenderedRunbook, "warnings" | "placeholders" | "directives" | "ids" | "links"> }>();
  for (const f of files) {
    const { invalidUtf8, rendered: r } = loadRunbook(f, { keep: false });
    loaded.set(f.file, { invalidUtf8, rendered: { warnings: r.warnings, placeholders: r.placeholders, directives: r.directives, ids: r.ids, links: r.links } });
  }
  const idsOf = (file: string) => new Set(loaded.get(file)?.rendered.ids ?? []);

  for (const [file, rb] of loaded) {
    const r = rb.rendered;
    const add = (line: number, message: string) => problems.push({ file, line, message });
    if (rb.invalidUtf8) add(1, "file is not valid UTF-8 (unreadable bytes are shown as \uFFFD)");
    for (const w of r.warnings) add(w.line, w.message);
    for (const p of r.placeholders ?? []) {
      add(p.line, `placeholder ${p.text} is read as an HTML tag: GitHub and most viewers drop it (the portal keeps it); write \`${p.text}\` or \\${p.text}`);
    }

    for (const d of r.directives) {
      if (d.problem) {
        add(d.line, d.problem);
        continue;
      }
      const attr = DIRECTIVES[d.name as DirectiveName];
      const { [attr]: id, ...rest } = d.attributes;
      if (d.name === "action") {
        const action = registry.actions.get(id);
        if (!action) {
          const missing = unconfiguredWidget(id, "action", configured);
          if (missing) problems.push({ file, line: d.line, message: `not configured here: action "${id}" in ::action — ${missing.reason}`, notConfigured: true });
          else add(d.line, `unknown action id "${id}" in ::action`);
          continue;
        }
        for (const p of checkPresetInput(rest, action.def.input)) add(d.line, `::action{id="${id}"}: ${p}`);
      } else {
        if (isPromqlDirective(d.name, d.attributes)) for (const p of promqlDirectiveProblems(d.name, rest, registry)) add(d.line, p);
        else if (d.name === "slo") {
          if (!registry.probes.has(`slo.${id}`)) add(d.line, `unknown SLO "${id}" in ::slo — declare it under slos.${id} in the config`);
        } else if (!registry.probes.has(id)) {
          const missing = unconfiguredWidget(id, "probe", configured);
          if (missing) problems.push({ file, line: d.line, message: `not configured here: probe "${id}" in ::${d.name} — ${missing.reason}`, notConfigured: true });
          else add(d.line, `unknown probe id "${id}" in ::${d.name}`);
        }
        if (d.name === "chart" && rest.range !== undefined) {
          try {
            parseDuration(rest.range);
          } catch {
            add(d.line, `::chart range "${rest.range}" is not a duration (use e.g. 1h, 24h, 7d)`);
          }
        }
      }
    }

    const ownIds = new Set(r.ids);
    const here = path.posix.dirname(file);
    for (const link of r.links) {
      const url = link.url.trim();
      if (!url || /^[a-z][a-z0-9+.-]*:|^\/\//i.test(url)) continue;
      if (url.startsWith("#")) {
        if (url.length > 1 && !anchorExists(ownIds, url.slice(1))) add(link.line, `in-page link "${url}" matches no heading or anchor`);
        continue;
      }
      const hashAt = url.indexOf("#");
      const fragment = hashAt >= 0 ? url.slice(hashAt + 1) : "";
      const target = url.slice(0, hashAt >= 0 ? hashAt : undefined).split("?")[0];
      if (target.startsWith("/")) {
        const m = /^\/runbooks\/(.+)$/.exec(target);
        if (m) {
          const md = `${decodeURIComponentSafe(m[1])}.md`;
          if (!loaded.has(md)) add(link.line, `link "${url}" points to a runbook that does not exist`);
          else if (fragment && !anchorExists(idsOf(md), fragment)) add(link.line, `link "${url}": no heading "#${fragment}" in ${md}`);
        }
        continue;
      }
      const resolved = resolveRelative(here, target);
      if (resolved === null) {
        add(link.line, `${link.kind} "${url}" points outside the runbooks folder`);
        continue;
      }
      if (/\.md$/i.test(resolved) && loaded.has(resolved)) {
        if (fragment && !anchorExists(idsOf(resolved), fragment)) add(link.line, `link "${url}": no heading "#${fragment}" in ${resolved}`);
        continue;
      }
      if (!fileInside(dir, resolved) && !(resolved && fs.existsSync(path.join(dir, resolved)) && fs.statSync(path.join(dir, resolved)).isDirectory())) {
        add(link.line, `${link.kind} "${url}" points to a missing file (${resolved || "."})`);
      }
    }
  }
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
