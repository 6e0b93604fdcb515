import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireRole } from "~/core/auth.server";
import { applyShopEnvFix, demoSandboxes, shopEnvControls } from "~/core/demo/sandboxes.server";
import { handle, isPortalError, readBody } from "~/core/http/index.server";

export const meta: MetaFunction = () => [{ title: "Sandboxes · Opsdeck" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "admin");
  const sandboxes = demoSandboxes();
  if (!sandboxes) throw json({ error: "Sandboxes run in demo mode only." }, { status: 404 });
  return json({ sandboxes, shopEnv: shopEnvControls() }, { headers: { "Cache-Control": "no-store" } });
}

export async function action({ request }: ActionFunctionArgs) {
  await requireRole(request, "admin");
  if (!demoSandboxes()) throw json({ error: "Sandboxes run in demo mode only." }, { status: 404 });
  return handle(
    async () => {
      const form = await readBody(request, { accept: "form" });
      try {
        const done = applyShopEnvFix(String(form.fix ?? ""));
        return json({ ok: true, message: `${done}. Re-check with appenv.recheck to see the verdict change.` });
      } catch (err) {
        if (isPortalError(err)) return json({ ok: false, message: err.message }, { status: err.status });
        throw err;
      }
    },
    { ok: false, message: "The request could not be read." },
  );
}

export default function SandboxesPage() {
  const { sandboxes, shopEnv } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
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
      {shopEnv ? (
        <article data-sandbox="shop-env" className="card">
          <h2>The shop&apos;s deployed variables</h2>
          <p className="muted">Names only; the values stay in the sandbox. Each fix sets a freshly generated correct value, as the platform&apos;s dashboard would.</p>
          {result ? (
            <p role="status" className={result.ok ? "notice" : "error"}>
              {result.message}
            </p>
          ) : null}
          {shopEnv.sites.map((s) => (
            <div key={s.site} data-site={s.site}>
              <h3>{s.site}</h3>
              <p>
                {s.names.map((n) => (
                  <code key={n} data-testid="env-name">
                    {n}{" "}
                  </code>
                ))}
              </p>
            </div>
          ))}
          <ul>
            {shopEnv.fixes.map((f) => (
              <li key={f.id} data-fix={f.id}>
                {f.site}: {f.problem}.{" "}
                <Form method="post" style={{ display: "inline" }}>
                  <input type="hidden" name="fix" value={f.id} />
                  <button type="submit" disabled={busy}>
                    {f.fix}
                  </button>
                </Form>
              </li>
            ))}
          </ul>
        </article>
      ) : null}
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
