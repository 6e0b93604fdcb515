/**
 * Words a runbook would use for what a probe reads: its id, and the resource it names — the part
 * of its title in parentheses (`opsHealth/stripeWebhook`) or what its summary or description reads
 * "in" (`stripeEvents`). The same matching the overview uses to find "runbooks that name what a
 * probe reads"; lint's --suggest uses it the other way round, from a mention to its probe.
 */
export function probeTerms(p: { id: string; title: string; summary?: string; description?: string }): string[] {
  const terms = [p.id];
  for (const m of p.title.matchAll(/\(([^()]+)\)/g)) terms.push(m[1]);
  for (const text of [p.summary ?? "", p.description ?? ""]) {
    for (const m of text.matchAll(/\b(?:in|from|on|collection|document|table|key)\s+`?([A-Za-z][\w/.:-]{3,})/g)) terms.push(m[1]);
    // A description that starts with what it reads (`opsHealth/autoReleaseProtected: runs every 10m`).
    const lead = /^`?([A-Za-z][\w/.-]{3,})`?:\s/.exec(text);
    if (lead) terms.push(lead[1]);
  }
  return terms;
}
