import os from "node:os";
import { z } from "zod";
import { PortalError } from "../../plugins/errors";
import { isRole, ROLES, type Role } from "~/lib/roles";
import { viaOf } from "./actions/policy.server";
import { audit, CheckpointFailure } from "./audit/audit.server";
import type { Db } from "./audit/chain.server";
import { hashPassword, type User } from "./auth.server";
import { newId } from "./ids.server";
import { getPortal, type Portal } from "./portal.server";

export const UserChangeSchema = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("roles"),
    username: z.string().min(1),
    roles: z.array(z.enum(ROLES)).min(1, "Give at least one role"),
  }),
  z.object({ intent: z.literal("disable"), username: z.string().min(1) }),
  z.object({ intent: z.literal("enable"), username: z.string().min(1) }),
  z.object({
    intent: z.literal("add"),
    username: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "Use 1-63 lowercase letters, digits, '.', '_' or '-'"),
    password: z.string().min(8, "At least 8 characters"),
    roles: z.array(z.enum(ROLES)).min(1, "Give at least one role"),
  }),
]);
export type UserChange = z.infer<typeof UserChangeSchema>;

export class UserChangeError extends PortalError {
  constructor(message: string, status = 400) {
    super(status, message);
  }
}

export async function listUsers() {
  const { store } = getPortal();
  const rows = await store.db.selectFrom("users").select(["username", "display_name", "roles", "disabled", "created_at", "password_hash", "oidc_subject", "break_glass"]).orderBy("username").execute();
  return rows.map((r) => ({
    username: r.username,
    displayName: r.display_name,
    roles: r.roles.split(",").filter(Boolean) as Role[],
    disabled: !!r.disabled,
    createdAt: new Date(r.created_at).toISOString(),
    signIn: r.oidc_subject ? "sso" : r.password_hash ? (r.break_glass ? "password (break-glass)" : "password") : "proxy",
  }));
}

/**
 * Applies one user change made by an admin. The change and its audit entry commit together:
 * if the audit entry cannot be written, the change does not happen.
 */
export async function changeUser(admin: User, change: UserChange): Promise<string> {
  const { store } = getPortal();
  if (change.intent !== "add" && change.username === admin.username && change.intent !== "enable") {
    throw new UserChangeError("You cannot change your own roles or disable yourself; ask another admin.", 403);
  }
  const passwordHash = change.intent === "add" ? await hashPassword(change.password) : null;
  const existing = await store.db.selectFrom("users").select(["id", "roles", "disabled"]).where("username", "=", change.username).executeTakeFirst();
  if (change.intent === "add" && existing) throw new UserChangeError(`username: ${change.username} already exists`);
  if (change.intent !== "add" && !existing) throw new UserChangeError(`username: no user called ${change.username}`, 404);

  const details: Record<string, unknown> = { intent: change.intent };
  if (change.intent === "roles") Object.assign(details, { from: existing!.roles.split(","), to: change.roles });
  if (change.intent === "add") Object.assign(details, { roles: change.roles });

  const portal = getPortal();
  try {
    await audit(
      portal,
      { actor: admin.username, roles: admin.roles, action: `portal.user-${change.intent}`, target: `user:${change.username}`, outcome: "succeeded", details: { ...details, via: viaOf(admin) } },
      (db) => applyChange(db, change, existing?.id ?? null, passwordHash),
    );
  } catch (err) {
    if (err instanceof CheckpointFailure) throw new UserChangeError("The change was made and audited, but no signed audit checkpoint could be written; check the data folder.", 503);
    // Fail closed like every other write: the change rolled back with the entry.
    throw new UserChangeError("The audit log cannot be written, so nothing was changed. Try again shortly.", 503);
  }
  return change.intent === "add" ? `Added ${change.username}.` : change.intent === "roles" ? `${change.username}: ${change.roles.join(", ")}.` : `${change.username} ${change.intent}d.`;
}

async function applyChange(db: Db, change: UserChange | CliUserChange, existingId: string | null, passwordHash: string | null): Promise<void> {
  switch (change.intent) {
    case "add":
      if (existingId) {
        await db.updateTable("users").set({ roles: change.roles.join(","), ...(passwordHash ? { password_hash: passwordHash } : {}) }).where("id", "=", existingId).execute();
        return;
      }
      await db
        .insertInto("users")
        .values({ id: newId("u_"), username: change.username, display_name: null, password_hash: passwordHash, roles: change.roles.join(","), disabled: 0, created_at: Date.now() })
        .execute();
      return;
    case "roles":
      await db.updateTable("users").set({ roles: change.roles.join(",") }).where("id", "=", existingId!).execute();
      return;
    case "disable":
      await db.updateTable("users").set({ disabled: 1 }).where("id", "=", existingId!).execute();
      await db.deleteFrom("sessions").where("user_id", "=", existingId!).execute();
      return;
    case "enable":
      await db.updateTable("users").set({ disabled: 0 }).where("id", "=", existingId!).execute();
      return;
  }
}

export type CliUserChange =
  | { intent: "add"; username: string; password: string; roles: Role[]; breakGlass?: boolean }
  | { intent: "roles"; username: string; roles: Role[] }
  | { intent: "disable" | "enable"; username: string };

const USERNAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/**
 * A user change made with `npm run user` on the server's machine: audited like an admin's change
 * (actor `cli:<OS user>`, via `cli`), and written together with its entry or not at all.
 * `add` of an existing user sets its roles and password.
 */
export async function changeUserFromCli(portal: Portal, change: CliUserChange): Promise<{ created: boolean }> {
  if (!USERNAME.test(change.username)) throw new UserChangeError(`NAME: use 1-63 lowercase letters, digits, ".", "_" or "-"`);
  if ("roles" in change) {
    const bad = change.roles.filter((r) => !isRole(r));
    if (bad.length || change.roles.length === 0) throw new UserChangeError(`--role: must be one or more of ${ROLES.join(", ")} (got ${change.roles.join(",") || "none"})`);
  }
  if (change.intent === "add" && change.password.length < 8) throw new UserChangeError("password: must be at least 8 characters");
  const existing = await portal.store.db.selectFrom("users").select(["id", "roles"]).where("username", "=", change.username).executeTakeFirst();
  if (change.intent !== "add" && !existing) throw new UserChangeError(`NAME: no user called ${change.username}`, 404);
  const passwordHash = change.intent === "add" ? await hashPassword(change.password) : null;
  let operator = "unknown";
  try {
    operator = os.userInfo().username;
  } catch {
    /* no passwd entry */
  }
  const details: Record<string, unknown> = { intent: change.intent, via: "cli", operator };
  if (change.intent === "add") Object.assign(details, { roles: change.roles, existed: !!existing, passwordSet: true, breakGlass: !!change.breakGlass });
  if (change.intent === "roles") Object.assign(details, { from: existing!.roles.split(","), to: change.roles });
  await audit(
    portal,
    { actor: `cli:${operator}`.slice(0, 200), roles: [], action: `portal.user-${change.intent}`, target: `user:${change.username}`, outcome: "succeeded", details },
    async (db) => {
      await applyChange(db, change, existing?.id ?? null, passwordHash);
      // Break-glass: may sign in with this password even when auth.local is false (docs/sso.md).
      if (change.intent === "add") await db.updateTable("users").set({ break_glass: change.breakGlass ? 1 : 0 }).where("username", "=", change.username).execute();
    },
  );
  return { created: change.intent === "add" && !existing };
}
