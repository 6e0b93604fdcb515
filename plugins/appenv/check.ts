import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { TextScrubber, ValueFingerprints } from "../plugin-api";
import type { Rule, ServiceConfig } from "./config";
import { rulesOf } from "./presets";
import { checkRedeploy, checkRequired, checkValueRules, type ReadVariable, type Verdict } from "./rules";
import type { EnvRead, EnvSource } from "./sources";

export interface ServiceVerdicts {
  service: string;
  title: string;
  /** Set when the variables could not be read at all (the provider's words, scrubbed). */
  error: string | null;
  verdicts: Verdict[];
  settingsUrl: string | null;
  problems: number;
}

export interface CheckResult {
  at: number;
  services: ServiceVerdicts[];
  /** sameAs and matches across every service, each with its service. */
  consistency: (Verdict & { service: string })[];
}

export interface CheckedService {
  name: string;
  config: ServiceConfig;
  rules: Record<string, Rule>;
  source: EnvSource;
}

/** Fingerprints seen per service and variable, and since when (a change noticed between two checks). Only fingerprints, never values. */
export class FingerprintHistory {
  private data: Record<string, Record<string, { fp: string; since: number | null }>> = {};
  constructor(private readonly file: string | null) {
    if (file) {
      try {
        this.data = JSON.parse(fs.readFileSync(file, "utf8"));
      } catch {
        this.data = {};
      }
    }
  }
  /** Records this check's fingerprint; returns when a change was first seen, or null when never seen changing. */
  observe(service: string, name: string, fp: string, at: number): number | null {
    const s = (this.data[service] ??= {});
    const prev = s[name];
    if (!prev) s[name] = { fp, since: null };
    else if (prev.fp !== fp) s[name] = { fp, since: at };
    return s[name]!.since;
  }
  save(): void {
    if (!this.file) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}

/** Fingerprints for unit tests and bare setups: a key file beside the plugin's data; no configured secrets. */
export function localFingerprints(dataDir: string | null): ValueFingerprints {
  let key: Buffer;
  if (dataDir) {
    const file = path.join(dataDir, "fingerprint.key");
    try {
      key = Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
    } catch {
      fs.mkdirSync(dataDir, { recursive: true });
      key = crypto.randomBytes(32);
      fs.writeFileSync(file, key.toString("base64"), { mode: 0o600 });
    }
  } else key = crypto.randomBytes(32);
  return { of: (v) => crypto.createHmac("sha256", key).update(v, "utf8").digest("hex"), secret: () => null };
}


/**
 * Reads every service, checks each variable against its rules and drops the values: what leaves
 * this function is verdicts (and fingerprints in the history file). Services are read in parallel;
 * one that fails is its own error, the others are still checked.
 */
export async function checkServices(
  services: CheckedService[],
  deps: { fingerprints: ValueFingerprints; history: FingerprintHistory; scrubber?: TextScrubber; now(): number; signal: AbortSignal },
): Promise<CheckResult> {
  const at = deps.now();
  const fps = new Map<string, Map<string, string | null>>();

  // Each service is checked as soon as its own read arrives, so the rules of the fast services run
  // while the slow one (Vercel's one decrypt call per variable) is still fetching.
  const judge = (s: CheckedService, read: EnvRead): ServiceVerdicts => {
    const verdicts: Verdict[] = [];
    const present = [...read.vars.keys()];
    const serviceFps = new Map<string, string | null>();
    for (const [name, v] of read.vars) serviceFps.set(name, v.value === null ? null : deps.fingerprints.of(v.value));
    for (const [name, rule] of Object.entries(s.rules)) {
      const v: ReadVariable | undefined = read.vars.get(name);
      if (rule.required) verdicts.push(checkRequired(name, present));
      verdicts.push(...checkValueRules(name, rule, v, read.environment));
      if (rule.redeployAfterChange && v) {
        const fp = serviceFps.get(name) ?? null;
        const observed = fp ? deps.history.observe(s.name, name, fp, at) : null;
        const changedAt = v.updatedAt ?? observed;
        verdicts.push(checkRedeploy(name, changedAt, read.deployedAt, v.updatedAt !== null ? "platform" : "observed"));
      }
    }
    // Every read variable's fingerprint is remembered (change over time), not only the ruled ones'.
    for (const [name, fp] of serviceFps) if (fp && !s.rules[name]?.redeployAfterChange) deps.history.observe(s.name, name, fp, at);
    fps.set(s.name, serviceFps);
    read.vars.clear();
    return { service: s.name, title: s.config.title ?? s.name, error: null, verdicts, settingsUrl: read.settingsUrl, problems: 0 };
  };
  const perService: ServiceVerdicts[] = await Promise.all(
    services.map((s) =>
      s.source(deps.signal).then(
        (read) => judge(s, read),
        (reason: unknown): ServiceVerdicts => {
          const msg = reason instanceof Error ? reason.message : String(reason);
          return { service: s.name, title: s.config.title ?? s.name, error: deps.scrubber ? deps.scrubber.text(msg) : msg, verdicts: [], settingsUrl: null, problems: 0 };
        },
      ),
    ),
  );

  const consistency: CheckResult["consistency"] = [];
  for (const s of services) {
    const mine = fps.get(s.name);
    const out = perService.find((p) => p.service === s.name)!;
    for (const [name, rule] of Object.entries(s.rules)) {
      if (rule.sameAs) {
        const [other, otherName] = [rule.sameAs.slice(0, rule.sameAs.indexOf(".")), rule.sameAs.slice(rule.sameAs.indexOf(".") + 1)];
        const a = mine?.get(name);
        const theirs = fps.get(other);
        let v: Verdict;
        if (!mine) v = { name, rule: "sameAs", verdict: "unknown", detail: `${name}: ${s.name} could not be read` };
        else if (!services.some((x) => x.name === other)) v = { name, rule: "sameAs", verdict: "unknown", detail: `${name}: no service "${other}" is configured` };
        else if (!theirs) v = { name, rule: "sameAs", verdict: "unknown", detail: `${name}: ${other} could not be read` };
        else if (a === undefined) v = { name, rule: "sameAs", verdict: "problem", detail: `${name} is not set on ${s.name}, but ${other}.${otherName} is what it must equal` };
        else if (!theirs.has(otherName)) v = { name, rule: "sameAs", verdict: "problem", detail: `${other}.${otherName} is not set, so ${s.name}.${name} has nothing to equal` };
        else if (a === null || theirs.get(otherName) === null) v = { name, rule: "sameAs", verdict: "unknown", detail: `${name}: a value is not readable, so equality cannot be judged` };
        else if (a === theirs.get(otherName)) v = { name, rule: "sameAs", verdict: "ok", detail: `${s.name}.${name} equals ${other}.${otherName}` };
        else v = { name, rule: "sameAs", verdict: "problem", detail: `${s.name}.${name} differs from ${other}.${otherName}` };
        out.verdicts.push(v);
        consistency.push({ ...v, service: s.name });
      }
      if (rule.matches) {
        const a = mine?.get(name);
        const want = deps.fingerprints.secret(rule.matches);
        let v: Verdict;
        if (!mine) v = { name, rule: "matches", verdict: "unknown", detail: `${name}: ${s.name} could not be read` };
        else if (want === null) v = { name, rule: "matches", verdict: "unknown", detail: `${name}: no configured secret ${rule.matches} to compare with` };
        else if (a === undefined) v = { name, rule: "matches", verdict: "problem", detail: `${name} is not set on ${s.name}` };
        else if (a === null) v = { name, rule: "matches", verdict: "unknown", detail: `${name}: value not readable, so it cannot be compared with ${rule.matches}` };
        else if (a === want) v = { name, rule: "matches", verdict: "ok", detail: `${s.name}.${name} matches the configured ${rule.matches}` };
        else v = { name, rule: "matches", verdict: "problem", detail: `${s.name}.${name} does not match the configured ${rule.matches}` };
        out.verdicts.push(v);
        consistency.push({ ...v, service: s.name });
      }
    }
    out.problems = out.verdicts.filter((v) => v.verdict === "problem").length;
  }
  try {
    deps.history.save();
  } catch {
    /* the history is a convenience; a full disk must not fail the check */
  }
  return { at, services: perService, consistency };
}

export function checkedServices(config: Record<string, ServiceConfig>, sourceOf: (name: string, cfg: ServiceConfig) => EnvSource): CheckedService[] {
  return Object.entries(config).map(([name, cfg]) => ({ name, config: cfg, rules: rulesOf(cfg.presets, cfg.rules), source: sourceOf(name, cfg) }));
}

