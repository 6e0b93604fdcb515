import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { DeclareIncidentForm } from "~/components/incidents/declare-form";
import { requireUser } from "~/core/auth.server";
import { declareIncident } from "~/core/incidents/incidents.server";
import { handle } from "~/core/http/index.server";
import { incidentContext, listRunbookPaths, readIncidentBody, withDetection } from "~/core/incidents/service.server";
import { canRespond } from "~/lib/incidents";

export const meta: MetaFunction = () => [{ title: "Declare an incident · Opsdeck" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  if (!canRespond(user.roles)) throw json({ error: "Declaring an incident needs the responder, manager or admin role." }, { status: 403 });
  const ctx = incidentContext();
  return json({
    plugins: Object.entries(ctx.pluginTitles).map(([id, title]) => ({ id, title })),
    runbooks: await listRunbookPaths(),
  });
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const ctx = incidentContext();
  return handle(async () => {
    const body = await readIncidentBody(request);
    const incident = await declareIncident(ctx.store, user, await withDetection(body, ctx), { lookupRunbook: ctx.lookupRunbook, knownPlugins: ctx.knownPlugins });
    return redirect(`/incidents/${incident.id}`);
  });
}

export default function NewIncident() {
  const { plugins, runbooks } = useLoaderData<typeof loader>();
  const data = useActionData<{ fieldErrors?: Record<string, string[]>; error?: string }>();
  const nav = useNavigation();
  const [params] = useSearchParams();
  const errors = data?.fieldErrors ?? (data?.error ? { form: [data.error] } : null);
  return (
    <section aria-labelledby="declare-title" className="incident-new">
      <h1 id="declare-title">Declare an incident</h1>
      <p className="hint">You become the incident commander. Status starts at “investigating”; post an update every 15 minutes.</p>
      <DeclareIncidentForm
        errors={errors}
        plugins={plugins}
        runbooks={runbooks}
        defaults={{ runbook: params.get("runbook") ?? undefined, severity: params.get("severity") ?? undefined }}
        busy={nav.state !== "idle"}
      />
    </section>
  );
}
