import { expect, test } from "@playwright/test";
import { freePort, startServer, type RunningServer } from "../helpers/server";
import { newSigningKey, startRealIdp, type RealIdp } from "../helpers/oidc-idp";

// Its own portal (not the shared demo one): configured for single sign-on against a real
// OpenID Provider started here, with local passwords off.
const CLIENT_ID = "opsdeck-e2e";
const CLIENT_SECRET = "e2e-oidc-client-secret-7c41";

let idp: RealIdp;
let portal: RunningServer;
let base: string;

test.beforeAll(async () => {
  // The portal learns its own port from startServer (PORT, substituted into app.baseUrl); the
  // IdP's port is chosen first so that the portal can be configured before the IdP runs.
  const idpPort = await freePort();
  portal = await startServer({
    config: {
      app: { demo: false, baseUrl: "http://127.0.0.1:${PORT}" },
      auth: {
        local: false,
        oidc: {
          issuer: `http://127.0.0.1:${idpPort}`,
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          scopes: ["openid", "profile", "email", "groups"],
          roleMapping: { "ops-admins": ["admin"], ops: ["responder"] },
          displayName: "Test IdP",
        },
      },
    },
    env: { SESSION_SECRET: "e2e-session-secret-0123456789abcdef" },
  });
  base = portal.baseUrl;
  idp = await startRealIdp({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUri: `${base}/auth/oidc/callback`,
    postLogoutRedirectUri: `${base}/login`,
    accounts: { dana: { groups: ["ops-admins", "ops"], name: "Dana Ops" } },
    keys: [newSigningKey("e2e-1")],
    port: idpPort,
  });
});

test.afterAll(async () => {
  await portal?.stop();
  await idp?.close();
});

async function signInThroughIdp(page: import("@playwright/test").Page, login: string) {
  await page.goto(`${base}/login`);
  await page.getByRole("link", { name: "Sign in with Test IdP" }).click();
  await expect(page).toHaveURL(new RegExp(`^${idp.issuer}/interaction/`));
  await page.getByLabel("Login name").fill(login);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL(new RegExp(`^${base}/`));
}

test("sign in through the IdP in the browser; a group removed at the IdP removes the role at the next sign-in", async ({ page }) => {
  await page.goto(`${base}/login`);
  await expect(page.getByRole("link", { name: "Sign in with Test IdP" })).toBeVisible();
  await expect(page.getByLabel("Password")).toHaveCount(0);

  await signInThroughIdp(page, "dana");
  await expect(page.getByTestId("signed-in-user")).toContainText("dana");
  await expect(page.getByTestId("signed-in-user").locator(".roles")).toHaveText(/admin/);
  const adminPage = await page.request.get(`${base}/admin/users`);
  expect(adminPage.status()).toBe(200);

  // Sign out: the session ends here and the browser is sent to the IdP's end-session endpoint.
  await page.waitForSelector("html[data-hydrated='true']");
  await page.getByRole("button", { name: /sign out/i }).click();
  await page.waitForURL(new RegExp(`^${idp.issuer}/session/end`));
  expect((await page.request.get(`${base}/admin/users`, { maxRedirects: 0 })).status()).toBe(302);

  idp.accounts.get("dana")!.groups = ["ops"];
  await page.context().clearCookies();
  await signInThroughIdp(page, "dana");
  await expect(page.getByTestId("signed-in-user").locator(".roles")).toHaveText("responder");
  expect((await page.request.get(`${base}/admin/users`)).status()).toBe(403);
});

test("a person in no mapped group sees what to do on the sign-in page", async ({ page }) => {
  idp.accounts.set("erin", { groups: ["marketing"] });
  await signInThroughIdp(page, "erin");
  await expect(page).toHaveURL(`${base}/login?sso=no-group`);
  await expect(page.getByTestId("sso-error")).toContainText("not in any group that gives access");
  expect(await page.content()).not.toContain(CLIENT_SECRET);
  expect(portal.output()).not.toContain(CLIENT_SECRET);
});
