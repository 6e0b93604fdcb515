// `redis-cli …` lines as runbooks write them, mapped to the redis plugin's reads and guarded
// actions against the configured instance. Connection flags are ignored (the portal talks to its
// own instance); commands that wipe or reconfigure a server get no button and say what to use.

/** What one `redis-cli` line becomes. */
export type RedisCliMeaning =
  | { kind: "read"; input: Record<string, string>; label: string }
  | { kind: "action"; actionId: "redis.delete-key" | "redis.delete-keys"; input: Record<string, string>; label: string }
  | { kind: "refused"; command: string; why: string };

/** Flags that take a value and only say how to connect. */
const CONNECTION_FLAGS = new Set(["-h", "-p", "-a", "-n", "-u", "--user", "--pass", "--askpass", "--sni", "--cacert", "--cert", "--key", "-s"]);
const SWITCHES = new Set(["--tls", "--no-auth-warning", "--raw", "--no-raw", "-c", "--insecure", "-e"]);

const REFUSED: Record<string, string> = {
  FLUSHDB: "FLUSHDB deletes every key of the database: the portal offers no button for it. Delete a key family with redis.delete-keys (a pattern, previewed) instead.",
  FLUSHALL: "FLUSHALL deletes every key of every database: the portal offers no button for it. Delete a key family with redis.delete-keys (a pattern, previewed) instead.",
  CONFIG: "CONFIG SET changes the server's configuration: not from a runbook page. Change it in the provider's console or the deployment's config, reviewed.",
  DEBUG: "DEBUG can stop or crash the server: the portal offers no button for it. Use INFO (redis-cli INFO memory) to look, the provider's console to act.",
  SHUTDOWN: "SHUTDOWN stops the server: the portal offers no button for it.",
};

/** Splits a shell line into words (quotes kept together, stripped), up to a pipe or comment. */
function words(line: string): { argv: string[]; rest: string } {
  const argv: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === " " || line[i] === "\t") i++;
    if (i >= line.length || line[i] === "|" || line[i] === "#" || line[i] === ";" || line[i] === "&") break;
    let w = "";
    while (i < line.length && !/[\s|;&]/.test(line[i]!)) {
      const q = line[i];
      if (q === '"' || q === "'") {
        const end = line.indexOf(q, i + 1);
        if (end < 0) return { argv: [], rest: "" };
        w += line.slice(i + 1, end);
        i = end + 1;
      } else w += line[i++];
    }
    argv.push(w);
  }
  return { argv, rest: line.slice(i).trim() };
}

/** `{user_id}`, `<key>`, `USER_ID`-style placeholders: a template, not a key to act on. */
const PLACEHOLDER = /\{[a-z][a-z0-9_]*\}|<[^>]+>|\.\.\.|…/;

/** The `redis-cli` line at the start of `text` (after an optional `$ ` prompt), or null. */
export function redisCliLine(text: string): string | null {
  const m = /^\s*(?:\$\s+)?(redis-cli(?:\s[^\n]*)?)$/.exec(text);
  return m ? m[1]!.trim() : null;
}

/** What a `redis-cli` line means here; null when it is not one the portal knows (connect only, unknown command). */
export function parseRedisCli(line: string): RedisCliMeaning | null {
  const { argv, rest } = words(line);
  if (argv[0] !== "redis-cli") return null;
  const args: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (CONNECTION_FLAGS.has(a)) i++;
    else if (SWITCHES.has(a)) continue;
    else if (/^-/.test(a) && !args.length) return null; // a flag we do not know: not read as a command
    else args.push(a);
  }
  if (!args.length) return null; // `redis-cli -h … -a …`: connecting, nothing to run
  const cmd = args[0]!.toUpperCase();
  if (REFUSED[cmd]) {
    if (cmd === "CONFIG" && (args[1] ?? "").toUpperCase() !== "SET") return null;
    return { kind: "refused", command: cmd === "CONFIG" ? "CONFIG SET" : cmd, why: REFUSED[cmd]! };
  }
  const pipedDel = /^\|\s*xargs\s+(?:-\S+\s+)*redis-cli\b(.*)$/i.exec(rest);
  if (pipedDel) {
    const piped = words(`redis-cli${pipedDel[1]}`).argv.slice(1).filter((a, i, all) => !CONNECTION_FLAGS.has(a) && !CONNECTION_FLAGS.has(all[i - 1] ?? ""));
    if (cmd !== "KEYS" || args.length !== 2 || piped.length !== 1 || !/^(DEL|UNLINK)$/i.test(piped[0]!)) return null;
    const pattern = args[1]!;
    if (PLACEHOLDER.test(pattern) || !pattern.replace(/[*?[\]\\^-]/g, "")) return null;
    return { kind: "action", actionId: "redis.delete-keys", input: { pattern }, label: `Delete keys ${pattern}…` };
  }
  if (rest && !rest.startsWith("#")) return null; // piped into something else: not ours to run
  switch (cmd) {
    case "PING":
      return args.length === 1 ? { kind: "read", input: { command: "PING" }, label: "PING" } : null;
    case "INFO": {
      const section = (args[1] ?? "memory").toLowerCase();
      return args.length <= 2 && /^(server|clients|memory|persistence|stats|replication|cpu|keyspace|errorstats)$/.test(section) ? { kind: "read", input: { command: "INFO", section }, label: `INFO ${section}` } : null;
    }
    case "GET":
    case "TTL":
    case "PTTL":
      return args.length === 2 && !PLACEHOLDER.test(args[1]!) ? { kind: "read", input: { command: cmd === "PTTL" ? "TTL" : cmd, key: args[1]! }, label: `${cmd === "PTTL" ? "TTL" : cmd} ${args[1]}` } : null;
    case "KEYS":
      return args.length === 2 && !PLACEHOLDER.test(args[1]!) ? { kind: "read", input: { command: "SCAN", pattern: args[1]! }, label: `List keys ${args[1]} (by SCAN)` } : null;
    case "SCAN": {
      let pattern = "*";
      for (let i = 2; i < args.length; i++) if (args[i]!.toUpperCase() === "MATCH" && args[i + 1]) pattern = args[++i]!;
      return PLACEHOLDER.test(pattern) ? null : { kind: "read", input: { command: "SCAN", pattern }, label: `List keys ${pattern} (by SCAN)` };
    }
    case "DEL":
    case "UNLINK":
      return args.length === 2 && !PLACEHOLDER.test(args[1]!) ? { kind: "action", actionId: "redis.delete-key", input: { key: args[1]! }, label: `Delete ${args[1]}…` } : null;
    default:
      return null;
  }
}

/** The page's text of a `redis-cli` line with a password given by `-a`/`--pass` masked (same length, so positions hold); `$VAR` is kept. */
export function maskRedisPasswords(text: string): string {
  if (!text.includes("redis-cli")) return text;
  return text.replace(/(redis-cli\b[^\n]*?\s(?:-a|--pass)\s+)("[^"\n]*"|'[^'\n]*'|[^\s'"]+)/g, (all, head: string, pw: string) => (/^["']?\$/.test(pw) ? all : head + "•".repeat(pw.length)));
}
