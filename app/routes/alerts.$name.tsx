import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/core/auth.server";
import { runbooksForAlert } from "~/core/runbooks/alerts.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.alert ?? "Alert"} · Runbooks · Opsdeck` }];

/** `/alerts/:name`: the runbook that answers a Prometheus alert (by front matter `alert:` or a heading). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireUser(request);
  const alert = params.name ?? "";
  if (!/^[A-Za-z_:][A-Za-z0-9_:.-]{0,199}$/.test(alert)) throw new Response("Not an alert name.", { status: 400 });
  const runbooks = runbooksForAlert(alert);
  if (runbooks.length === 1) throw redirect(runbooks[0]!.href);
  return json({ alert, runbooks });
}

export default function AlertRunbooks() {
  const { alert, runbooks } = useLoaderData<typeof loader>();
  return (
    <main className="page">
      <h1>
        Runbooks for <code>{alert}</code>
      </h1>
      {runbooks.length ? (
        <ul>
          {runbooks.map((r) => (
            <li key={r.href}>
              <Link to={r.href}>{r.title}</Link> <span className="muted">({r.match})</span>
            </li>
          ))}
        </ul>
      ) : (
        <p>
          No runbook names this alert yet. Add <code>alert: {alert}</code> to a runbook's front matter, or a heading <code>## {alert}</code>, and the
          alerts widget links to it.
        </p>
      )}
      <p>
        <Link to="/runbooks">All runbooks</Link>
      </p>
    </main>
  );
}
