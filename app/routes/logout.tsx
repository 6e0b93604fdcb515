import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { browserSessionHash, logout } from "~/core/auth.server";
import { idpSignOutUrl, sessionIdToken } from "~/core/auth/oidc.server";

/** Ends the session here; a session that began at the IdP goes on to the IdP's own sign-out. */
export async function action({ request }: ActionFunctionArgs) {
  const idToken = await sessionIdToken(browserSessionHash(request));
  const cookie = await logout(request);
  return redirect((await idpSignOutUrl(idToken)) ?? "/login", { headers: { "Set-Cookie": cookie } });
}

export async function loader() {
  return redirect("/");
}
