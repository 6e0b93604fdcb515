import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireRole } from "~/core/auth.server";
import { demoSandboxes } from "~/core/demo/sandboxes.server";

export const meta: MetaFunction = () => [{ title: "Sandboxes · Opsdeck" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "admin");
  const sandboxes = demoSandboxes();
  if (!sandboxes) throw json({ error: "Sandboxes run in demo mode only." }, { status: 404 });
  return json({ sandboxes }, { headers: { "Cache-Control": "no-store" } });
}

export default function SandboxesPage() {
  const { sandboxes } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="sandboxes-title" className="sandboxes-page">
      <h1 id="sandboxes-title">Sandboxes</h1>
      <p className="muted">
        Demo mode runs these local stand-ins for the providers. Point curl or the provider&apos;s SDK or CLI at them with the test keys below; the keys
        are demo values that open nothing but these sandboxes.
      </p>
      {sandboxes.length === 0 ? <p>No sandbox is running.</p> : null}
      {sandboxes.map((s) => (
        <article key={s.id} data-sandbox={s.id} className="card">
          <h2>{s.title}</h2>
          <dl>
            <dt>Base URL</dt>
            <dd>
              <code data-testid="sandbox-url">{s.baseUrl}</code>
            </dd>
            {s.credentials.map((c) => (
              <div key={c.label}>
                <dt>{c.label}</dt>
                <dd>
                  <code data-testid="sandbox-credential">{c.value}</code>
                </dd>
              </div>
            ))}
          </dl>
          {s.notes ? <p>{s.notes}</p> : null}
          {s.examples.length ? (
            <pre>
              <code>{s.examples.join("\n")}</code>
            </pre>
          ) : null}
        </article>
      ))}
    </section>
  );
}

export function ErrorBoundary() {
  return (
    <section>
      <h1>Sandboxes</h1>
      <p>This page exists in demo mode only, for admins.</p>
    </section>
  );
}
