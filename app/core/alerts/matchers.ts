import type { Matcher } from "./config";

const compiled = new Map<string, RegExp>();

function regex(value: string): RegExp {
  let re = compiled.get(value);
  if (!re) {
    // Anchored like Alertmanager's matchers; a bad pattern was refused when the matcher was accepted.
    re = new RegExp(`^(?:${value})$`);
    if (compiled.size > 5000) compiled.clear();
    compiled.set(value, re);
  }
  return re;
}

/** Whether every matcher holds for the labels (a missing label reads as ""), as in Alertmanager. */
export function matchesAll(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  for (const m of matchers) {
    const value = labels[m.name] ?? "";
    const eq = m.isRegex ? regex(m.value).test(value) : value === m.value;
    if (eq !== (m.isEqual ?? true)) return false;
  }
  return true;
}
