import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import backups, { type BackupsService } from "../../plugins/backups";
import type { Portal } from "~/core/portal.server";
import { testPortal } from "../helpers/portal";
import { backupsRef } from "../../plugins/backups/api";
import { answerOf } from "../helpers/answer";
import { answerData } from "~/core/http/index.server";

// The portal's own SQLite store as a target: online backup API, verification on a temp copy.
let portal: Portal;
let cleanup: () => Promise<void>;
let service: BackupsService;

beforeAll(async () => {
  ({ portal, cleanup } = await testPortal({ dialect: "sqlite", plugins: [backups], config: { app: { demo: false }, plugins: { backups: { targets: { portal: { kind: "portal" } } } } } }));
  service = portal.registry.services.get(backupsRef)!;
});
afterAll(async () => {
  await cleanup?.();
});

describe("backups of the portal's own SQLite store", () => {
  it("backs up online with a manifest of row counts and the migration version, and verifies on a temp copy", async () => {
    const row = await service.backupNow("portal");
    expect(row.status).toBe("good");
    expect(row.manifest!.format).toBe("sqlite");
    expect(row.manifest!.schemaVersion).toMatch(/^plugin-[a-z]+-\d{3}-/);
    // The catalog row of this very backup was `running` when the copy was taken.
    expect(row.manifest!.counts.backups_catalog).toBe(1);
    expect(row.manifest!.counts).toHaveProperty("kysely_migration");
    expect(fs.readFileSync(row.file!).subarray(0, 15).toString()).toBe("SQLite format 3");
    const v = await service.verify("portal", row.id);
    expect(v.status).toBe("passed");
    expect(v.detail).toMatch(/counts match the manifest/);
  });

  it("one corrupted byte fails verification", async () => {
    const row = await service.backupNow("portal");
    const buf = fs.readFileSync(row.file!);
    buf[buf.length - 100] ^= 0xff;
    fs.writeFileSync(row.file!, buf);
    const v = await service.verify("portal", row.id);
    expect(v.status).toBe("failed");
    expect(v.detail).toMatch(/checksum mismatch/);
  });

  it("restore of the portal's own store is refused with a clear reason", async () => {
    const { previewAction } = await import("~/core/actions/pipeline.server");
    const row = (await service.catalog.list("portal")).find((r) => r.status === "good" && r.verifyStatus !== "failed")!;
    const res = await answerOf(previewAction(portal, { id: "u_admin", username: "admin", displayName: null, roles: ["admin"], via: "session" }, "backups.restore", { input: { target: "portal", backupId: row.id } }), answerData);
    expect(res.body).toMatchObject({ previewInvalid: true, previewError: expect.stringMatching(/restore is built for PostgreSQL targets only/) });
  });
});
