/**
 * Redis glob matching, as SCAN MATCH and KEYS apply it (util.c stringmatchlen): `*`, `?`,
 * `[abc]`, `[^a]`, `[a-z]`, and `\` escaping the next character. Used to check a key against the
 * configured patterns without asking the server.
 */
export function globMatch(pattern: string, key: string): boolean {
  return match(pattern, 0, key, 0);
}

function match(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length) {
    const c = p[pi]!;
    if (c === "*") {
      while (p[pi + 1] === "*") pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k <= s.length; k++) if (match(p, pi + 1, s, k)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === "?") {
      pi++;
      si++;
      continue;
    }
    if (c === "[") {
      let i = pi + 1;
      const not = p[i] === "^";
      if (not) i++;
      let hit = false;
      for (;;) {
        if (i >= p.length) {
          i = p.length - 1; // an unterminated class runs to the end of the pattern, like Redis
          break;
        }
        if (p[i] === "\\" && i + 1 < p.length) {
          if (p[i + 1] === s[si]) hit = true;
          i += 2;
        } else if (p[i] === "]") {
          break;
        } else if (p[i + 1] === "-" && i + 2 < p.length && p[i + 2] !== "]") {
          let lo = p[i]!;
          let hi = p[i + 2]!;
          if (lo > hi) [lo, hi] = [hi, lo];
          if (s[si]! >= lo && s[si]! <= hi) hit = true;
          i += 3;
        } else {
          if (p[i] === s[si]) hit = true;
          i++;
        }
      }
      if (not) hit = !hit;
      if (!hit) return false;
      pi = i + 1;
      si++;
      continue;
    }
    if (c === "\\" && pi + 1 < p.length) {
      if (p[pi + 1] !== s[si]) return false;
      pi += 2;
      si++;
      continue;
    }
    if (c !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

/** The first configured pattern a key falls under, or null. */
export function patternOf<T extends { pattern: string }>(key: string, patterns: Record<string, T>): { name: string; spec: T } | null {
  for (const [name, spec] of Object.entries(patterns)) if (globMatch(spec.pattern, key)) return { name, spec };
  return null;
}
