// The backups plugin's public contract: the service it offers other plugins and the core, with its
// shape. No side effects and no SDKs (type-only imports): consumers import it as a contract only.
import { createServiceRef } from "../plugin-api";
import type { Catalog, CatalogRow } from "./catalog";
import type { verifyBackup } from "./engine";

/** The catalog, a backup now and a verification by restore, for the portal and tests. */
export interface BackupsService {
  catalog: Catalog;
  backupNow(target: string, run?: { log(m: string): void; progress?(d: number, t?: number): void }, signal?: AbortSignal): Promise<CatalogRow>;
  verify(target: string, backupId?: string, run?: { log(m: string): void }, signal?: AbortSignal): Promise<Awaited<ReturnType<typeof verifyBackup>> & { backupId: string }>;
}

export const backupsRef = createServiceRef<BackupsService>({ id: "backups" });
