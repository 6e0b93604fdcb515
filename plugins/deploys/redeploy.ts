import { z } from "zod";
import { action, ActionInputError, parseDuration, type ActionContext } from "../plugin-api";
import type { DeploymentInfo } from "./api";
import type { DeploysConfig } from "./config";
import { everReady, ProviderError, sleep, type DeployProvider, type ProviderJob } from "./providers/provider";
import { describeDeployment, describeDeploymentAt } from "./sites";

export const SiteField = z.string().min(1, "the deploy site, as named in plugins.deploys.sites").max(100);

/** The configured site's provider, or a 400 naming the sites there are. */
export function providerOf(providers: Map<string, DeployProvider>, site: string): DeployProvider {
  const provider = providers.get(site);
  if (!provider) throw new ActionInputError(`unknown deploy site "${site}"`, { site: [`not a configured site (known: ${[...providers.keys()].join(", ") || "none"})`] });
  return provider;
}

/**
 * The deployment that served production before the current one: what "find the last working deployment"
 * means. One of the current commit is skipped on every provider: after a redeploy (a rebuild of the same
 * code) "previous" would otherwise be the very code that is failing.
 */
export async function previousDeployment(provider: DeployProvider, current: DeploymentInfo | null, signal?: AbortSignal): Promise<DeploymentInfo | null> {
  const list = await provider.list(30, signal);
  return list.find((d) => d.production && everReady(d) && !d.current && d.id !== current?.id && (!current || d.createdAt < current.createdAt) && (!current?.commit || d.commit !== current.commit)) ?? null;
}

const RedeployInput = z.object({
  site: SiteField,
  deploymentId: z
    .string()
    .max(300)
    .optional()
    .describe('The deployment to build again: an id or URL, or "previous" (the last one that served before the current). Empty: the latest commit (Render, Netlify) or the current deployment (Vercel, Railway).'),
});
type RedeployInput = z.infer<typeof RedeployInput>;

/** What a redeploy starts from: a deployment, or the branch's latest commit; refused when there is nothing to build. */
async function resolve(providers: Map<string, DeployProvider>, input: RedeployInput, signal?: AbortSignal) {
  const provider = providerOf(providers, input.site);
  const current = await provider.current(signal);
  const asked = input.deploymentId?.trim();
  let from: DeploymentInfo | "latest";
  if (!asked) {
    if (provider.can.latestCommit) from = "latest";
    else if (current) from = current;
    else throw new ActionInputError(`${input.site} has no production deployment to redeploy`, { deploymentId: [`${provider.name} shows no production deployment: name one`] });
  } else if (asked.toLowerCase() === "previous") {
    const prev = await previousDeployment(provider, current, signal);
    if (!prev) throw new ActionInputError(`${input.site} has no earlier deployment that served production`, { deploymentId: ["no earlier ready deployment"] });
    from = prev;
  } else {
    const d = await provider.get(asked, signal);
    if (!d) throw new ActionInputError(`${input.site} has no deployment ${asked}`, { deploymentId: [`no such deployment on ${input.site} (${provider.name})`] });
    if (!everReady(d)) throw new ActionInputError(`${d.id} never built (${d.providerState}); redeploying it would build the same failure`, { deploymentId: [`its build ${d.providerState}: push a fix instead`] });
    from = d;
  }
  return { provider, current, from };
}

const describeFrom = (from: DeploymentInfo | "latest") => (from === "latest" ? "the latest commit of the production branch" : describeDeploymentAt(from));
const who = (d: DeploymentInfo | null) => (d ? { deployment: d.id, commit: d.commit, author: d.author, createdAt: new Date(d.createdAt).toISOString(), state: d.providerState } : null);
const precondition = (current: DeploymentInfo | null, from: DeploymentInfo | "latest") => `${current?.id ?? "none"}<-${from === "latest" ? "latest" : from.id}`;

/** Follows a provider job until live or failed, logging each new state; the deadline is the config's followFor. */
export async function followJob(provider: DeployProvider, job: ProviderJob, ctx: Pick<ActionContext, "log" | "progress" | "signal">, followFor: number, what: string) {
  const deadline = Date.now() + followFor;
  let last = "";
  let polls = 0;
  for (;;) {
    const p = await job.follow(ctx.signal);
    if (p.detail !== last) ctx.log(`${provider.name}: ${p.detail}`);
    last = p.detail;
    ctx.progress(++polls);
    if (p.phase === "live") return p;
    if (p.phase === "failed") throw new Error(`${what} failed: ${p.detail}`);
    if (Date.now() > deadline) throw new Error(`${what} not live after ${Math.round(followFor / 60_000)} min (last: ${p.detail}); check ${provider.name}`);
    await sleep(Math.min(2000, 200 + polls * 100), ctx.signal);
  }
}

export function redeployAction(config: DeploysConfig, providers: Map<string, DeployProvider>, now: () => number = Date.now) {
  const followFor = parseDuration(config.followFor);
  return action({
    id: "redeploy",
    title: "Redeploy a deploy site to production",
    description:
      "A new production deployment through the provider's own API: Vercel builds a previous deployment again (POST /v13/deployments with deploymentId), Render deploys the latest commit or one commit, Railway redeploys a deployment, Netlify builds the latest commit or publishes an earlier deploy again. Followed until live or failed.",
    input: RedeployInput,
    risk: "high",
    target: (i) => `deploys:${i.site}`,
    timeout: "30m",
    rateLimit: { max: 3, per: "10m" },
    cancellable: true,
    async preview(input, { signal }) {
      const { provider, current, from } = await resolve(providers, input, signal);
      return {
        summary: `Redeploy ${input.site} (${provider.name}): a new production deployment built from ${describeFrom(from)}. Production now: ${current ? `${describeDeploymentAt(current)}${current.author ? ` by ${current.author}` : ""}` : "none"}.`,
        count: 1,
        before: who(current),
        after: from === "latest" ? { deployment: "new", commit: "latest on the branch", author: null, createdAt: "when it builds", state: "building" } : { deployment: `new (from ${from.id})`, commit: from.commit, author: from.author, createdAt: "when it builds", state: "building" },
        precondition: precondition(current, from),
      };
    },
    async run(input, ctx) {
      const { provider, current, from } = await resolve(providers, input, ctx.signal);
      if (input.precondition && input.precondition !== precondition(current, from))
        throw new Error(`production on ${input.site} changed since the preview (now ${current?.id ?? "none"}); preview again`);
      const t = now();
      ctx.log(`${provider.name}: production is ${current ? describeDeployment(current, t) : "none"}`);
      ctx.log(`${provider.name}: asking for a new production deployment from ${from === "latest" ? "the latest commit" : describeDeployment(from, t)}`);
      let job: ProviderJob;
      try {
        job = await provider.redeploy(from, ctx.signal);
      } catch (err) {
        if (err instanceof ProviderError) throw new Error(`${provider.name} refused the redeploy: ${err.providerMessage}`);
        throw err;
      }
      ctx.log(`${provider.name}: accepted; new deployment ${job.deploymentId ?? "(id not given)"}; following it until live`);
      const p = await followJob(provider, job, ctx, followFor, `redeploy of ${input.site}`);
      return {
        summary: `${input.site} redeployed: ${provider.name} serves ${p.deploymentId ?? job.deploymentId}, built from ${from === "latest" ? "the latest commit" : `${from.id} (commit ${from.commit?.slice(0, 7) ?? "?"})`}.`,
        data: { site: input.site, from: from === "latest" ? "latest" : from.id, previous: current?.id ?? null, live: p.deploymentId ?? job.deploymentId },
      };
    },
  });
}
