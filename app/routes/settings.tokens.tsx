import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Time } from "~/components/time";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { grantableRoles, listApiTokens, publicUser, requireSession, requireUser } from "~/core/auth.server";
import { handle, orErrorResponse, parseWith, readBody } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";
import { createTokenAudited, revokeTokenAudited } from "~/core/tokens.server";
import { ROLES } from "~/lib/roles";

export const meta: MetaFunction = () => [{ title: "API tokens · Opsdeck" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const { store } = getPortal();
  return json({ user: publicUser(user), grantable: grantableRoles(user.roles), tokens: await listApiTokens(store, user.id) });
}

type ActionData = { created?: { name: string; token: string; roles: string[] }; error?: string; fieldErrors?: Record<string, string[]>; revoked?: string };

const CreateSchema = z.object({
  intent: z.literal("create"),
  name: z.string({ error: "is required" }).trim().min(1, "1–100 characters, e.g. “pagerduty webhook”").max(100, "1–100 characters, e.g. “pagerduty webhook”"),
  roles: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
    .pipe(z.array(z.enum(ROLES, { error: "not a role" })).max(ROLES.length)),
});
const RevokeSchema = z.object({ intent: z.literal("revoke"), id: z.string({ error: "is required" }).min(1).max(64) });
const TokenIntentSchema = z.discriminatedUnion("intent", [CreateSchema, RevokeSchema], { error: "must be create or revoke" });

/** Creating and revoking tokens changes identity: a signed-in session only (requireSession refuses tokens). */
export async function action({ request }: ActionFunctionArgs) {
  return handle(async () => {
    const user = await orErrorResponse(requireSession(request));
    const portal = getPortal();
    const input = parseWith(TokenIntentSchema, await readBody(request, { accept: "json-or-form" }));
    if (input.intent === "create") {
      const { name, token, roles } = await createTokenAudited(portal, user, input.name, input.roles);
      return json<ActionData>({ created: { name, token, roles } });
    }
    return json<ActionData>(await revokeTokenAudited(portal, user, input.id));
  });
}


export default function TokensPage() {
  const { grantable, tokens } = useLoaderData<typeof loader>();
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
      {result?.fieldErrors?.roles ? <p className="form-error">{result.fieldErrors.roles[0]}</p> : null}
      <Form method="post" className="token-form">
        <input type="hidden" name="intent" value="create" />
        <label>
          Name
          <input name="name" required maxLength={100} placeholder="pagerduty webhook" />
          {result?.fieldErrors?.name ? <span className="field-error">{result.fieldErrors.name[0]}</span> : null}
        </label>
        <fieldset>
          <legend>Roles (default: all of yours; any role you hold or that yours imply)</legend>
          {grantable.map((r) => (
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
              <td>
                <Time at={t.createdAt} />
              </td>
              <td>
                <Time at={t.lastUsedAt} />
              </td>
              <td>
                {t.revokedAt ? (
                  <span className="muted">revoked <Time at={t.revokedAt} /></span>
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
