import { z } from "zod";
import { action, ActionInputError, parseDuration } from "../plugin-api";
import type { DeploymentInfo } from "./api";
import type { DeploysConfig } from "./config";
import { everReady, ProviderError, sleep, type DeployProvider } from "./providers/provider";
import { previousDeployment } from "./redeploy";
import { describeDeployment, describeDeploymentAt } from "./sites";

const RollbackInput = z.object({
  site: z.string().min(1, "the deploy site, as named in plugins.deploys.sites"),
  deploymentId: z.string().min(1, "the deployment to roll back to").max(200).describe('The deployment to roll back to: its id, or "previous" (the last one that served before the current).'),
});

/** Looks up current and target, refusing what cannot be rolled back to (ActionInputError: the input is wrong). */
async function resolve(providers: Map<string, DeployProvider>, input: z.infer<typeof RollbackInput>, signal?: AbortSignal) {
  const provider = providers.get(input.site);
  if (!provider) throw new ActionInputError(`unknown deploy site "${input.site}"`, { site: [`not a configured site (known: ${[...providers.keys()].join(", ") || "none"})`] });
  // "previous": the deployment that served before the current one, as a runbook's "find the last working deployment" says.
  const previous = input.deploymentId.trim().toLowerCase() === "previous";
  const current = await provider.current(signal);
  const target = previous ? await previousDeployment(provider, current, signal) : await provider.get(input.deploymentId, signal);
  if (!target && previous) throw new ActionInputError(`${input.site} has no earlier deployment that served production`, { deploymentId: ["no earlier ready deployment to roll back to"] });
  if (!target) throw new ActionInputError(`${input.site} has no deployment ${input.deploymentId}`, { deploymentId: [`no such deployment on ${input.site} (${provider.name})`] });
  if (!everReady(target))
    throw new ActionInputError(`${target.id} never reached ready/live (${target.providerState}); refusing to roll back to it`, {
      deploymentId: [`never reached ready/live (${provider.name} says ${target.providerState})`],
    });
  if (current && (current.id === target.id || (current.commit && current.commit === target.commit && current.provider !== "vercel" && current.provider !== "netlify")))
    throw new ActionInputError(`${target.id} is already what ${input.site} serves`, { deploymentId: ["already serving production"] });
  return { provider, current, target };
}

export function rollbackAction(config: DeploysConfig, providers: Map<string, DeployProvider>, now: () => number = Date.now) {
  const followFor = parseDuration(config.followFor);
  return action({
    id: "rollback",
    title: "Roll back a deploy site to an earlier deployment",
    description: "Runs the provider's own rollback (Vercel rollback, Netlify restore, Render rollback, Railway rollback) and follows it until live or failed.",
    input: RollbackInput,
    risk: "critical",
    target: (i) => `deploys:${i.site}`,
    timeout: "15m",
    rateLimit: { max: 3, per: "10m" },
    cancellable: true,
    async preview(input, { signal }) {
      const { provider, current, target } = await resolve(providers, input, signal);
      return {
        summary: `Roll back ${input.site} (${provider.name}) from ${current ? describeDeploymentAt(current) : "no current deployment"} to ${describeDeploymentAt(target)}.`,
        count: 1,
        before: current ? { deployment: current.id, commit: current.commit, author: current.author, createdAt: new Date(current.createdAt).toISOString() } : null,
        after: { deployment: target.id, commit: target.commit, author: target.author, createdAt: new Date(target.createdAt).toISOString() },
        precondition: current?.id ?? "none",
      };
    },
    async run(input, ctx) {
      const { provider, current, target } = await resolve(providers, input, ctx.signal);
      if (input.precondition && input.precondition !== (current?.id ?? "none"))
        throw new Error(`production on ${input.site} changed since the preview (now ${current?.id ?? "none"}, was ${input.precondition}); preview again`);
      const t = now();
      ctx.log(`${provider.name}: production is ${current ? describeDeployment(current, t) : "none"}`);
      ctx.log(`${provider.name}: asking to roll back to ${describeDeployment(target, t)}`);
      let job;
      try {
        job = await provider.rollback(target, ctx.signal);
      } catch (err) {
        if (err instanceof ProviderError) throw new Error(`${provider.name} refused the rollback: ${err.providerMessage}`);
        throw err;
      }
      ctx.log(`${provider.name}: rollback accepted; following it until live`);
      const deadline = Date.now() + followFor;
      let last = "";
      let polls = 0;
      for (;;) {
        const p = await job.follow(ctx.signal);
        if (p.detail !== last) ctx.log(`${provider.name}: ${p.detail}`);
        last = p.detail;
        ctx.progress(++polls);
        if (p.phase === "live") {
          return {
            summary: `${input.site} rolled back: ${provider.name} serves ${p.deploymentId === target.id ? target.id : `${p.deploymentId} (built from ${target.id})`}, commit ${target.commit?.slice(0, 7) ?? "?"}.`,
            data: { site: input.site, from: current?.id ?? null, to: target.id, live: p.deploymentId },
          };
        }
        if (p.phase === "failed") throw new Error(`rollback of ${input.site} failed: ${p.detail}`);
        if (Date.now() > deadline) throw new Error(`rollback of ${input.site} not live after ${config.followFor} (last: ${p.detail}); check ${provider.name}`);
        await sleep(Math.min(2000, 200 + polls * 100), ctx.signal);
      }
    },
  });
}

export type { DeploymentInfo };
