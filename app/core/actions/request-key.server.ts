import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { PortalConfig } from "../config.server";

/**
 * The key that seals the secret input of waiting approval requests, kept outside the database
 * like the audit checkpoint key: config `actions.requestKey`, else env OPSDECK_REQUEST_KEY, else a
 * generated key file (mode 0600) in the data folder. Instances that share one store must share
 * the key (same config/env value, or the same data folder) to approve each other's requests.
 */
export interface RequestKey {
  key: Buffer;
  /** First 16 hex of sha256 of the key: stored beside each sealed input, never the key itself. */
  id: string;
  source: "config" | "env" | "file";
}

export const REQUEST_KEY_FILE = "approval-requests.key";

export function requestKey(options: { config: Pick<PortalConfig, "actions">; dataDir: string; env?: Record<string, string | undefined> }): RequestKey {
  const env = options.env ?? process.env;
  const derive = (text: string, source: RequestKey["source"]): RequestKey => {
    const key = crypto.createHash("sha256").update(`opsdeck-approval-requests|${text}`).digest();
    return { key, id: crypto.createHash("sha256").update(key).digest("hex").slice(0, 16), source };
  };
  if (options.config.actions.requestKey) return derive(options.config.actions.requestKey, "config");
  if (env.OPSDECK_REQUEST_KEY) return derive(env.OPSDECK_REQUEST_KEY, "env");
  const file = path.join(options.dataDir, REQUEST_KEY_FILE);
  fs.mkdirSync(options.dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, crypto.randomBytes(32).toString("hex") + "\n", { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const text = fs.readFileSync(file, "utf8").trim();
  if (!text) throw new Error(`the request key file ${file} is empty`);
  return derive(text, "file");
}

/** AES-256-GCM; the run id is the associated data, so a sealed input cannot be moved to another request. */
export function seal(key: RequestKey, runId: string, plaintext: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", key.key, iv);
  cipher.setAAD(Buffer.from(runId));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), ct.toString("base64url")].join(".");
}

/** Throws when the text was sealed with another key, for another run, or was altered. */
export function unseal(key: RequestKey, runId: string, sealed: string): string {
  const [v, iv, tag, ct] = sealed.split(".");
  if (v !== "v1" || !iv || !tag || ct === undefined) throw new Error("not a sealed request input");
  const decipher = crypto.createDecipheriv("aes-256-gcm", key.key, Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(runId));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
}
