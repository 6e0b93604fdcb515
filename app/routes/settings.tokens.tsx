import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { audit } from "~/core/actions/audit-entry.server";
import { createApiToken, publicUser, requireUser, revokeApiToken } from "~/core/auth.server";
import { getPortal } from "~/core/portal.server";
import { isRole, type Role } from "~/lib/roles";

export const meta: MetaFunction = () => [{ title: "API tokens · Opsdeck" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const { store } = getPortal();
  const tokens = await store.db
    .selectFrom("api_tokens")
    .select(["id", "name", "roles", "created_at", "last_used_at", "revoked_at"])
    .where("user_id", "=", user.id)
    .orderBy("created_at", "desc")
    .limit(200)
    .execute();
  return json({
    user: publicUser(user),
    tokens: tokens.map((t) => ({ ...t, created_at: Number(t.created_at), last_used_at: t.last_used_at === null ? null : Number(t.last_used_at), revoked_at: t.revoked_at === null ? null : Number(t.revoked_at) })),
  });
}

type ActionData = { created?: { name: string; token: string; roles: string[] }; error?: string; fieldErrors?: Record<string, string[]>; revoked?: string };

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  // A token cannot mint tokens: creating credentials needs a signed-in person.
  if (user.via === "token") return json<ActionData>({ error: "API tokens cannot manage tokens; sign in." }, { status: 403 });
  const portal = getPortal();
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  if (intent === "create") {
    const name = String(form.get("name") ?? "").trim();
    if (!name || name.length > 100) return json<ActionData>({ error: "Give the token a name.", fieldErrors: { name: ["1–100 characters, e.g. “pagerduty webhook”"] } }, { status: 400 });
    const asked = form.getAll("roles").map(String).filter(isRole) as Role[];
    const roles = asked.filter((r) => user.roles.includes(r));
    if (asked.length && !roles.length) return json<ActionData>({ error: "Pick roles you hold.", fieldErrors: { roles: ["a token never gets more than your roles"] } }, { status: 400 });
    const created = await createApiToken(portal.store, user.id, name, roles.length ? roles : undefined);
    const granted = roles.length ? roles : user.roles;
    try {
      await audit(portal, { actor: user.username, roles: user.roles, action: "auth.api-token", target: created.id, outcome: "token_created", details: { name, roles: granted } });
    } catch {
      await revokeApiToken(portal.store, user.id, created.id);
      return json<ActionData>({ error: "The audit log cannot be written, so no token was created." }, { status: 503 });
    }
    return json<ActionData>({ created: { name, token: created.token, roles: granted } });
  }
  if (intent === "revoke") {
    const id = String(form.get("id") ?? "").slice(0, 64);
    const ok = await revokeApiToken(portal.store, user.id, id);
    if (!ok) return json<ActionData>({ error: "No such active token." }, { status: 404 });
    await audit(portal, { actor: user.username, roles: user.roles, action: "auth.api-token", target: id, outcome: "token_revoked", details: {} }).catch(() => {});
    return json<ActionData>({ revoked: id });
  }
  return json<ActionData>({ error: "Unknown request." }, { status: 400 });
}

function time(ms: number | null): string {
  return ms ? new Date(ms).toISOString().replace("T", " ").slice(0, 16) : "—";
}

export default function TokensPage() {
  const { user, tokens } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionData | undefined;
  const nav = useNavigation();
  return (
    <section aria-labelledby="tokens-title" className="tokens-page">
      <h1 id="tokens-title">Personal API tokens</h1>
      <p className="hint">
        For alerting and chat tools: send <code>Authorization: Bearer &lt;token&gt;</code> to the JSON API. A token acts as you, never with more than the roles you pick (and never more than you
        hold now); every action it runs goes through the same checks and lands in the audit log. Tokens are stored hashed: copy it now, it is shown once.
      </p>
      {result?.created ? (
        <div className="card token-created" role="status">
          <p>
            New token <strong>{result.created.name}</strong> ({result.created.roles.join(", ")}):
          </p>
          <pre data-testid="new-token">{result.created.token}</pre>
        </div>
      ) : null}
      {result?.error ? <p className="form-error">{result.error}</p> : null}
      <Form method="post" className="token-form">
        <input type="hidden" name="intent" value="create" />
        <label>
          Name
          <input name="name" required maxLength={100} placeholder="pagerduty webhook" />
          {result?.fieldErrors?.name ? <span className="field-error">{result.fieldErrors.name[0]}</span> : null}
        </label>
        <fieldset>
          <legend>Roles (default: all of yours)</legend>
          {user.roles.map((r) => (
            <label key={r} className="checkbox">
              <input type="checkbox" name="roles" value={r} /> {r}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={nav.state !== "idle"}>
          Create token
        </button>
      </Form>
      <table className="audit-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Roles</th>
            <th>Created</th>
            <th>Last used</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => (
            <tr key={t.id}>
              <td>{t.name}</td>
              <td>{t.roles}</td>
              <td>{time(t.created_at)}</td>
              <td>{time(t.last_used_at)}</td>
              <td>
                {t.revoked_at ? (
                  <span className="muted">revoked {time(t.revoked_at)}</span>
                ) : (
                  <Form method="post" className="inline-form">
                    <input type="hidden" name="intent" value="revoke" />
                    <input type="hidden" name="id" value={t.id} />
                    <button type="submit" className="secondary">
                      Revoke
                    </button>
                  </Form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
