process.env.NODE_ENV = "production";
import fs from "node:fs";
const pino = (await import("pino")).default;
const { bootPortal } = await import("~/core/portal.server");
const { getRunbook } = await import("~/core/runbooks/runbooks.server");
const React = await import("react");
const { renderToString } = await import("react-dom/server");
const RR = await import("react-router-dom");
const { RunbookView } = await import("~/components/runbook/runbook-view");
const portal = await bootPortal({ env: { ...process.env, OPSDECK_DATA_DIR: "/tmp/rb/d2", OPSDECK_DEMO_PASSWORD: "xxxxxxxxxx" }, databaseUrl: "/tmp/rb/y.sqlite", background: false, log: pino({ level: "error" }) });
for (const name of ["stripe-webhook-failures", "incident-response"]) {
  const a: number[] = [], b: number[] = [];
  for (let i = 0; i < 300; i++) {
    let t0 = performance.now();
    const runbook = getRunbook(name)!;
    a.push(performance.now() - t0);
    t0 = performance.now();
    const router = RR.createMemoryRouter([{ id: "root", path: "/", element: React.createElement(RR.Outlet), children: [{ id: "rb", path: "runbooks/*", element: React.createElement(RunbookView, { runbook }) }] }], { initialEntries: [`/runbooks/${name}`], hydrationData: { loaderData: { root: { user: { username: "b", roles: ["responder"] } }, rb: null } } });
    renderToString(React.createElement(RR.RouterProvider, { router }));
    b.push(performance.now() - t0);
  }
  const q = (x: number[], p: number) => x.slice(100).sort((m, n) => m - n)[Math.floor(200 * p)].toFixed(2);
  console.log(name, "getRunbook p50", q(a, .5), "p95", q(a, .95), "render p50", q(b, .5), "p95", q(b, .95));
}
await portal.shutdown(); process.exit(0);
