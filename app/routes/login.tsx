import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { getUser, signIn } from "~/core/auth.server";
import { handle, parseWith, readBody, safeRedirect } from "~/core/http/index.server";
import { getPortal } from "~/core/portal.server";
import { isSsoErrorCode, ssoErrorText } from "~/core/auth/sso-errors.server";

export const meta: MetaFunction = () => [{ title: "Sign in · Opsdeck" }];

const LoginSchema = z.object({
  username: z.string({ error: "Enter your username" }).trim().min(1, "Enter your username").max(200),
  password: z.string({ error: "Enter your password" }).min(1, "Enter your password").max(1000),
  // Where to go after signing in: anything that is not a same-site path (too long, off-site, not text) goes to "/".
  redirectTo: z.unknown().optional().transform((to) => safeRedirect(typeof to === "string" ? to : null)),
});

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getUser(request)) return redirect(safeRedirect(new URL(request.url).searchParams.get("redirectTo")));
  const { demo, config } = getPortal();
  const sso = new URL(request.url).searchParams.get("sso");
  return json({
    demo: demo.enabled,
    demoUsers: demo.enabled ? ["viewer", "responder", "admin", "admin2", "manager"] : [],
    sso: config.auth.oidc ? { displayName: config.auth.oidc.displayName } : null,
    ssoError: isSsoErrorCode(sso) ? ssoErrorText(sso) : null,
    localPasswords: config.auth.local,
  });
}

export async function action({ request }: ActionFunctionArgs) {
  return handle(async () => {
    const input = parseWith(LoginSchema, await readBody(request, { accept: "form" }));
    const result = await signIn(request, input);
    if (!result.ok) return json({ error: result.message, fieldErrors: {} }, { status: { locked: 429, "local-off": 403, unavailable: 503, invalid: 401 }[result.reason] });
    return redirect(input.redirectTo, { headers: { "Set-Cookie": result.cookie ?? "" } });
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
      {data.ssoError ? (
        <p className="form-error" role="alert" data-testid="sso-error">
          {data.ssoError}
        </p>
      ) : null}
      {data.sso ? (
        <p>
          <a className="button" href={`/auth/oidc/login?redirectTo=${encodeURIComponent(params.get("redirectTo") ?? "/")}`}>
            Sign in with {data.sso.displayName}
          </a>
        </p>
      ) : null}
      {data.localPasswords || params.has("break-glass") ? (
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
          {result?.error && !Object.keys(fe).length ? (
            <p className="form-error" role="alert">
              {result.error}
            </p>
          ) : null}
          <button type="submit" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </Form>
      ) : (
        <p className="hint">
          Passwords are turned off here. <a href="/login?break-glass">Break-glass account</a>
        </p>
      )}
      {data.demo && data.localPasswords ? (
        <p className="hint">
          Demo accounts: {data.demoUsers.join(", ")}. The password is <code>OPSDECK_DEMO_PASSWORD</code>, or the one printed when the portal
          started.
        </p>
      ) : null}
    </section>
  );
}
