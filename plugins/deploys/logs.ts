import { z } from "zod";
import { action, ActionInputError, type TextScrubber } from "../plugin-api";
import { ProviderAuthError, ProviderError, type DeployProvider, type LogLine } from "./providers/provider";
import { providerOf, SiteField } from "./redeploy";

const LogsInput = z.object({
  site: SiteField,
  deploymentId: z.string().max(300).optional().describe("The deployment whose log to read; empty: the one serving production."),
  stream: z.enum(["all", "build", "runtime"]).default("all").describe("Which log: build, runtime, or both"),
  lines: z.number().int().min(1).max(200).default(50).describe("How many of the newest lines"),
});

/** Secrets a log line may carry that the portal was never given: URL passwords, bearer tokens, common key shapes. */
const SHAPES: [RegExp, string][] = [
  [/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]+@/gi, "$1[redacted]@"],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, "$1 [redacted]"],
  [/\b(sk|rk)_(live|test)_[A-Za-z0-9]{6,}/g, "[redacted]"],
  [/\bwhsec_[A-Za-z0-9+/=]{6,}/g, "[redacted]"],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, "[redacted]"],
  [/\b(gh[pousr]_[A-Za-z0-9]{20,}|xox[abpr]-[A-Za-z0-9-]{10,}|AKIA[A-Z0-9]{16})/g, "[redacted]"],
  [/((?:password|passwd|secret|token|api[_-]?key)\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, "$1[redacted]"],
];

/** The portal's scrubber (every configured secret) first, then the shapes above. */
export function scrubLogText(text: string, scrubber?: TextScrubber): string {
  let out = scrubber ? scrubber.text(text) : text;
  for (const [re, to] of SHAPES) out = out.replace(re, to);
  return out.length > 2000 ? `${out.slice(0, 2000)}…` : out;
}

/**
 * `deploys.logs`: the newest build and runtime log lines of a site's deployment, where the
 * provider's API returns them (Render, Vercel, Railway; Netlify offers none). Changes nothing;
 * every line is scrubbed before it leaves the plugin.
 */
export function logsAction(providers: Map<string, DeployProvider>, scrubber?: TextScrubber) {
  /** The site's provider and the asked streams it returns; a 400 when it returns none of them. */
  const readable = (input: z.infer<typeof LogsInput>) => {
    const provider = providerOf(providers, input.site);
    const streams = (input.stream === "all" ? provider.can.logs : provider.can.logs.filter((s) => s === input.stream)) as ("build" | "runtime")[];
    if (!provider.logs || !streams.length)
      throw new ActionInputError(`${provider.name} offers no ${input.stream === "all" ? "" : `${input.stream} `}log through its API`, {
        stream: [provider.can.logs.length ? `${provider.name} returns ${provider.can.logs.join(" and ")} logs` : `${provider.name} returns no logs through its API: read them in its dashboard`],
      });
    return { provider: provider as DeployProvider & Required<Pick<DeployProvider, "logs">>, streams };
  };
  return action({
    id: "logs",
    title: "Read a deploy site's recent logs",
    description: "The newest build and runtime log lines of the deployment serving production (or one named), through the provider's log API (Render /v1/logs, Vercel deployment events and runtime logs, Railway buildLogs/deploymentLogs). Secrets are scrubbed. Changes nothing.",
    input: LogsInput as unknown as z.ZodType<z.infer<typeof LogsInput>>,
    risk: "low",
    target: (i) => `deploys:${i.site}`,
    timeout: "1m",
    async preview(input, { signal }) {
      const { provider, streams } = readable(input);
      // A deployment named must exist before anything runs: a typo is a field error, not a failed run.
      // (A provider's refusal or a rejected token is its UpstreamError: the dry run says so, never the token.)
      if (input.deploymentId && !(await provider.get(input.deploymentId, signal))) {
        throw new ActionInputError(`${input.site} has no deployment ${input.deploymentId}`, { deploymentId: [`no such deployment on ${input.site} (${provider.name})`] });
      }
      return { summary: `Read the newest ${input.lines} ${streams.join(" and ")} log line(s) of ${input.site} (${provider.name}, ${input.deploymentId || "the deployment serving production"}); changes nothing.` };
    },
    async run(input, ctx) {
      const { provider, streams } = readable(input);
      let lines: LogLine[];
      let deploymentId: string;
      try {
        const d = input.deploymentId ? await provider.get(input.deploymentId, ctx.signal) : await provider.current(ctx.signal);
        if (!d) throw new ActionInputError(input.deploymentId ? `${input.site} has no deployment ${input.deploymentId}` : `${input.site} has no production deployment`, { deploymentId: ["no such deployment"] });
        deploymentId = d.id;
        lines = await provider.logs(d, { streams, limit: input.lines }, ctx.signal);
      } catch (err) {
        if (err instanceof ActionInputError) throw err;
        if (err instanceof ProviderAuthError) throw new Error(`${input.site}: ${provider.name} authentication failed; check the site's token`);
        if (err instanceof ProviderError) throw new Error(`${provider.name} did not return the logs: ${scrubLogText(err.providerMessage, scrubber)}`);
        throw err;
      }
      const rows = lines.slice(-input.lines).map((l) => ({ at: l.at ? new Date(l.at).toISOString().replace("T", " ").slice(0, 19) : "", stream: l.stream, level: l.level ?? "", line: scrubLogText(l.text, scrubber) }));
      const errors = rows.filter((r) => /^(error|fatal|critical)$/i.test(r.level)).length;
      return {
        summary: rows.length
          ? `${rows.length} ${streams.join(" and ")} log line(s) of ${input.site} (${provider.name}, ${deploymentId})${errors ? `, ${errors} at error level` : ""}; newest ${rows[rows.length - 1]!.at} UTC`
          : `${provider.name} returned no ${streams.join(" or ")} log lines for ${input.site} (${deploymentId})`,
        rows,
        data: { kind: "deploy-logs", site: input.site, provider: provider.name, deploymentId, streams, errors, readAt: new Date().toISOString() },
      };
    },
  });
}
