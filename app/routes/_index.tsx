import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { publicUser, requireUser } from "~/core/auth.server";
import { getPortal } from "~/core/portal.server";

export const meta: MetaFunction = () => [{ title: "Overview · Opsdeck" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const { registry } = getPortal();
  return json({
    user: publicUser(user),
    plugins: registry.plugins.map((p) => ({
      id: p.id,
      title: p.title,
      description: p.description ?? "",
      demo: p.demo,
      probes: [...registry.probes.values()].filter((r) => r.pluginId === p.id).length,
      actions: [...registry.actions.values()].filter((r) => r.pluginId === p.id).length,
    })),
  });
}

export default function Overview() {
  const { plugins } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      {plugins.length === 0 ? (
        <p>No plugin is enabled. Add a plugin section to <code>app-config.yaml</code>, or start without one for demo mode.</p>
      ) : (
        <ul className="plugin-list">
          {plugins.map((p) => (
            <li key={p.id}>
              <strong>{p.title}</strong> {p.demo ? <span className="tag">sandbox</span> : null}
              <div className="muted">{p.description}</div>
              <div className="muted">
                {p.probes} probes · {p.actions} actions
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
