import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { requireUser } from "~/core/auth.server";
import { withFreshness } from "~/core/runbooks/freshness.server";
import { runbookFacets, searchRunbooks, troubledProbes } from "~/core/runbooks/runbooks.server";
import { ago, brokenLabel } from "~/components/runbook/freshness-line";
import { useNow } from "~/components/widgets/provider";
import { FRESHNESS_SORTS, FRESHNESS_SORT_LABELS, isFreshnessSort } from "~/lib/freshness";

const PAGE_SIZE = 50;

export const meta: MetaFunction = () => [{ title: "Runbooks · Opsdeck" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  const url = new URL(request.url);
  const q = (url.searchParams.get("q") ?? "").slice(0, 200);
  const plugin = url.searchParams.get("plugin") ?? "";
  const tag = url.searchParams.get("tag") ?? "";
  const facets = runbookFacets();
  const troubled = q.trim() ? await troubledProbes() : undefined;
  const { results, tookMs, fuzzy, snippet } = searchRunbooks(q, { plugin: plugin || undefined, tag: tag || undefined, troubled });
  // An unknown sort is ignored: the search order stays.
  const sort = url.searchParams.get("sort");
  const page = Math.max(1, Math.floor(Number(url.searchParams.get("page")) || 1));
  const pages = Math.max(1, Math.ceil(results.length / PAGE_SIZE));
  // A freshness sort orders every match before the page is cut; otherwise only the page is looked up.
  const row = ({ slots: _slots, ...r }: (typeof results)[number]) => r;
  const sorted = isFreshnessSort(sort)
    ? await withFreshness(results.map(row), sort).then((s) => ({ ...s, rows: s.rows.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE) }))
    : await withFreshness(results.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map(row), sort);
  // Excerpts only for the rows shown.
  const shown = sorted.rows.map((r) => ({ ...r, snippet: snippet(r.path) }));
  return json({
    q,
    plugin,
    tag,
    sort: sorted.sort ?? "",
    total: facets.total,
    plugins: facets.plugins,
    tags: facets.tags,
    tookMs: Math.round(tookMs * 100) / 100,
    fuzzy,
    matched: results.length,
    page: Math.min(page, pages),
    pages,
    results: shown,
  });
}

export default function RunbookIndex() {
  const data = useLoaderData<typeof loader>();
  const submit = useSubmit();
  const navigation = useNavigation();
  const timer = useRef<number>();
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const searching = navigation.state === "loading" && navigation.location?.pathname === "/runbooks";
  const filtered = !!(data.q || data.plugin || data.tag);
  const now = useNow(60_000);
  const pageLink = (n: number) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries({ q: data.q, plugin: data.plugin, tag: data.tag, sort: data.sort })) if (v) params.set(k, v);
    params.set("page", String(n));
    return `/runbooks?${params}`;
  };

  const submitSoon = (delay: number) => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => {
      if (formRef.current) submit(formRef.current, { replace: true, preventScrollReset: true });
    }, delay);
  };

  return (
    <section aria-labelledby="runbooks-title" className="runbook-index">
      <h1 id="runbooks-title">Runbooks</h1>
      <Form method="get" ref={formRef} className="runbook-search" role="search" onChange={(e) => submitSoon((e.target as HTMLElement).tagName === "SELECT" ? 0 : 200)}>
        <label>
          Search runbooks
          <input type="search" name="q" defaultValue={data.q} placeholder="e.g. webhook secret, restore, stuck orders" autoComplete="off" />
        </label>
        <label>
          Plugin
          <select name="plugin" defaultValue={data.plugin} key={`plugin-${data.plugin}`}>
            <option value="">All plugins</option>
            {data.plugins.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          Tag
          <select name="tag" defaultValue={data.tag} key={`tag-${data.tag}`}>
            <option value="">All tags</option>
            {data.tags.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sort by
          <select name="sort" defaultValue={data.sort} key={`sort-${data.sort}`} data-testid="runbook-sort">
            <option value="">{data.q ? "Best match" : "Title"}</option>
            {FRESHNESS_SORTS.map((s) => (
              <option key={s} value={s}>
                {FRESHNESS_SORT_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Search</button>
      </Form>
      <p className="muted" role="status" aria-live="polite" data-testid="runbook-count">
        {searching
          ? "Searching…"
          : filtered
            ? `${data.matched} of ${data.total} runbooks match${data.fuzzy ? " (close spellings)" : ""} · ${data.tookMs} ms`
            : `${data.total} runbooks`}
      </p>
      {data.results.length === 0 ? (
        <p>{data.total === 0 ? "No runbooks yet: add markdown files to the runbooks folder." : "Nothing matches. Try fewer or different words."}</p>
      ) : (
        <table className="runbook-table">
          <thead>
            <tr>
              <th scope="col">Runbook</th>
              <th scope="col">Owner</th>
              <th scope="col">Tags</th>
              <th scope="col">Plugins</th>
              <th scope="col">Verified</th>
              <th scope="col">Broken widgets</th>
              <th scope="col">Last used</th>
              <th scope="col">Edited</th>
            </tr>
          </thead>
          <tbody>
            {data.results.map((r) => (
              <tr key={r.path} data-runbook={r.path}>
                <td>
                  <Link to={`/runbooks/${r.path.split("/").map(encodeURIComponent).join("/")}`} prefetch="intent">
                    {r.title}
                  </Link>
                  <div className="muted">
                    <code>{r.path}</code>
                  </div>
                  {r.snippet ? <div className="runbook-snippet">{r.snippet}</div> : null}
                </td>
                <td>{r.owner ?? <span className="muted">—</span>}</td>
                <td>
                  {r.tags.map((t) => (
                    <Link key={t} to={`/runbooks?tag=${encodeURIComponent(t)}`} className="tag">
                      {t}
                    </Link>
                  ))}
                </td>
                <td>
                  {r.plugins.map((p) => (
                    <Link key={p} to={`/runbooks?plugin=${encodeURIComponent(p)}`} className="tag">
                      {p}
                    </Link>
                  ))}
                </td>
                <td data-col="verified">
                  {r.freshness?.verified && r.freshness.verifiedAt ? (
                    <time dateTime={r.freshness.verifiedAt}>{ago(r.freshness.verifiedAt, now)}</time>
                  ) : (
                    <span className="muted">{r.freshness?.checkedAt ? "not in the last day" : "not yet"}</span>
                  )}
                </td>
                <td data-col="broken" data-broken={r.freshness?.broken.length ?? 0}>
                  {r.freshness?.broken.length ? (
                    <span className="freshness-bad" title={r.freshness.broken.map((b) => `${b.name}: ${b.reason}`).join("\n")}>
                      {brokenLabel(r.freshness.broken.length)}
                    </span>
                  ) : r.freshness?.checkedAt ? (
                    <span className="muted">none</span>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td data-col="used">
                  {r.freshness?.lastUsed ? (
                    <>
                      <Link to={`/incidents/${encodeURIComponent(r.freshness.lastUsed.incidentId)}`}>{r.freshness.lastUsed.title}</Link>{" "}
                      <time className="muted" dateTime={r.freshness.lastUsed.at}>{ago(r.freshness.lastUsed.at, now)}</time>
                    </>
                  ) : (
                    <span className="muted">never</span>
                  )}
                </td>
                <td data-col="edited">
                  <time dateTime={r.freshness?.editedAt ?? r.updatedAt}>{ago(r.freshness?.editedAt ?? r.updatedAt, now)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data.pages > 1 ? (
        <nav className="runbook-pages" aria-label="Pages" data-testid="runbook-pages">
          {data.page > 1 ? <Link to={pageLink(data.page - 1)} rel="prev">Previous</Link> : null}
          <span className="muted">
            Page {data.page} of {data.pages}
          </span>
          {data.page < data.pages ? <Link to={pageLink(data.page + 1)} rel="next">Next</Link> : null}
        </nav>
      ) : null}
    </section>
  );
}
