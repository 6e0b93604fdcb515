import type { DeploymentInfo } from "../api";
import { followDeployment, ProviderAuthError, ProviderError, requestJson, siteUrl, type DeployProvider, type LogLine } from "./provider";

// Railway public GraphQL API (POST /graphql/v2): deployments(input: { projectId, serviceId, environmentId }, first),
// deployment(id), mutations deploymentRollback(id), deploymentRedeploy(id) → Deployment, deploymentRestart(id) → Boolean,
// queries buildLogs(deploymentId, limit) and deploymentLogs(deploymentId, limit) → [Log { timestamp message severity }],
// domains(projectId, environmentId, serviceId) → { serviceDomains { domain } customDomains { domain } }.
// Errors come back as 200 with `errors[]`.
const STATE: Record<string, DeploymentInfo["state"]> = { SUCCESS: "ready", SLEEPING: "ready", REMOVED: "superseded", REMOVING: "superseded", FAILED: "failed", CRASHED: "failed", SKIPPED: "canceled", BUILDING: "building", DEPLOYING: "building", INITIALIZING: "building", WAITING: "queued", QUEUED: "queued" };
const FIELDS = "id status createdAt canRollback meta";

export type RailwayTokenKind = "account" | "workspace" | "team" | "project";

/**
 * The header each kind of Railway token goes in (docs.railway.com, Public API): account and
 * workspace (formerly team) tokens as `Authorization: Bearer`, a project token as
 * `Project-Access-Token`. The tokens look alike, so the kind is configured, not guessed.
 */
export function railwayAuthHeaders(cfg: { token: string; tokenKind?: RailwayTokenKind }): Record<string, string> {
  return cfg.tokenKind === "project" ? { "project-access-token": cfg.token } : { authorization: `Bearer ${cfg.token}` };
}

export function railwayProvider(site: string, cfg: { projectId: string; serviceId: string; environmentId: string; token: string; tokenKind?: RailwayTokenKind; apiBase?: string }): DeployProvider {
  const url = `${(cfg.apiBase ?? "https://backboard.railway.com").replace(/\/$/, "")}/graphql/v2`;
  async function gql(query: string, variables: Record<string, unknown>, signal?: AbortSignal) {
    const { status, body } = await requestJson("Railway", url, { method: "POST", token: cfg.token, auth: railwayAuthHeaders(cfg), body: { query, variables }, signal }, (b) => b?.errors?.[0]?.message);
    const errors = body?.errors as { message: string }[] | undefined;
    if (errors?.length) {
      if (errors.some((e) => /not authori[sz]ed|unauthenticated|invalid token/i.test(e.message))) throw new ProviderAuthError("Railway", status);
      throw new ProviderError("Railway", status, errors.map((e) => e.message).join("; "));
    }
    return body.data;
  }

  const toInfo = (d: any): DeploymentInfo => {
    // A removed deployment that Railway still offers to roll back to was live once.
    const state = d.status === "REMOVED" && d.canRollback === false ? "canceled" : (STATE[String(d.status)] ?? "building");
    const meta = d.meta ?? {};
    return {
      id: String(d.id),
      site,
      provider: "railway",
      state,
      // A crashed deployment is still the service's active one (what a restart brings back).
      current: d.status === "SUCCESS" || d.status === "SLEEPING" || d.status === "CRASHED",
      production: true,
      commit: meta.commitHash ?? null,
      commitMessage: meta.commitMessage ?? null,
      author: meta.commitAuthor ?? null,
      createdAt: Date.parse(d.createdAt),
      providerState: String(d.status),
    };
  };

  const list = async (limit: number, signal?: AbortSignal) => {
    const data = await gql(
      `query deployments($input: DeploymentListInput!, $first: Int) { deployments(input: $input, first: $first) { edges { node { ${FIELDS} } } } }`,
      { input: { projectId: cfg.projectId, serviceId: cfg.serviceId, environmentId: cfg.environmentId }, first: limit },
      signal,
    );
    return (data?.deployments?.edges ?? []).map((e: any) => toInfo(e.node)) as DeploymentInfo[];
  };

  const provider: DeployProvider = {
    name: "Railway",
    can: { latestCommit: false, restart: true, logs: ["build", "runtime"] },
    list,
    async current(signal) {
      return (await list(20, signal)).find((d) => d.current) ?? null;
    },
    async get(id, signal) {
      try {
        const data = await gql(`query deployment($id: String!) { deployment(id: $id) { ${FIELDS} serviceId } }`, { id }, signal);
        if (!data?.deployment || (data.deployment.serviceId && data.deployment.serviceId !== cfg.serviceId)) return null;
        return toInfo(data.deployment);
      } catch (err) {
        if (err instanceof ProviderError && /not found/i.test(err.providerMessage)) return null;
        throw err;
      }
    },
    async rollback(target, signal) {
      const before = new Set((await list(20, signal)).map((d) => d.id));
      await gql(`mutation deploymentRollback($id: String!) { deploymentRollback(id: $id) }`, { id: target.id }, signal);
      return {
        async follow(s) {
          const fresh = (await list(20, s)).find((d) => !before.has(d.id));
          if (!fresh) return { phase: "pending", detail: "waiting for Railway to create the rollback deployment" };
          if (fresh.providerState === "SUCCESS") return { phase: "live", detail: `deployment ${fresh.id} (from ${target.id}) is live`, deploymentId: fresh.id };
          if (fresh.state === "failed" || fresh.state === "canceled") return { phase: "failed", detail: `Railway: deployment ${fresh.id} ended ${fresh.providerState}` };
          return { phase: "pending", detail: `deployment ${fresh.id} ${fresh.providerState}` };
        },
      };
    },
    async redeploy(from, signal) {
      if (from === "latest") throw new Error("Railway redeploys an existing deployment; name one");
      const data = await gql(`mutation deploymentRedeploy($id: String!) { deploymentRedeploy(id: $id) { id status } }`, { id: from.id }, signal);
      const id = data?.deploymentRedeploy?.id;
      if (!id) throw new ProviderError("Railway", 200, "the new deployment's id is missing from the answer");
      return followDeployment(provider, String(id), `redeployed from ${from.id}`);
    },
    async restart(current, signal) {
      await gql(`mutation deploymentRestart($id: String!) { deploymentRestart(id: $id) }`, { id: current.id }, signal);
      return {
        deploymentId: current.id,
        async follow(s) {
          const d = await provider.get(current.id, s);
          if (d?.providerState === "SUCCESS") return { phase: "live", detail: `deployment ${current.id} restarted and is SUCCESS`, deploymentId: current.id };
          if (d && (d.providerState === "FAILED" || d.providerState === "REMOVED")) return { phase: "failed", detail: `Railway: deployment ${current.id} is ${d.providerState} after the restart` };
          return { phase: "pending", detail: `deployment ${current.id} ${d?.providerState ?? "not visible"}` };
        },
      };
    },
    async logs(deployment, { streams, limit }, signal) {
      const lines: LogLine[] = [];
      for (const stream of streams) {
        const field = stream === "build" ? "buildLogs" : "deploymentLogs";
        const data = await gql(`query ${field}($deploymentId: String!, $limit: Int) { ${field}(deploymentId: $deploymentId, limit: $limit) { timestamp message severity } }`, { deploymentId: deployment.id, limit }, signal);
        for (const l of data?.[field] ?? []) lines.push({ at: Date.parse(l.timestamp), stream, level: l.severity ?? null, text: String(l.message ?? "") });
      }
      return lines.sort((a, b) => a.at - b.at).slice(-limit);
    },
    async publicUrls(signal) {
      const data = await gql(
        `query domains($projectId: String!, $environmentId: String!, $serviceId: String!) { domains(projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId) { serviceDomains { domain } customDomains { domain } } }`,
        { projectId: cfg.projectId, environmentId: cfg.environmentId, serviceId: cfg.serviceId },
        signal,
      );
      const d = data?.domains ?? {};
      return [...new Set([...(d.serviceDomains ?? []), ...(d.customDomains ?? [])].map((x: any) => siteUrl(x?.domain)).filter((u): u is string => !!u))];
    },
  };
  return provider;
}
