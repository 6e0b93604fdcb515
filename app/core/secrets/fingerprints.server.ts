import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { PluginDefinition, ValueFingerprints } from "../../../plugins/plugin-api";
import { secretValuesOf } from "./walk.server";

export const FINGERPRINT_KEY_FILE = "fingerprint.key";

/**
 * The key value fingerprints are made with: 32 random bytes in the data folder (mode 0600), made on
 * first use, never in the database, so a copy of the database or a backup cannot test guesses
 * against the fingerprints it holds.
 */
export function loadFingerprintKey(dataDir: string): Buffer {
  const file = path.join(dataDir, FINGERPRINT_KEY_FILE);
  try {
    return Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
  } catch {
    fs.mkdirSync(dataDir, { recursive: true });
    const key = crypto.randomBytes(32);
    try {
      fs.writeFileSync(file, key.toString("base64"), { mode: 0o600, flag: "wx" });
      return key;
    } catch {
      return Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
    }
  }
}

export function fingerprintWith(key: Buffer, value: string): string {
  return crypto.createHmac("sha256", key).update(value, "utf8").digest("hex");
}

/** Fingerprints of values and of configured secrets ("stripe.webhookSecret"); a secret's value is never handed out. */
export function valueFingerprints(key: Buffer, configs: Record<string, unknown>, installed: readonly PluginDefinition[]): ValueFingerprints {
  return {
    of: (value) => fingerprintWith(key, value),
    secret(ref) {
      const [pluginId, ...keys] = ref.split(".");
      const plugin = installed.find((p) => p.id === pluginId);
      if (!plugin || !keys.length || !(pluginId! in configs)) return null;
      let at: unknown = configs[pluginId!];
      for (const k of keys) at = at && typeof at === "object" ? (at as Record<string, unknown>)[k] : undefined;
      if (typeof at !== "string") return null;
      // Only a value the plugin's schema marks secret: this is no way to read a plain config field.
      if (!secretValuesOf(plugin.config, configs[pluginId!]).includes(at)) return null;
      return fingerprintWith(key, at);
    },
  };
}
