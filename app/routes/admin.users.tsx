import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { requireSession } from "~/core/auth.server";
import { handle, orErrorResponse, readBody } from "~/core/http/index.server";
import { changeUser, listUsers, UserChangeError, UserChangeSchema } from "~/core/users.server";
import { ROLES } from "~/lib/roles";

export const meta: MetaFunction = () => [{ title: "Users · Opsdeck" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const admin = await orErrorResponse(requireSession(request, "admin"));
  return json({ users: await listUsers(), me: admin.username });
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await orErrorResponse(requireSession(request, "admin"));
  return handle(
    async () => {
      const form = await readBody(request, { accept: "form" });
      const roles = form.roles === undefined ? [] : Array.isArray(form.roles) ? form.roles : [form.roles];
      const parsed = UserChangeSchema.safeParse({ intent: form.intent, username: form.username, password: form.password ?? undefined, roles });
      if (!parsed.success) return json({ ok: false, message: "Check the fields.", fieldErrors: z.flattenError(parsed.error).fieldErrors }, { status: 400 });
      try {
        return json({ ok: true, message: await changeUser(admin, parsed.data), fieldErrors: {} });
      } catch (err) {
        if (err instanceof UserChangeError) return json({ ok: false, message: err.message, fieldErrors: {} }, { status: err.status });
        throw err;
      }
    },
    { ok: false, message: "The request could not be read." },
  );
}

export default function UsersPage() {
  const { users, me } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const fe = (result?.fieldErrors ?? {}) as Record<string, string[] | undefined>;
  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <p className="muted">Every change here is written to the audit log. You cannot change your own roles.</p>
      {result ? (
        <p role={result.ok ? "status" : "alert"} className={result.ok ? "" : "form-error"}>
          {result.message}
        </p>
      ) : null}
      <table>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Roles</th>
            <th scope="col">Sign-in</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.username}>
              <th scope="row">{u.username}</th>
              <td>
                <Form method="post" className="inline-form">
                  <input type="hidden" name="intent" value="roles" />
                  <input type="hidden" name="username" value={u.username} />
                  {ROLES.map((r) => (
                    <label key={r} className="check">
                      <input type="checkbox" name="roles" value={r} defaultChecked={u.roles.includes(r)} disabled={u.username === me} /> {r}
                    </label>
                  ))}
                  {u.username !== me ? (
                    <button type="submit" className="secondary" disabled={busy}>
                      Save roles
                    </button>
                  ) : null}
                </Form>
              </td>
              <td>{u.signIn}</td>
              <td>
                {u.username === me ? (
                  "you"
                ) : (
                  <Form method="post">
                    <input type="hidden" name="username" value={u.username} />
                    <button type="submit" name="intent" value={u.disabled ? "enable" : "disable"} className="secondary" disabled={busy}>
                      {u.disabled ? "Enable" : "Disable"}
                    </button>
                  </Form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Add a user</h2>
      <Form method="post" className="stack-form">
        <input type="hidden" name="intent" value="add" />
        <label>
          Username
          <input name="username" required aria-invalid={!!fe.username} />
        </label>
        {fe.username ? <p className="field-error">{fe.username[0]}</p> : null}
        <label>
          Initial password
          <input name="password" type="password" autoComplete="new-password" required minLength={8} aria-invalid={!!fe.password} />
        </label>
        {fe.password ? <p className="field-error">{fe.password[0]}</p> : null}
        <fieldset>
          <legend>Roles</legend>
          {ROLES.map((r) => (
            <label key={r} className="check">
              <input type="checkbox" name="roles" value={r} /> {r}
            </label>
          ))}
        </fieldset>
        {fe.roles ? <p className="field-error">{fe.roles[0]}</p> : null}
        <button type="submit" disabled={busy}>
          Add user
        </button>
      </Form>
    </section>
  );
}
