// Credentials as teams hold them: three environment variables (the key with real newlines or \n
// escapes), a service-account file or JSON, or application-default credentials; the project id
// taken from the credential when the config does not name it.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import firestore from "../../plugins/firestore";
import { documentReaderRef, type DocumentReader } from "../../plugins/firestore/api";
import { credentialProjectId, firebaseCredential } from "../../plugins/firestore/client.server";
import { startFirestoreSandbox, type FirestoreSandbox } from "../../plugins/firestore/sandbox";
import type { PluginInstance } from "../../plugins/plugin-api";
import { loadConfig } from "~/core/config.server";
import { shopCatalog } from "../helpers/shop";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const { privateKey: pem } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
const clientEmail = "opsdeck-reader@wildlife-exchange-prod.iam.gserviceaccount.com";

let sandbox: FirestoreSandbox;
let dir: string;
beforeAll(async () => {
  sandbox = await startFirestoreSandbox({ catalog: shopCatalog });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-fs-creds-"));
});
afterAll(async () => {
  await sandbox?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The firestore section as the real loader reads it from app-config.yaml with these variables set. */
function loadSection(yaml: string, env: Record<string, string>) {
  fs.writeFileSync(path.join(dir, "app-config.yaml"), yaml);
  const config = loadConfig({ cwd: dir, env: { SESSION_SECRET: "s".repeat(32), ...env } as unknown as NodeJS.ProcessEnv });
  return { section: firestore.config.parse(config.pluginConfigs.firestore), secretValues: config.secretValues };
}

async function readOrder(section: ReturnType<typeof firestore.config.parse>, id: string) {
  const instance: PluginInstance = await firestore.setup({ config: section, log: quiet, deps: {}, demo: false, dataDir: dir } as never);
  try {
    const reader = (instance.provides as Record<string, DocumentReader>)[documentReaderRef.id];
    return await reader.get(`orders/${id}`);
  } finally {
    await instance.stop?.();
  }
}

describe("firestore credentials", () => {
  it("reads documents with FIREBASE_PROJECT_ID, FIREBASE_CLIENT_EMAIL and a FIREBASE_PRIVATE_KEY holding real newlines", async () => {
    expect(pem).toContain("\n");
    const { section, secretValues } = loadSection(
      [
        "plugins:",
        "  firestore:",
        "    projectId: ${FIREBASE_PROJECT_ID}",
        "    clientEmail: ${FIREBASE_CLIENT_EMAIL}",
        "    privateKey: ${FIREBASE_PRIVATE_KEY}",
        `    emulatorHost: "${sandbox.host}"`,
      ].join("\n"),
      { FIREBASE_PROJECT_ID: sandbox.projectId, FIREBASE_CLIENT_EMAIL: clientEmail, FIREBASE_PRIVATE_KEY: pem },
    );
    expect(secretValues).toContain(pem);
    const order = await readOrder(section, "wx-1001");
    expect(order).toMatchObject({ buyerEmail: "buyer1@example.com", amount: 45_000 });
  });

  it("builds the same signing credential from real newlines and from \\n escapes, and refuses a key that is not PEM without echoing it", () => {
    const conn = { projectId: "wildlife-exchange-prod", clientEmail };
    const real = firebaseCredential({ ...conn, privateKey: pem }) as unknown as { privateKey: string; clientEmail: string; projectId: string };
    const escaped = firebaseCredential({ ...conn, privateKey: JSON.stringify(pem).slice(1, -1) }) as unknown as { privateKey: string };
    expect(real.privateKey).toBe(pem);
    expect(escaped.privateKey).toBe(pem);
    expect(real).toMatchObject({ clientEmail, projectId: "wildlife-exchange-prod" });
    const signature = crypto.sign("sha256", Buffer.from("opsdeck"), escaped.privateKey);
    expect(crypto.verify("sha256", Buffer.from("opsdeck"), crypto.createPublicKey(pem), signature)).toBe(true);

    const broken = "-----BEGIN PRIVATE KEY-----\nnot-a-key-NOTAKEYMATERIAL\n-----END PRIVATE KEY-----\n";
    let message = "";
    try {
      firestore.setup({ config: firestore.config.parse({ clientEmail, privateKey: broken }), log: quiet, deps: {}, demo: false, dataDir: dir } as never);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe("plugins.firestore.privateKey: the private key is not a PEM private key (it should start with -----BEGIN PRIVATE KEY-----)");
    expect(message).not.toContain("NOTAKEYMATERIAL");
  });

  it("takes the project id from a service-account JSON whose private key has real newlines, and reads with it", async () => {
    // As a secret manager often hands the key over: the JSON's "\n" escapes turned into newlines.
    const json = JSON.stringify({ type: "service_account", project_id: sandbox.projectId, private_key: pem, client_email: clientEmail }).replace(/\\n/g, "\n");
    expect(() => JSON.parse(json)).toThrow();
    const { section } = loadSection(["plugins:", "  firestore:", "    serviceAccountJson: ${FIRESTORE_SERVICE_ACCOUNT}", `    emulatorHost: "${sandbox.host}"`].join("\n"), {
      FIRESTORE_SERVICE_ACCOUNT: json,
    });
    expect(section.projectId).toBeUndefined();
    expect(credentialProjectId(section)).toBe(sandbox.projectId);
    expect(await readOrder(section, "wx-1002")).toMatchObject({ buyerEmail: "buyer2@example.com" });
  });

  it("takes the project id from a key file, the service account's e-mail, or application-default credentials", () => {
    const file = path.join(dir, "sa.json");
    fs.writeFileSync(file, JSON.stringify({ type: "service_account", project_id: "from-the-file", private_key: pem, client_email: clientEmail }));
    expect(credentialProjectId({ serviceAccountFile: file })).toBe("from-the-file");
    expect(credentialProjectId({ clientEmail, privateKey: pem })).toBe("wildlife-exchange-prod");
    expect(credentialProjectId({ projectId: "named", clientEmail, privateKey: pem })).toBe("named");
    expect(credentialProjectId({ applicationDefault: true }, { GOOGLE_APPLICATION_CREDENTIALS: file } as Partial<NodeJS.ProcessEnv> as NodeJS.ProcessEnv)).toBe("from-the-file");
    expect(credentialProjectId({ applicationDefault: true }, { GOOGLE_CLOUD_PROJECT: "from-env", GOOGLE_APPLICATION_CREDENTIALS: file } as Partial<NodeJS.ProcessEnv> as NodeJS.ProcessEnv)).toBe("from-env");
    expect(credentialProjectId({ applicationDefault: true }, {} as NodeJS.ProcessEnv)).toBeUndefined();
  });

  it("says which credential keys it accepts and refuses two at once", () => {
    const problems = (section: unknown) => {
      const r = firestore.config.safeParse(section);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    };
    expect(problems({ projectId: "p" })).toEqual([": set one of clientEmail + privateKey, serviceAccountFile, serviceAccountJson, applicationDefault: true or emulatorHost"]);
    expect(problems({ clientEmail, privateKey: pem, serviceAccountFile: "/sa.json" })).toEqual([": set only one credential, not clientEmail + privateKey and serviceAccountFile"]);
    expect(problems({ clientEmail })).toEqual(["privateKey: clientEmail needs privateKey"]);
    expect(problems({ applicationDefault: true })).toEqual([]);
  });
});
