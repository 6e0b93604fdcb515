/** Roles and what they imply. Shared by server and UI (no server imports). */
export const ROLES = ["viewer", "responder", "admin", "manager"] as const;
export type Role = (typeof ROLES)[number];

const IMPLIES: Record<Role, Role[]> = {
  viewer: [],
  responder: ["viewer"],
  admin: ["responder", "viewer"],
  manager: ["viewer"],
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** True when any held role is `role` or implies it (admin implies responder implies viewer). */
export function hasRole(roles: readonly string[], role: Role): boolean {
  return roles.some((r) => r === role || (isRole(r) && IMPLIES[r].includes(role)));
}

export function parseRoles(text: string): Role[] {
  return text
    .split(",")
    .map((r) => r.trim())
    .filter(isRole);
}

/** The role an action of this risk needs: low → responder, high and critical → admin (the pipeline's rule). */
export function requiredRoleFor(risk: "low" | "high" | "critical"): Role {
  return risk === "low" ? "responder" : "admin";
}
