import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { clearFlowCookie, finishSignIn, SsoError } from "~/core/auth/oidc.server";

/** The IdP sends the browser back here; a refusal lands on /login with a sentence saying what to do. */
export async function loader({ request }: LoaderFunctionArgs) {
  const headers = new Headers({ "Set-Cookie": clearFlowCookie(request), "Cache-Control": "no-store" });
  try {
    const { cookie, redirectTo } = await finishSignIn(request);
    headers.append("Set-Cookie", cookie);
    return redirect(redirectTo, { headers });
  } catch (err) {
    if (err instanceof SsoError) return redirect(`/login?sso=${err.code}`, { headers });
    throw err;
  }
}
