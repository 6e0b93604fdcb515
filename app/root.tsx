import { configureZodWithoutEval } from "~/lib/browser-zod";
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import {
  Form,
  Link,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  isRouteErrorResponse,
  useLoaderData,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { useEffect } from "react";
import { getUser, publicUser } from "~/core/auth.server";
import { getPortal } from "~/core/portal.server";
import { timePreference } from "~/core/time-preference.server";
import { TimePreferenceProvider } from "~/components/time";
import { UTC_PREFERENCE } from "~/lib/time";
import { useNonce } from "~/lib/nonce";
import { hasRole } from "~/lib/roles";
import styles from "~/styles/app.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: styles },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];
export const meta: MetaFunction = () => [{ title: "Opsdeck" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const portal = getPortal();
  const user = await getUser(request);
  return json({
    user: user ? publicUser(user) : null,
    demo: portal.demo.enabled,
    title: portal.config.app.title,
    time: timePreference(request, user),
  });
}

const NAV = [
  { to: "/", label: "Overview", end: true },
  { to: "/runbooks", label: "Runbooks" },
  { to: "/incidents", label: "Incidents" },
  { to: "/alerts", label: "Alerts" },
  { to: "/audit", label: "Audit" },
  { to: "/reports", label: "Reports" },
];

function Shell({ children }: { children: React.ReactNode }) {
  const data = useRouteLoaderData<typeof loader>("root");
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      {data?.demo ? (
        <div className="demo-banner" role="status">
          Demo mode: plugins talk to local sandboxes seeded with realistic trouble. Nothing here touches production.{" "}
          {data?.user && hasRole(data.user.roles, "admin") ? <Link to="/admin/sandboxes">See the sandboxes</Link> : null}
        </div>
      ) : null}
      <header className="topbar">
        <Link to="/" className="brand">
          {data?.title ?? "Opsdeck"}
        </Link>
        {data?.user ? (
          <>
            <nav aria-label="Main">
              <ul>
                {[...NAV, ...(hasRole(data.user.roles, "admin") ? [{ to: "/admin/users", label: "Users", end: false }, { to: "/admin/setup", label: "Setup", end: false }] : [])].map((n) => (
                  <li key={n.to}>
                    <NavLink to={n.to} end={n.end} prefetch="intent">
                      {n.label}
                    </NavLink>
                  </li>
                ))}
              </ul>
            </nav>
            <div className="who" data-testid="signed-in-user">
              <span className="username">{data.user.username}</span>{" "}
              <span className="roles">{data.user.roles.join(", ")}</span>
              <Link to="/settings" className="who-link">
                Settings
              </Link>
              <Form method="post" action="/logout" className="inline">
                <button type="submit" className="link-button">
                  Sign out
                </button>
              </Form>
            </div>
          </>
        ) : null}
      </header>
      <main id="main" tabIndex={-1}>
        <TimePreferenceProvider value={data?.time ?? UTC_PREFERENCE}>{children}</TimePreferenceProvider>
      </main>
    </>
  );
}

configureZodWithoutEval();

export function Layout({ children }: { children: React.ReactNode }) {
  const nonce = useNonce();
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <Shell>{children}</Shell>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  useLoaderData<typeof loader>();
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  let status = 500;
  let title = "Something went wrong";
  let detail = "The portal hit an unexpected error. It has been logged; try again, or go back to the overview.";
  if (isRouteErrorResponse(error)) {
    status = error.status;
    const message = typeof error.data === "object" && error.data && "error" in error.data ? String((error.data as { error: unknown }).error) : typeof error.data === "string" ? error.data : "";
    if (status === 403) {
      title = "Not allowed";
      detail = message || "Your roles do not allow this. Ask an admin if you need access.";
    } else if (status === 404) {
      title = "Not found";
      detail = message || "There is nothing at this address.";
    } else if (status === 400) {
      title = "Bad request";
      detail = message || "The request was not valid.";
    } else if (status === 401) {
      title = "Sign in required";
      detail = "Sign in to continue.";
    }
  }
  return (
    <section className="error-page" aria-labelledby="error-title">
      <p className="error-status">{status}</p>
      <h1 id="error-title">{title}</h1>
      <p>{detail}</p>
      <p>
        <Link to="/">Back to the overview</Link>
      </p>
    </section>
  );
}
