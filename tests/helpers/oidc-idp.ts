import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

export interface IdpAccount {
  groups: string[];
  email?: string;
  name?: string;
}

export interface SigningKey {
  jwk: crypto.JsonWebKey & { kid: string; alg: string; use: string };
  privateKey: crypto.KeyObject;
}

export function newSigningKey(kid = `k-${crypto.randomBytes(4).toString("hex")}`): SigningKey {
  const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { jwk: { ...privateKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" }, privateKey };
}

function publicJwk(key: SigningKey) {
  const { kty, n, e, kid, alg, use } = key.jwk as Record<string, string>;
  return { kty, n, e, kid, alg, use };
}

export interface RealIdp {
  issuer: string;
  port: number;
  accounts: Map<string, IdpAccount>;
  /** Restarts the provider on the same port signing with `keys[0]` (a key rotation): sessions at the IdP are lost. */
  rotate(keys: SigningKey[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real OpenID Provider (node-oidc-provider, a certified implementation) on a loopback port,
 * with one confidential client and a minimal login page (any account in `accounts`).
 */
export async function startRealIdp(options: {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  accounts: Record<string, IdpAccount>;
  keys?: SigningKey[];
  port?: number;
}): Promise<RealIdp> {
  const accounts = new Map(Object.entries(options.accounts));
  let server: http.Server | null = null;
  let port = options.port ?? 0;
  let issuer = "";

  const listen = async (keys: SigningKey[]) => {
    const srv = http.createServer();
    await new Promise<void>((resolve) => srv.listen(port, "127.0.0.1", resolve));
    port = (srv.address() as AddressInfo).port;
    issuer = `http://127.0.0.1:${port}`;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: options.clientId,
          client_secret: options.clientSecret,
          redirect_uris: [options.redirectUri],
          post_logout_redirect_uris: [options.postLogoutRedirectUri],
          response_types: ["code"],
          grant_types: ["authorization_code"],
          token_endpoint_auth_method: "client_secret_basic",
        },
      ],
      jwks: { keys: keys.map((k) => k.jwk) } as never,
      cookies: { keys: ["idp-test-cookie-key-0123456789"] },
      claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "preferred_username"], groups: ["groups"] },
      scopes: ["openid", "email", "profile", "groups"],
      pkce: { required: () => true },
      features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
      interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
      async findAccount(_ctx: unknown, id: string) {
        const account = accounts.get(id);
        if (!account) return undefined;
        return {
          accountId: id,
          async claims() {
            const a = accounts.get(id)!;
            return { sub: id, preferred_username: id, email: a.email ?? `${id}@example.com`, email_verified: true, name: a.name ?? id, groups: [...a.groups] };
          },
        };
      },
      // A first-party client: the grant is given without a consent screen.
      async loadExistingGrant(ctx: any) {
        const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
        if (grantId) return ctx.oidc.provider.Grant.find(grantId);
        const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
        grant.addOIDCScope("openid email profile groups");
        await grant.save();
        return grant;
      },
    } as never);
    const handler = provider.callback();
    srv.on("request", (req, res) => {
      const url = new URL(req.url ?? "/", issuer);
      const m = /^\/interaction\/([^/]+)(\/login)?$/.exec(url.pathname);
      if (!m) return void handler(req, res);
      (async () => {
        const details = await provider.interactionDetails(req, res);
        if (req.method === "POST" && m[2]) {
          let body = "";
          for await (const chunk of req) body += chunk;
          const login = new URLSearchParams(body).get("login") ?? "";
          if (!accounts.has(login)) {
            res.writeHead(200, { "content-type": "text/html" }).end(page(m[1], `No account "${login}".`));
            return;
          }
          await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
          return;
        }
        if (details.prompt.name !== "login") throw new Error(`unexpected prompt ${details.prompt.name}`);
        res.writeHead(200, { "content-type": "text/html" }).end(page(m[1]));
      })().catch((err) => {
        res.writeHead(500, { "content-type": "text/plain" }).end(String(err));
      });
    });
    server = srv;
  };

  const page = (uid: string, problem = "") =>
    `<!doctype html><html><head><title>Test IdP</title></head><body><h1>Test IdP sign-in</h1>${problem ? `<p>${problem}</p>` : ""}
<form method="post" action="/interaction/${uid}/login"><label>Login name <input name="login" autofocus></label><button type="submit">Continue</button></form></body></html>`;

  const close = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.closeAllConnections();
      server.close(() => resolve());
      server = null;
    });

  /** Until the provider serves its discovery document (a socket the pool still held may fail once). */
  const answering = async () => {
    let last: unknown;
    for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
      try {
        const res = await fetch(`${issuer}/.well-known/openid-configuration`);
        const body = (await res.json()) as { issuer?: string };
        if (res.ok && body.issuer === issuer) return;
        last = new Error(`discovery answered ${res.status}`);
      } catch (err) {
        last = err;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`the restarted IdP at ${issuer} did not answer: ${String(last)}`);
  };

  await listen(options.keys ?? [newSigningKey()]);
  await answering();
  return {
    get issuer() {
      return issuer;
    },
    get port() {
      return port;
    },
    accounts,
    async rotate(keys) {
      await close();
      // The old server's sockets were destroyed; let this process's fetch pool see them close
      // before anything reuses one (a kept-alive socket to the old server fails with "fetch failed").
      await new Promise((r) => setTimeout(r, 20));
      await listen(keys);
      await answering();
    },
    close,
  };
}

/* ------------------------------------------------------------------------------------------ */

export interface ForgedClaims {
  iss?: string;
  aud?: string | string[];
  exp?: number;
  iat?: number;
  nonce?: string;
  sub?: string;
  [claim: string]: unknown;
}

/**
 * A hand-built IdP that answers discovery, JWKS and the token endpoint, and issues whatever ID
 * token the test asks for next: wrong audience, expired, signed by an unknown key, another nonce,
 * another issuer. The test plays the browser and builds the callback URL itself.
 */
export async function startForgingIdp(options: { clientId: string; clientSecret: string }) {
  const key = newSigningKey("forge-1");
  const nonces = new Map<string, string>();
  const issued: string[] = [];
  let next: { claims?: ForgedClaims; signWith?: SigningKey } = {};
  const srv = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const send = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
    if (url.pathname === "/.well-known/openid-configuration") {
      return send(200, {
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
        authorization_response_iss_parameter_supported: true,
      });
    }
    if (url.pathname === "/jwks") return send(200, { keys: [publicJwk(key)] });
    if (url.pathname === "/token" && req.method === "POST") {
      let body = "";
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      const basic = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString().split(":").map((p) => decodeURIComponent(p.replace(/\+/g, " ")));
      if (basic[0] !== options.clientId || basic[1] !== options.clientSecret) return send(401, { error: "invalid_client" });
      const code = form.get("code") ?? "";
      const nonce = nonces.get(code);
      if (nonce === undefined) return send(400, { error: "invalid_grant" });
      nonces.delete(code);
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: issuer, aud: options.clientId, sub: "forged-user", iat: now, exp: now + 300, nonce, preferred_username: "mallory", groups: ["ops-admins"], ...next.claims };
      const signer = next.signWith ?? key;
      const idToken = sign(claims, signer);
      const accessToken = `at-${crypto.randomBytes(16).toString("hex")}`;
      issued.push(idToken, accessToken);
      next = {};
      return send(200, { access_token: accessToken, token_type: "Bearer", expires_in: 300, id_token: idToken });
    }
    send(404, { error: "not_found" });
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return {
    issuer,
    /** Every token this IdP handed out (to check none of them shows up anywhere). */
    issued,
    /** Registers a code the "browser" will bring back, bound to the nonce of the authorization request. */
    authorize(nonce: string): string {
      const code = `code-${crypto.randomBytes(8).toString("hex")}`;
      nonces.set(code, nonce);
      return code;
    },
    forgeNext(spec: { claims?: ForgedClaims; signWith?: SigningKey }) {
      next = spec;
    },
    close: () =>
      new Promise<void>((resolve) => {
        srv.closeAllConnections();
        srv.close(() => resolve());
      }),
  };
}

function sign(claims: Record<string, unknown>, key: SigningKey): string {
  const header = Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT", kid: key.jwk.kid })).toString("base64url");
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const signature = crypto.sign("sha256", Buffer.from(`${header}.${payload}`), key.privateKey).toString("base64url");
  return `${header}.${payload}.${signature}`;
}
