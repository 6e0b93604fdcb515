// Environment statements as runbooks write them ("`HMRC_ENV` must be `production`", "`X` must be
// unset/false in production", "Verify `STRIPE_SECRET_KEY` is set", "starts with `mongodb://`"):
// which variable, and which app-environment rules the sentence states. A sentence that merely names
// a variable ("Set `SENTRY_DSN` in Railway", "matches the dashboard") states nothing checkable.
import type { RuleName } from "../../../plugins/appenv/api";

export interface EnvStatement {
  /** The variable, as written. */
  name: string;
  /** The rules the sentence states; "any" for a variable listed under "Env vars:" or in an env checklist (every rule the check has for it). */
  rules: RuleName[] | "any";
  /** The statement in short, for the page and lint. */
  text: string;
  /** The rule as `plugins.appenv.services.<service>.rules.<name>` would hold it, for lint --suggest. */
  rule: Record<string, unknown>;
}

/** An environment variable's name as teams write them: upper case with at least one underscore. */
const NAME = "[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+";
const VAR = `\`?(${NAME})\`?`;
const QUOTED = "(?:`([^`]+)`|\"([^\"]+)\"|'([^']+)')";
const VERB = "(?:check|verify|ensure|confirm|make sure)(?:\\s+that)?";

const FORBIDDEN = new RegExp(`${VAR}\\s+(?:must|should)\\s+(?:be\\s+(?:unset|absent|removed|disabled)(?:\\s*(?:\\/|or)\\s*(?:false|off|0|disabled))?|not\\s+be\\s+(?:set|enabled|true|on))\\s+in\\s+prod(?:uction)?\\b`, "g");
const EQUALS = new RegExp(`${VAR}\\s+(?:must|should)\\s+(?:be|equal)(?:\\s+set\\s+to)?\\s+${QUOTED}`, "g");
const IS_QUOTED = new RegExp(`\\b${VERB}\\s+${VAR}\\s+is\\s+${QUOTED}`, "gi");
const REQUIRED = [new RegExp(`\\b${VERB}\\s+${VAR}\\s+is\\s+(?:set|present|configured|defined)\\b(?!\\s+to\\b)`, "gi"), new RegExp(`${VAR}\\s+(?:must|should)\\s+be\\s+(?:set|present|configured|defined)\\b(?!\\s+to\\b)`, "g")];
const STARTS = new RegExp(`\\b(?:starts?|begins?)\\s+with\\s+\\**\\s*${QUOTED}`, "i");
const HYGIENE: [RegExp, RuleName][] = [
  [/\bno\s+placeholders?\b/i, "noPlaceholder"],
  [/\bno\s+(?:extra\s+|surrounding\s+)?quotes\b/i, "noQuotes"],
  [/\bno\s+(?:leading\s*(?:\/|or|and)\s*trailing|leading|trailing|surrounding)\s+(?:spaces|whitespace)\b/i, "noSurroundingWhitespace"],
];
/** "it" as the subject of a sentence ("Ensure it is set to …"): the variable the previous list item named. */
const IT_SUBJECT = /^(?:\d+[.)]\s*)?(?:(?:ensure|check|verify|confirm|make sure)(?:\s+that)?\s+)?it\b/i;

const quoted = (m: RegExpMatchArray, from: number) => m[from] ?? m[from + 1] ?? m[from + 2] ?? "";

/** The distinct variable names written in inline code in a block's text (`…`), examples after "e.g." left out. */
export function codeNames(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/`([^`]+)`/g)) {
    const before = text.slice(Math.max(0, m.index! - 8), m.index!);
    if (/e\.g\.[\s,]*$|i\.e\.[\s,]*$/i.test(before)) continue;
    if (new RegExp(`^${NAME}$`).test(m[1]!.trim())) out.add(m[1]!.trim());
  }
  return [...out];
}

/**
 * The statements of one block of prose (a paragraph or a list item's own text, inline code kept
 * in backticks). `subject` is the variable a sentence's "it" means (the previous list item's only one).
 */
export function envStatementsIn(text: string, subject?: string): EnvStatement[] {
  const t = text.replace(/\*\*|__/g, "").replace(/\s+/g, " ").trim();
  if (!/[A-Z]_[A-Z0-9]/.test(t) && !subject) return [];
  const out: EnvStatement[] = [];
  const add = (name: string, rule: RuleName, text: string, value: unknown = true) => {
    const same = out.find((s) => s.name === name);
    if (!same) out.push({ name, rules: [rule], text, rule: { [rule]: value } });
    else if (same.rules !== "any" && !same.rules.includes(rule)) {
      same.rules.push(rule);
      same.text = `${same.text}; ${text}`;
      same.rule[rule] = value;
    }
  };
  for (const m of t.matchAll(FORBIDDEN)) add(m[1]!, "forbiddenIn", `${m[1]} must be unset or false in production`, ["production"]);
  for (const m of t.matchAll(EQUALS)) add(m[1]!, "equals", `${m[1]} must be "${quoted(m, 2)}"`, quoted(m, 2));
  for (const m of t.matchAll(IS_QUOTED)) add(m[1]!, "equals", `${m[1]} must be "${quoted(m, 2)}"`, quoted(m, 2));
  for (const re of REQUIRED) for (const m of t.matchAll(re)) add(m[1]!, "required", `${m[1]} must be set`);

  // Value rules without a name before them take the block's subject: "it", else its only variable.
  const names = codeNames(t);
  const who = IT_SUBJECT.test(t) && subject ? subject : names.length === 1 ? names[0] : undefined;
  if (who) {
    const starts = STARTS.exec(t);
    if (starts) {
      // The prefixes of this sentence only ("… or `mongodb://` (self-hosted). No placeholder (e.g. `CHANGE_ME`)" ends at the full stop).
      const sentence = t.slice(starts.index).split(/\.\s/)[0]!;
      const prefixes = [...sentence.matchAll(new RegExp(`${QUOTED}`, "g"))].slice(0, 3).map((m) => quoted(m, 1)).filter((p) => /^[a-z][a-z0-9+.-]*:\/\/$|^[a-z]{1,8}_/.test(p));
      if (prefixes.length) add(who, "startsWith", `${who} must start with ${prefixes.map((p) => `"${p}"`).join(" or ")}`, prefixes.length === 1 ? prefixes[0] : prefixes);
    }
    for (const [re, rule] of HYGIENE) if (re.test(t)) add(who, rule, `${who}: ${re.exec(t)![0].toLowerCase()}`);
  }
  return out;
}

/** An item listed under "Env vars:": `` `NAME` `` alone (or with "(or `ALT`)"). */
export function listedVariable(itemText: string, parentText: string): EnvStatement | null {
  if (!/(?:^|\b)(?:env(?:ironment)?\s+var(?:iable)?s|environment)\s*:?\s*$/i.test(parentText.replace(/\s+/g, " ").trim())) return null;
  const m = new RegExp(`^\`(${NAME})\`(?:\\s*\\(or\\s+\`${NAME}\`\\))?$`).exec(itemText.replace(/\s+/g, " ").trim());
  return m ? { name: m[1]!, rules: "any", text: `${m[1]} (listed under env vars)`, rule: { required: true } } : null;
}

/** One line of a shell fence: `echo $HMRC_ENV  # Must be "production"`. */
export function envStatementInShell(line: string): EnvStatement | null {
  const m = new RegExp(`^\\s*(?:echo|printenv)\\s+\\$?\\{?(${NAME})\\}?\\s*#\\s*(?:must|should)\\s+be\\s+${QUOTED}`, "i").exec(line);
  return m ? { name: m[1]!, rules: ["equals"], text: `${m[1]} must be "${quoted(m, 2)}"`, rule: { equals: quoted(m, 2) } } : null;
}

/** One line of an env checklist fence (under an "Environment variables" heading): `NAME=…`. */
export function checklistVariable(line: string): EnvStatement | null {
  const m = new RegExp(`^\\s*(?:export\\s+)?(${NAME})=`).exec(line);
  return m ? { name: m[1]!, rules: "any", text: `${m[1]} (in the environment checklist)`, rule: { required: true } } : null;
}

/** A heading that announces an environment checklist. */
export const ENV_HEADING = /\benv(?:ironment)?\s+var(?:iable)?s\b/i;
