import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/core/auth.server";
import { loadReport, reportMarkdown } from "~/core/incidents/report.server";
import { incidentContext, loadIncident } from "~/core/incidents/service.server";
import { orErrorResponse } from "~/core/http/index.server";

/** GET /incidents/:id/report.md — the postmortem as markdown, secrets scrubbed. `?inline=1` shows it instead of downloading. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const incident = await orErrorResponse(loadIncident(params.id));
  const { store, secrets, pluginTitles, probeTitles, actionTitles } = incidentContext();
  const report = await loadReport(store, incident, { secrets, pluginTitles, probeTitles, actionTitles });
  const body = reportMarkdown(report, secrets);
  const inline = new URL(request.url).searchParams.get("inline") === "1";
  return new Response(body, {
    headers: {
      "Content-Type": "text/markdown; charset=utf-8",
      "Content-Disposition": `${inline ? "inline" : "attachment"}; filename="incident-${incident.id}-report.md"`,
      "Cache-Control": "no-store",
    },
  });
}
