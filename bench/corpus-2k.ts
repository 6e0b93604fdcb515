// A generated runbook collection shaped like GitLab's public runbooks (front matter, an h1, h2/h3
// sections, prose, lists, shell/SQL/PromQL/YAML fences, tables, relative and external links,
// Opsdeck directives naming the demo's probes and actions), sizes 1–60 KB skewed small
// (median ≈ 4 KB), deterministic for a seed. Spread over team folders as real collections are.
import fs from "node:fs";
import path from "node:path";

const TEAMS = ["billing", "platform", "search", "data", "identity", "storage", "delivery", "observability", "payments", "growth"];
const SERVICES = ["api", "checkout", "gateway", "worker", "scheduler", "ledger", "indexer", "notifier", "auth", "storefront", "exporter", "queue"];
const COMPONENTS = ["postgres", "redis", "pgbouncer", "sidekiq", "gitaly", "consul", "haproxy", "nginx", "kafka", "elasticsearch", "gcs", "cloudflare", "vault", "patroni", "prometheus"];
const SYMPTOMS = ["latency", "saturation", "error rate", "replication lag", "disk full", "connection exhaustion", "memory pressure", "queue backlog", "certificate expiry", "5xx spike", "slow queries", "failed jobs"];
const VERBS = ["check", "drain", "restart", "failover", "rotate", "inspect", "throttle", "scale", "reindex", "silence", "escalate", "roll back"];
const WORDS = (
  "the a of to and in is for on that with as it be by this are from at or an was if when then check node host cluster primary replica " +
  "service request traffic alert page incident dashboard metric query log error timeout retry connection pool queue job worker " +
  "deploy release rollback config secret token certificate disk memory cpu latency throughput capacity shard index backup restore " +
  "snapshot migration schema table row lock vacuum replication failover leader follower quorum health probe threshold budget window"
).split(" ");
const PROBES = ["stripe.webhook-backlog", "paddle.failed-notifications", "cron.search-reindex", "redis.memory", "backups.shop-last-restorable", "supabase.stuck-paid-orders", "sentry.error-rate", "deploys.shop-current", "prometheus.http-latency-p95"];
const ACTIONS = ["stripe.reconcile", "cron.run-now", "backups.verify", "redis.delete-key", "deploys.rollback", "paddle.replay-notification"];

/** Mulberry32: small, fast, good enough for test data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CorpusStats {
  files: number;
  bytes: number;
  minBytes: number;
  maxBytes: number;
  medianBytes: number;
}

function runbook(rand: () => number, i: number, target: number): { folder: string; name: string; text: string } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const team = pick(TEAMS);
  const service = pick(SERVICES);
  const component = pick(COMPONENTS);
  const symptom = pick(SYMPTOMS);
  const sentence = (n = 8 + Math.floor(rand() * 18)) => {
    const w = Array.from({ length: n }, () => (rand() < 0.08 ? pick(COMPONENTS) : rand() < 0.05 ? `${pick(SERVICES)}-${i % 97}` : pick(WORDS)));
    return `${w[0]!.charAt(0).toUpperCase()}${w.join(" ").slice(1)}.`;
  };
  const title = `${component} ${symptom} on ${service} (${team} ${i})`;
  const name = `${component}-${symptom.replace(/[^a-z0-9]+/g, "-")}-${service}-${i}`;
  const out: string[] = [
    "---",
    `title: ${title}`,
    `owner: ${team}`,
    `service: ${service}`,
    `tags: [${component}, ${team}, ${symptom.split(" ")[0]}]`,
    `severity: P${1 + Math.floor(rand() * 4)}`,
    ...(rand() < 0.4 ? [`alert: [${component.charAt(0).toUpperCase()}${component.slice(1)}${symptom.replace(/(^|\s)(\w)/g, (_, _s, c: string) => c.toUpperCase()).replace(/\W/g, "")}${i}]`] : []),
    "---",
    "",
    `# ${title}`,
    "",
    "[[_TOC_]]",
    "",
    sentence(),
    "",
  ];
  let size = out.join("\n").length;
  let section = 0;
  while (size < target) {
    const chunk: string[] = [];
    const kind = section === 0 ? 0 : Math.floor(rand() * 7);
    if (section % 3 === 0) chunk.push(`## ${pick(VERBS)} ${pick(COMPONENTS)} ${section}`, "");
    else chunk.push(`### ${pick(VERBS)} the ${pick(SERVICES)} ${pick(WORDS)}`, "");
    switch (kind) {
      case 0:
        chunk.push(`::status{probe="${pick(PROBES)}"}`, "", sentence(), sentence(), "");
        break;
      case 1:
        chunk.push("```shell", `kubectl -n ${service} get pods -l app=${component}`, `kubectl -n ${service} logs deploy/${component} --since=15m | grep -i ${pick(WORDS)}`, `curl -sf https://${service}.internal/-/health`, "```", "");
        break;
      case 2:
        chunk.push("```sql", `select state, count(*) from pg_stat_activity where datname = '${service}' group by 1;`, `select * from ${pick(WORDS)}_${pick(WORDS)} where created_at > now() - interval '1 hour' limit 50;`, "```", "");
        break;
      case 3:
        chunk.push("| Metric | Threshold | Dashboard |", "|---|---|---|");
        for (let r = 0; r < 3 + Math.floor(rand() * 6); r++) chunk.push(`| ${pick(WORDS)}_${pick(WORDS)}_total | > ${Math.floor(rand() * 900)} | [${pick(COMPONENTS)}](https://dashboards.example.com/d/${component}-${r}) |`);
        chunk.push("");
        break;
      case 4:
        for (let r = 0; r < 3 + Math.floor(rand() * 5); r++) chunk.push(`- ${sentence(6 + Math.floor(rand() * 8))} See [${pick(WORDS)}](../${pick(TEAMS)}/${pick(COMPONENTS)}.md).`);
        chunk.push("");
        break;
      case 5:
        chunk.push("```promql", `sum(rate(${component}_requests_total{service="${service}",code=~"5.."}[5m])) / sum(rate(${component}_requests_total{service="${service}"}[5m]))`, "```", "", `::action{id="${pick(ACTIONS)}"}`, "");
        break;
      default:
        chunk.push(sentence(), sentence(), sentence(), "", sentence(), sentence(), "");
    }
    const text = chunk.join("\n");
    out.push(text);
    size += text.length + 1;
    section++;
  }
  return { folder: team, name, text: out.join("\n") };
}

/** Writes `count` runbooks under `dir` (team folders); returns their sizes. */
export function writeCorpus(dir: string, count = 2000, seed = 2000): CorpusStats {
  const rand = prng(seed);
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    // 1 KB · 60^(u^1.6): median ≈ 4 KB, a long tail to 60 KB.
    const target = Math.round(1000 * Math.pow(60, Math.pow(rand(), 1.6)));
    const { folder, name, text } = runbook(rand, i, target);
    fs.mkdirSync(path.join(dir, folder), { recursive: true });
    fs.writeFileSync(path.join(dir, folder, `${name}.md`), text);
    sizes.push(Buffer.byteLength(text));
  }
  sizes.sort((a, b) => a - b);
  return { files: count, bytes: sizes.reduce((a, b) => a + b, 0), minBytes: sizes[0]!, maxBytes: sizes[sizes.length - 1]!, medianBytes: sizes[Math.floor(count / 2)]! };
}
