import { z } from "zod";
import { secret } from "../../../plugins/plugin-api";

const RoleSchema = z.enum(["viewer", "responder", "admin", "manager"]);

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** True for an http issuer on this machine (a test or a local IdP); anything else must be https. */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === "http:" && LOOPBACK.has(url.hostname);
}

/** `auth.oidc`: single sign-on through an OpenID Provider (Okta, Google, Entra ID, Keycloak…). See docs/sso.md. */
export const OidcConfigSchema = z
  .object({
    issuer: z
      .string()
      .url()
      .refine((v) => {
        const u = new URL(v);
        return u.protocol === "https:" || isLoopbackHttp(u);
      }, "must be an https URL (http only on 127.0.0.1 or localhost)")
      .describe("The IdP's issuer URL, exactly as its /.well-known/openid-configuration states it."),
    clientId: z.string().min(1),
    clientSecret: secret(z.string().min(8, "must be the client secret the IdP issued (at least 8 characters)")),
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, "a scope is one word without spaces or quotes"))
      .refine((s) => s.includes("openid"), 'must include "openid"')
      .default(["openid", "profile", "email"]),
    /** Claim that names the person; default preferred_username, else email. */
    usernameClaim: z.string().min(1).optional(),
    /** Claim that lists the person's groups (a dotted path such as realm_access.roles is followed). */
    groupsClaim: z.string().min(1).default("groups"),
    /** group → roles given to its members. */
    roleMapping: z.record(z.string(), z.array(RoleSchema)).default({}),
    /** Roles everyone the IdP signs in gets; empty: only members of a mapped group may sign in. */
    defaultRoles: z.array(RoleSchema).default([]),
    /** Email domains allowed to sign in (empty: any the IdP vouches for). */
    allowedDomains: z.array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, "a domain such as example.com").transform((d) => d.toLowerCase())).default([]),
    /** Shown on the sign-in page: "Sign in with <displayName>". */
    displayName: z.string().min(1).max(60).default("single sign-on"),
  })
  .strict();

export type OidcConfig = z.infer<typeof OidcConfigSchema>;
