import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { getUser, login, requestAddress, safeRedirect, sessionCookie } from "~/core/auth.server";
import { getPortal } from "~/core/portal.server";

export const meta: MetaFunction = () => [{ title: "Sign in · Opsdeck" }];

const LoginSchema = z.object({
  username: z.string().trim().min(1, "Enter your username").max(200),
  password: z.string().min(1, "Enter your password").max(1000),
  redirectTo: z.string().optional(),
});

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getUser(request)) return redirect(safeRedirect(new URL(request.url).searchParams.get("redirectTo")));
  const { demo } = getPortal();
  return json({ demo: demo.enabled, demoUsers: demo.enabled ? ["viewer", "responder", "admin", "admin2", "manager"] : [] });
}

export async function action({ request }: ActionFunctionArgs) {
  const parsed = LoginSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) {
    return json({ error: null, fieldErrors: z.flattenError(parsed.error).fieldErrors }, { status: 400 });
  }
  const { store, config } = getPortal();
  const result = await login(store, config, { ...parsed.data, address: requestAddress(request) });
  if (!result.ok) {
    return json({ error: result.message, fieldErrors: {} }, { status: result.reason === "locked" ? 429 : 401 });
  }
  return redirect(safeRedirect(parsed.data.redirectTo), {
    headers: { "Set-Cookie": sessionCookie(request, result.token, result.maxAgeSeconds) },
  });
}

export default function LoginPage() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const busy = useNavigation().state !== "idle";
  const fe = (result?.fieldErrors ?? {}) as Record<string, string[] | undefined>;
  return (
    <section className="login" aria-labelledby="login-title">
      <h1 id="login-title">Sign in</h1>
      <Form method="post" noValidate>
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? "/"} />
        <label>
          Username
          <input name="username" autoComplete="username" required autoFocus aria-invalid={!!fe.username} aria-describedby="username-error" />
        </label>
        {fe.username ? <p id="username-error" className="field-error">{fe.username[0]}</p> : null}
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required aria-invalid={!!fe.password} aria-describedby="password-error" />
        </label>
        {fe.password ? <p id="password-error" className="field-error">{fe.password[0]}</p> : null}
        {result?.error ? (
          <p className="form-error" role="alert">
            {result.error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </Form>
      {data.demo ? (
        <p className="hint">
          Demo accounts: {data.demoUsers.join(", ")}. The password is <code>OPSDECK_DEMO_PASSWORD</code>, or the one printed when the portal
          started.
        </p>
      ) : null}
    </section>
  );
}
