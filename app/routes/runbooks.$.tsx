import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { RunbookView } from "~/components/runbook/runbook-view";
import { requireUser } from "~/core/auth.server";
import { warmProbes } from "~/core/probes/service.server";
import { freshnessOf } from "~/core/runbooks/freshness.server";
import { getRunbook } from "~/core/runbooks/runbooks.server";
import katexStyles from "katex/dist/katex.min.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: katexStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.runbook.title} · Runbooks · Opsdeck` : "Runbook · Opsdeck" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const runbook = getRunbook(params["*"] ?? "");
  if (!runbook) throw new Response("There is no runbook at this address.", { status: 404 });
  warmProbes(runbook.slots); // start reads now; the page itself never waits on them
  return json({ runbook, freshness: await freshnessOf(runbook.path) });
}

export default function RunbookPage() {
  const { runbook, freshness } = useLoaderData<typeof loader>();
  return <RunbookView runbook={runbook} freshness={freshness} />;
}
