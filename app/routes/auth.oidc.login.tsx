import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { SsoError, startSignIn } from "~/core/auth/oidc.server";

/** Sends the browser to the IdP; a sign-in that cannot start lands back on /login with the reason. */
export async function loader({ request }: LoaderFunctionArgs) {
  try {
    const { url, cookie } = await startSignIn(request, new URL(request.url).searchParams.get("redirectTo"));
    return redirect(url, { headers: { "Set-Cookie": cookie, "Cache-Control": "no-store" } });
  } catch (err) {
    if (err instanceof SsoError) return redirect(`/login?sso=${err.code}`);
    throw err;
  }
}
