import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireRole } from "~/core/auth.server";
import { doctorOfPortal } from "~/core/doctor/portal.server";
import { doctorJson } from "~/core/doctor/run.server";
import { getPortal } from "~/core/portal.server";

export const meta: MetaFunction = () => [{ title: "Setup · Opsdeck" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "admin");
  const report = doctorJson(await doctorOfPortal(getPortal()));
  return json(report, { headers: { "Cache-Control": "no-store" } });
}

export default function SetupPage() {
  const report = useLoaderData<typeof loader>();
  const problems = report.plugins.filter((p) => p.status === "problem").length;
  return (
    <section aria-labelledby="setup-title" className="setup-page">
      <h1 id="setup-title">Setup</h1>
      <p className="muted">
        One real, read-only call per configured plugin and credential, as <code>npm run doctor</code> makes them. Reload the page to check again.
      </p>
      {report.note ? <p data-testid="setup-mode">{report.note}</p> : null}
      <p role="status" data-testid="setup-summary">
        {report.plugins.length === 0 ? "No plugin is configured." : problems ? `${problems} of ${report.plugins.length} plugin(s) cannot work as configured.` : `${report.plugins.length} plugin(s) checked: all ok.`}
      </p>
      {report.plugins.map((p) => (
        <article key={p.id} data-plugin={p.id} data-status={p.status} className="card">
          <h2>
            {p.id} <span className={p.status === "ok" ? "status-ok" : "status-critical"}>{p.status === "ok" ? "ok" : "problem"}</span>
          </h2>
          <ul>
            {p.checks.map((c) => (
              <li key={c.name} data-check={c.name} data-ok={c.ok ? "true" : "false"}>
                <strong>{c.ok ? "✓" : "✗"} {c.name}</strong>: {c.detail}
                {!c.ok && c.fix ? (
                  <div>
                    Fix: <code data-testid="check-fix">{c.fix}</code>
                  </div>
                ) : null}
              </li>
            ))}
          </ul>
        </article>
      ))}
    </section>
  );
}

export function ErrorBoundary() {
  return (
    <section>
      <h1>Setup</h1>
      <p>This page is for admins.</p>
    </section>
  );
}
