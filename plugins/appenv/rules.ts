import type { Rule } from "./config";

export type RuleName = keyof Rule;
export type VerdictWord = "ok" | "problem" | "unknown";

/** One rule's verdict on one variable, in the operator's words. Never carries the value. */
export interface Verdict {
  name: string;
  rule: RuleName;
  verdict: VerdictWord;
  detail: string;
}

/** What a check knows about one variable while it runs; `value` is dropped when the check ends. */
export interface ReadVariable {
  value: string | null;
  updatedAt: number | null;
  unreadable?: string;
}

const PLACEHOLDERS: [RegExp, string][] = [
  [/change[_-]?me/i, "CHANGE_ME"],
  [/replace[_-]?me/i, "REPLACE_ME"],
  [/xxx|XXX/, "xxx"],
  [/<[^<>]*>/, "<…>"],
  [/^\[.*\]$/s, "[…]"],
  [/(^|[^a-z])your[-_ ]/i, "your-…"],
  [/\.\.\.|…/, "an ellipsis"],
  [/^(todo|tbd|placeholder|changeit|secret|password|null|undefined)$/i, "a stand-in word"],
];

const FALSE_WORDS = new Set(["false", "0", "no", "off", ""]);

export const RULE_WORDS: Record<RuleName, string> = {
  required: "must be set",
  forbiddenIn: "must be unset or false in",
  equals: "must equal",
  oneOf: "must be one of",
  startsWith: "must start with",
  pattern: "must match",
  notContains: "must not contain",
  noSurroundingWhitespace: "no surrounding spaces or line breaks",
  noPlaceholder: "no placeholder",
  noQuotes: "no quotes",
  sameAs: "same as",
  matches: "matches the configured secret",
  redeployAfterChange: "redeployed after it changed",
};

const q = (s: string) => `"${s}"`;

// A pattern is compiled once, not once per variable per check (4 services × 60 variables every few minutes).
const patterns = new Map<string, RegExp>();
const compiled = (p: string) => patterns.get(p) ?? patterns.set(p, new RegExp(p)).get(p)!;

/** The rules about the value alone (not cross-service, not time): one verdict per declared rule. */
export function checkValueRules(name: string, rule: Rule, v: ReadVariable | undefined, environment: string): Verdict[] {
  const out: Verdict[] = [];
  const say = (r: RuleName, verdict: VerdictWord, detail: string) => out.push({ name, rule: r, verdict, detail });
  if (rule.forbiddenIn?.includes(environment as never)) {
    if (!v) say("forbiddenIn", "ok", `${name} is unset in ${environment}`);
    else if (v.value === null) say("forbiddenIn", "unknown", `${name} is set in ${environment} and its value cannot be read (${v.unreadable ?? "not returned"}); it must be unset or false there`);
    else if (FALSE_WORDS.has(v.value.trim().toLowerCase())) say("forbiddenIn", "ok", `${name} is false in ${environment}`);
    else say("forbiddenIn", "problem", `${name} is switched on in ${environment}; it must be unset or false there`);
  }
  if (!v) return out;
  const value = v.value;
  const valueRules: RuleName[] = (["equals", "oneOf", "startsWith", "pattern", "notContains", "noSurroundingWhitespace", "noPlaceholder", "noQuotes"] as RuleName[]).filter((r) => rule[r] !== undefined && rule[r] !== false);
  if (value === null) {
    for (const r of valueRules) say(r, "unknown", `${name}: value not readable (${v.unreadable ?? "not returned"})`);
    return out;
  }
  if (rule.equals !== undefined) say("equals", value === rule.equals ? "ok" : "problem", value === rule.equals ? `${name} is ${q(rule.equals)}` : `${name} is not ${q(rule.equals)}`);
  if (rule.oneOf) say("oneOf", rule.oneOf.includes(value) ? "ok" : "problem", rule.oneOf.includes(value) ? `${name} is one of the allowed values` : `${name} is none of ${rule.oneOf.map(q).join(", ")}`);
  if (rule.startsWith !== undefined) {
    const prefixes = Array.isArray(rule.startsWith) ? rule.startsWith : [rule.startsWith];
    const okay = prefixes.some((p) => value.startsWith(p));
    say("startsWith", okay ? "ok" : "problem", okay ? `${name} starts as expected` : `${name} does not start with ${prefixes.map(q).join(" or ")}`);
  }
  if (rule.pattern !== undefined) {
    const okay = compiled(rule.pattern).test(value);
    say("pattern", okay ? "ok" : "problem", okay ? `${name} has the expected form` : `${name} does not match /${rule.pattern}/`);
  }
  if (rule.notContains) {
    const lower = value.toLowerCase();
    const found = rule.notContains.filter((w) => lower.includes(w.toLowerCase()));
    say("notContains", found.length ? "problem" : "ok", found.length ? `${name} contains ${found.map(q).join(", ")}: not a production credential` : `${name} contains none of ${rule.notContains.map(q).join(", ")}`);
  }
  if (rule.noSurroundingWhitespace) {
    const issues = [/^\s/.test(value) && "a leading space", /\s$/.test(value) && "a trailing space", /[\r\n]/.test(value) && "a line break"].filter(Boolean);
    say("noSurroundingWhitespace", issues.length ? "problem" : "ok", issues.length ? `${name} has ${issues.join(" and ")}` : `${name} has no surrounding spaces or line breaks`);
  }
  if (rule.noPlaceholder) {
    const hit = PLACEHOLDERS.find(([re]) => re.test(value.trim()));
    say("noPlaceholder", hit ? "problem" : "ok", hit ? `${name} looks like a placeholder (${hit[1]})` : `${name} is not a placeholder`);
  }
  if (rule.noQuotes) {
    const t = value.trim();
    const quoted = t.length >= 2 && ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")));
    say("noQuotes", quoted ? "problem" : "ok", quoted ? `${name} is wrapped in quotes (they become part of the value)` : `${name} is not quoted`);
  }
  return out;
}

/** A required variable that is missing, with the present name it was likely mistyped as. */
export function checkRequired(name: string, present: string[]): Verdict {
  if (present.includes(name)) return { name, rule: "required", verdict: "ok", detail: `${name} is set` };
  const near = present.filter((p) => editDistance(p, name) <= 2).sort((a, b) => editDistance(a, name) - editDistance(b, name));
  if (near.length) return { name, rule: "required", verdict: "problem", detail: `${near[0]} is set, ${name} is missing (likely a typo)` };
  return { name, rule: "required", verdict: "problem", detail: `${name} is not set` };
}

/** Rotated but not redeployed: the variable changed after the serving deployment was built. */
export function checkRedeploy(name: string, changedAt: number | null, deployedAt: number | null, known: "platform" | "observed"): Verdict {
  if (deployedAt === null) return { name, rule: "redeployAfterChange", verdict: "unknown", detail: `${name}: no serving deployment to compare with` };
  if (changedAt === null) return { name, rule: "redeployAfterChange", verdict: "unknown", detail: `${name}: the platform does not say when it changed; a change is noticed from the next check on` };
  if (changedAt > deployedAt) {
    const min = Math.max(1, Math.round((changedAt - deployedAt) / 60_000));
    return { name, rule: "redeployAfterChange", verdict: "problem", detail: `${name} changed ${min} min after the serving deployment was built${known === "observed" ? " (as first seen by this check)" : ""}: redeploy so it takes effect` };
  }
  return { name, rule: "redeployAfterChange", verdict: "ok", detail: `${name} has not changed since the serving deployment was built` };
}

/** Optimal string alignment distance: a swapped pair of letters counts once (SECERT → SECRET is 1). */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
