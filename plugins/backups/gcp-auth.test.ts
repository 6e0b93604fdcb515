import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoRequest } from "../plugin-api";
import { createGcpClient, GCP_SCOPES, gcpAuth, GcpExportsSchema, gcpExportProbes, type GcpExportsConfig } from "./gcp-exports";
import { demoExports, gcpSandboxHandler } from "./gcp-sandbox";

// Service-account tokens minted by google-auth-library against the sandbox's token endpoint, over
// real HTTP: the sandbox verifies each RS256 assertion with the account's public key.
const EMAIL = "exports-watch@shop-prod-4711.iam.gserviceaccount.com";
const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
const PEM = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const WHERE = { project: "shop-prod-4711", bucket: "shop-firestore-exports", prefix: "exports/" };
const NOW = Date.now();

let expiresIn = 3599;
let base = "";
let server: http.Server;
const grants: { assertion: string }[] = [];
const apiAuth: string[] = [];

beforeAll(async () => {
  const handler = gcpSandboxHandler(() => ({
    ...demoExports(NOW, { ...WHERE, token: "unused" }),
    token: undefined,
    serviceAccount: { email: EMAIL, publicKey, tokenUri: `${base}/oauth2/token`, expiresIn },
  }));
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      if (req.url === "/oauth2/token") grants.push({ assertion: new URLSearchParams(body.toString()).get("assertion") ?? "" });
      else apiAuth.push(String(req.headers.authorization));
      const out = handler({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers as DemoRequest["headers"], body });
      res.writeHead(out.status, out.headers).end(JSON.stringify(out.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const config = (over: Record<string, unknown>): GcpExportsConfig =>
  GcpExportsSchema.parse({ ...WHERE, adminUrl: `${base}/gcp/firestore`, storageUrl: `${base}/gcp/storage`, ...over });
const read = (client: ReturnType<typeof createGcpClient>, c: GcpExportsConfig) =>
  gcpExportProbes(c, client)
    .find((p) => p.id === "gcp-exports")!
    .read({ signal: AbortSignal.timeout(10_000), log: pino({ level: "silent" }), now: () => new Date(NOW) });
const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

describe("GCP export watching with a service account", () => {
  it("mints a token from clientEmail + privateKey (\\n escapes, as an env var holds it), uses it on both APIs, and reuses it while valid", async () => {
    expiresIn = 3599;
    grants.length = 0;
    apiAuth.length = 0;
    const c = config({ clientEmail: EMAIL, privateKey: PEM.replace(/\n/g, "\\n"), tokenUri: `${base}/oauth2/token` });
    const client = createGcpClient(c);
    expect(client.auth.kind).toBe(`service account ${EMAIL}`);
    const r = await read(client, c);
    expect(r.summary).toMatch(/^newest complete export/);
    expect(grants).toHaveLength(1);
    const jwt = grants[0]!.assertion;
    expect(JSON.parse(Buffer.from(jwt.split(".")[0]!, "base64url").toString())).toMatchObject({ alg: "RS256" });
    expect(claims(jwt)).toMatchObject({ iss: EMAIL, aud: `${base}/oauth2/token`, scope: GCP_SCOPES.join(" ") });
    // Operations and folder listings all carried the minted token, not a configured one.
    expect(apiAuth.length).toBeGreaterThan(2);
    expect(new Set(apiAuth)).toEqual(new Set([expect.stringMatching(/^Bearer ya29\.sandbox-/)]));
    await read(client, c);
    expect(grants).toHaveLength(1);
  });

  it("an expired token is refused by the APIs and a new one is minted before the next read", async () => {
    expiresIn = 2;
    grants.length = 0;
    apiAuth.length = 0;
    const c = config({ clientEmail: EMAIL, privateKey: PEM, tokenUri: `${base}/oauth2/token` });
    const auth = createGcpClient(c, { auth: gcpAuth(c, { eagerRefreshMs: 500 }) });
    await read(auth, c);
    expect(grants).toHaveLength(1);
    const first = apiAuth.at(-1)!;
    await read(auth, c);
    expect(grants).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 2_100));
    const stale = await fetch(`${base}/gcp/firestore/v1/projects/${WHERE.project}/databases/(default)/operations`, { headers: { authorization: first } });
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: { message: string } }).error.message).toMatch(/^Request had invalid authentication credentials/);
    const r = await read(auth, c);
    expect(r.summary).toMatch(/^newest complete export/);
    expect(grants).toHaveLength(2);
    expect(apiAuth.at(-1)).not.toBe(first);
  });

  it("a key file whose private_key holds real newlines points minting at its token_uri", async () => {
    expiresIn = 3599;
    grants.length = 0;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gcp-sa-"));
    const file = path.join(dir, "key.json");
    // As pasted by hand: real newlines inside the JSON string.
    fs.writeFileSync(file, `{"type":"service_account","project_id":"${WHERE.project}","client_email":"${EMAIL}","private_key":"${PEM}","token_uri":"${base}/oauth2/token"}`);
    try {
      const c = config({ serviceAccountFile: file });
      const r = await read(createGcpClient(c), c);
      expect(r.summary).toMatch(/^newest complete export/);
      expect(grants).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("another key is refused in the token endpoint's words, and no key text is in the error", async () => {
    const other = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const c = config({ clientEmail: EMAIL, privateKey: other, tokenUri: `${base}/oauth2/token` });
    const err = (await read(createGcpClient(c), c).catch((e: Error) => e)) as Error;
    expect(err.message).toBe(`minting an access token for ${EMAIL} at ${base}/oauth2/token: invalid_grant: Invalid JWT Signature.`);
    const unknown = config({ clientEmail: "someone@else-prod.iam.gserviceaccount.com", privateKey: PEM, tokenUri: `${base}/oauth2/token` });
    const err2 = (await read(createGcpClient(unknown), unknown).catch((e: Error) => e)) as Error;
    expect(err2.message).toMatch(/invalid_grant: Invalid grant: account not found$/);
  });

  it("a key that is not PEM is refused without echoing it; the APIs refuse a token the endpoint did not mint", async () => {
    const c = config({ clientEmail: EMAIL, privateKey: "not-a-key-SECRETPART", tokenUri: `${base}/oauth2/token` });
    expect(() => createGcpClient(c)).toThrow(/gcp\.privateKey: the private key is not a PEM private key/);
    expect(() => createGcpClient(c)).not.toThrow(/SECRETPART/);
    const res = await fetch(`${base}/gcp/storage/storage/v1/b/${WHERE.bucket}/o`, { headers: { authorization: "Bearer ya29.made-up" } });
    expect(res.status).toBe(401);
  });

  it("the token endpoint checks the grant: a wrong grant_type, an expired assertion, no scope", async () => {
    const post = (form: Record<string, string>) =>
      fetch(`${base}/oauth2/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form) }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, string> }));
    const sign = (payload: Record<string, unknown>) => {
      const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
      const input = `${enc({ alg: "RS256", typ: "JWT" })}.${enc(payload)}`;
      return `${input}.${crypto.sign("RSA-SHA256", Buffer.from(input), privateKey).toString("base64url")}`;
    };
    const now = Math.floor(Date.now() / 1000);
    const good = { iss: EMAIL, aud: `${base}/oauth2/token`, scope: GCP_SCOPES.join(" "), iat: now, exp: now + 3600 };
    expect((await post({ grant_type: "client_credentials", assertion: sign(good) })).body.error).toBe("unsupported_grant_type");
    expect((await post({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: sign({ ...good, iat: now - 7200, exp: now - 3600 }) })).body.error_description).toMatch(/short-lived token/);
    expect((await post({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: sign({ ...good, aud: "https://example.com/token" }) })).body.error_description).toMatch(/aud must be/);
    expect((await post({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: sign({ ...good, scope: "" }) })).body.error).toBe("invalid_scope");
    const ok = await post({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: sign(good) });
    expect(ok).toMatchObject({ status: 200, body: { token_type: "Bearer", expires_in: expiresIn, access_token: expect.stringMatching(/^ya29\./) } });
    // A token with only the Storage scope lists the bucket but not the Admin API's operations.
    const storageOnly = (await post({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: sign({ ...good, scope: GCP_SCOPES[1]! }) })).body.access_token!;
    const h = { authorization: `Bearer ${storageOnly}` };
    expect((await fetch(`${base}/gcp/storage/storage/v1/b/${WHERE.bucket}/o?prefix=exports/`, { headers: h })).status).toBe(200);
    const denied = await fetch(`${base}/gcp/firestore/v1/projects/${WHERE.project}/databases/(default)/operations`, { headers: h });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: { message: string } }).error.message).toBe("Request had insufficient authentication scopes.");
  });
});
