import { z } from "zod";
import { ROLES, type Role } from "~/lib/roles";
import { appendAudit } from "./audit/chain.server";
import { hashPassword, newId, type User } from "./auth.server";
import { getPortal } from "./portal.server";

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

export class UserChangeError extends Error {
  constructor(
    message: string,
    public readonly status = 400,
  ) {
    super(message);
  }
}

export async function listUsers() {
  const { store } = getPortal();
  const rows = await store.db.selectFrom("users").select(["username", "display_name", "roles", "disabled", "created_at", "password_hash"]).orderBy("username").execute();
  return rows.map((r) => ({
    username: r.username,
    displayName: r.display_name,
    roles: r.roles.split(",").filter(Boolean) as Role[],
    disabled: !!r.disabled,
    createdAt: new Date(r.created_at).toISOString(),
    signIn: r.password_hash ? "password" : "proxy",
  }));
}

/**
 * Applies one user change made by an admin. The change and its audit entry commit together:
 * if the audit entry cannot be written, the change does not happen.
 */
export async function changeUser(admin: User, change: UserChange): Promise<string> {
  const { store, config } = getPortal();
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

  await appendAudit(
    store,
    { actor: admin.username, roles: admin.roles, action: `portal.user-${change.intent}`, target: `user:${change.username}`, outcome: "succeeded", details },
    {
      secrets: config.secretValues,
      within: async (db) => {
        switch (change.intent) {
          case "add":
            await db
              .insertInto("users")
              .values({ id: newId("u_"), username: change.username, display_name: null, password_hash: passwordHash, roles: change.roles.join(","), disabled: 0, created_at: Date.now() })
              .execute();
            return;
          case "roles":
            await db.updateTable("users").set({ roles: change.roles.join(",") }).where("id", "=", existing!.id).execute();
            return;
          case "disable":
            await db.updateTable("users").set({ disabled: 1 }).where("id", "=", existing!.id).execute();
            await db.deleteFrom("sessions").where("user_id", "=", existing!.id).execute();
            return;
          case "enable":
            await db.updateTable("users").set({ disabled: 0 }).where("id", "=", existing!.id).execute();
            return;
        }
      },
    },
  );
  return change.intent === "add" ? `Added ${change.username}.` : change.intent === "roles" ? `${change.username}: ${change.roles.join(", ")}.` : `${change.username} ${change.intent}d.`;
}
