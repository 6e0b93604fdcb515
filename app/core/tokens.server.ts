import { audit } from "./audit/audit.server";
import { createApiToken, revokeApiToken, type User } from "./auth.server";
import { NotFoundError, UnavailableError } from "./http/errors.server";
import type { Portal } from "./portal.server";
import type { Role } from "~/lib/roles";

/**
 * A personal API token for `user`, with its `token_created` entry. No entry, no token: if the audit
 * log cannot be written the token is revoked again and the answer is 503. The token's text is
 * returned once and stored only hashed.
 */
export async function createTokenAudited(portal: Portal, user: User, name: string, roles: Role[]): Promise<{ id: string; name: string; token: string; roles: Role[] }> {
  const created = await createApiToken(portal.store, user.id, name, roles.length ? roles : undefined);
  try {
    await audit(portal, { actor: user.username, roles: user.roles, action: "auth.api-token", target: created.id, outcome: "token_created", details: { name, roles: created.roles, via: user.via } });
  } catch {
    await revokeApiToken(portal.store, user.id, created.id);
    throw new UnavailableError("The audit log cannot be written, so no token was created.");
  }
  return { id: created.id, name, token: created.token, roles: created.roles };
}

/**
 * Revokes one of `user`'s active tokens, with its `token_revoked` entry. The revocation stands even
 * when the audit log cannot be written (failing closed means the credential stays dead); the
 * answer then says the entry is missing (503).
 */
export async function revokeTokenAudited(portal: Portal, user: User, tokenId: string): Promise<{ revoked: string }> {
  if (!(await revokeApiToken(portal.store, user.id, tokenId))) throw new NotFoundError("No such active token.");
  try {
    await audit(portal, { actor: user.username, roles: user.roles, action: "auth.api-token", target: tokenId, outcome: "token_revoked", details: { via: user.via } });
  } catch {
    throw new UnavailableError("The token is revoked, but the audit log cannot be written.");
  }
  return { revoked: tokenId };
}
