import { z } from "zod";
import { action, ActionInputError, parseDuration } from "../plugin-api";
import type { DeploysConfig } from "./config";
import { ProviderError, type DeployProvider, type ProviderJob } from "./providers/provider";
import { followJob, providerOf, SiteField } from "./redeploy";
import { describeDeployment, describeDeploymentAt } from "./sites";

const RestartInput = z.object({ site: SiteField });

async function resolve(providers: Map<string, DeployProvider>, site: string, signal?: AbortSignal) {
  const provider = providerOf(providers, site);
  if (!provider.restart || !provider.can.restart)
    throw new ActionInputError(`${provider.name} has no restart in its API; redeploy ${site} instead (deploys.redeploy)`, { site: [`${provider.name} sites cannot be restarted, only redeployed`] });
  const current = await provider.current(signal);
  if (!current) throw new ActionInputError(`${site} has no running deployment to restart`, { site: [`${provider.name} shows no production deployment`] });
  return { provider, current, restart: provider.restart.bind(provider) };
}

export function restartAction(config: DeploysConfig, providers: Map<string, DeployProvider>, now: () => number = Date.now) {
  const followFor = parseDuration(config.followFor);
  return action({
    id: "restart",
    title: "Restart a deploy site's running service",
    description: "Restarts the running deployment without a build (Render: POST /v1/services/{id}/restart; Railway: deploymentRestart). Requests may fail briefly while the instances start again.",
    input: RestartInput,
    risk: "high",
    target: (i) => `deploys:${i.site}`,
    timeout: "15m",
    rateLimit: { max: 3, per: "10m" },
    cancellable: true,
    async preview(input, { signal }) {
      const { provider, current } = await resolve(providers, input.site, signal);
      return {
        summary: `Restart ${input.site} (${provider.name}): the running deployment ${describeDeploymentAt(current)}${current.author ? ` by ${current.author}` : ""} stops and starts again on the same build; no new deployment.`,
        count: 1,
        before: { deployment: current.id, commit: current.commit, author: current.author, createdAt: new Date(current.createdAt).toISOString(), state: current.providerState },
        after: { deployment: current.id, commit: current.commit, author: current.author, createdAt: new Date(current.createdAt).toISOString(), state: "restarted" },
        precondition: current.id,
      };
    },
    async run(input, ctx) {
      const { provider, current, restart } = await resolve(providers, input.site, ctx.signal);
      if (input.precondition && input.precondition !== current.id) throw new Error(`production on ${input.site} changed since the preview (now ${current.id}, was ${input.precondition}); preview again`);
      ctx.log(`${provider.name}: restarting ${describeDeployment(current, now())}`);
      let job: ProviderJob;
      try {
        job = await restart(current, ctx.signal);
      } catch (err) {
        if (err instanceof ProviderError) throw new Error(`${provider.name} refused the restart: ${err.providerMessage}`);
        throw err;
      }
      ctx.log(`${provider.name}: restart accepted`);
      const p = await followJob(provider, job, ctx, followFor, `restart of ${input.site}`);
      return { summary: `${input.site} restarted on ${provider.name}: ${p.detail}.`, data: { site: input.site, deployment: current.id } };
    },
  });
}
