import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useState } from "react";
import { requireUser } from "~/core/auth.server";
import { handle, parseWith, readBody } from "~/core/http/index.server";
import { timePreference, timePreferenceCookie, TimePreferenceSchema } from "~/core/time-preference.server";
import { Time } from "~/components/time";
import settingsStyles from "~/styles/settings.css";

export const meta: MetaFunction = () => [{ title: "Settings · Opsdeck" }];
export const links: LinksFunction = () => [{ rel: "stylesheet", href: settingsStyles }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return json({ time: timePreference(request, user), now: Date.now() });
}

/** `POST /settings` `mode=utc` or `mode=local&zone=<IANA zone>`: how this user's pages show time. */
export async function action({ request }: ActionFunctionArgs) {
  return handle(async () => {
    const user = await requireUser(request);
    const pref = parseWith(TimePreferenceSchema, await readBody(request, { accept: "json-or-form" }));
    return json({ saved: pref }, { headers: { "Set-Cookie": timePreferenceCookie(request, user, pref) } });
  });
}

export default function SettingsPage() {
  const { time, now } = useLoaderData<typeof loader>();
  const result = useActionData<{ saved?: unknown; error?: string; fieldErrors?: Record<string, string[]> }>();
  const nav = useNavigation();
  // The browser's own zone, known only here: sent with "local" so the server can render it too.
  const [browserZone, setBrowserZone] = useState<string>("");
  useEffect(() => setBrowserZone(Intl.DateTimeFormat().resolvedOptions().timeZone), []);
  return (
    <section aria-labelledby="settings-title" className="settings-page">
      <h1 id="settings-title">Settings</h1>
      <Form method="post" className="card settings-time" data-testid="time-preference">
        <fieldset>
          <legend>Show times in</legend>
          <label className="choice">
            <input type="radio" name="mode" value="utc" defaultChecked={time.mode === "utc"} /> UTC
          </label>
          <label className="choice">
            <input type="radio" name="mode" value="local" defaultChecked={time.mode === "local"} /> My time zone{" "}
            <span className="muted">({browserZone || (time.mode === "local" ? time.zone : "this browser's zone")})</span>
          </label>
          <input type="hidden" name="zone" value={browserZone || (time.mode === "local" ? time.zone : "")} />
        </fieldset>
        <p className="hint">
          Every time on the portal is shown this way, its zone named. Now: <Time at={now} /> · a cron job&apos;s schedule keeps its own zone, named once beside it.
        </p>
        {result?.fieldErrors?.zone ? <p className="field-error">Time zone {result.fieldErrors.zone.join("; ")}</p> : null}
        {result?.error ? <p className="form-error">{result.error}</p> : null}
        <button type="submit" disabled={nav.state !== "idle"}>
          Save
        </button>{" "}
        {result?.saved && nav.state === "idle" ? <span role="status">Saved.</span> : null}
      </Form>
      <p>
        <Link to="/settings/tokens">Personal API tokens</Link>
      </p>
    </section>
  );
}
