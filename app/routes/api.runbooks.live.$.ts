import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { z } from "zod";
import { requireUser } from "~/core/auth.server";
import { CheckpointFailure, errorText } from "~/core/audit/audit.server";
import { handle, parseWith, readBody } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";
import { checkEnvBlock, checkHealthBlock, liveBlocksOf, LiveCheckRefused } from "~/core/runbooks/live-page.server";
import { readDocumentAudited } from "~/core/runbooks/live-mentions.server";

const NO_STORE = { "Cache-Control": "no-store" };
const LiveReadSchema = z.object({ id: z.number({ message: "a block id (a non-negative integer) is required" }).int().nonnegative() }).strict();

/** GET → which marked blocks and mentions of a runbook are live now (`{ blocks, sql, promql, refused }`). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const portal = getPortal();
  const live = await liveBlocksOf(params["*"] ?? "", portal.registry, { liveHosts: portal.config.runbooks.liveHosts });
  if (!live) return json({ error: "There is no runbook at this address." }, { status: 404 });
  return json(live, { headers: NO_STORE });
}

/**
 * POST `{ id }` → the live reading of the runbook's block or mention with that id: "Check now" on
 * a health URL (allow-listed hosts only), "Show fields" on a Firestore document path (audited), or
 * "Check environment" on an environment statement (the app-environment check's verdicts, no values).
 */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  if (request.method !== "POST") return json({ error: "use POST" }, { status: 405 });
  const portal = getPortal();
  const page = params["*"] ?? "";
  return handle(async () => {
    const { id } = parseWith(LiveReadSchema, await readBody(request, { accept: "json" }));
    try {
      const live = await liveBlocksOf(page, portal.registry, { liveHosts: portal.config.runbooks.liveHosts });
      if (live?.blocks.some((b) => b.id === id && b.kind === "firestore")) return json(await readDocumentAudited(portal, user, page, id), { headers: NO_STORE });
      if (live?.blocks.some((b) => b.id === id && b.kind === "env")) return json(await checkEnvBlock(page, id, portal.registry, { liveHosts: portal.config.runbooks.liveHosts }), { headers: NO_STORE });
      return json(await checkHealthBlock(page, id, portal.registry, { liveHosts: portal.config.runbooks.liveHosts }), { headers: NO_STORE });
    } catch (err) {
      if (err instanceof LiveCheckRefused) return json({ error: err.message }, { status: err.status });
      // An audit write that failed refuses the answer (fail closed); anything else is the source's failure.
      if (err instanceof CheckpointFailure) return json({ error: "the read could not be recorded in the audit log; nothing is shown" }, { status: 503 });
      return json({ error: errorText(err, portal.config.secretValues) }, { status: 502 });
    }
  });
}
