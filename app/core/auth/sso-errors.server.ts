/** Why a single sign-on was refused: each code has one sentence for the person and what to do. */
const MESSAGES = {
  "not-configured": { kind: "setup", text: "Single sign-on is not set up on this portal. Sign in with your username and password." },
  "idp-down": { kind: "upstream", text: "The identity provider could not be reached. Try again in a minute; if it keeps failing, ask whoever runs your company's sign-in (or use a break-glass account)." },
  "idp-refused": { kind: "person", text: "The identity provider did not sign you in (you cancelled, or it refused this portal). Try again, or ask your identity team to assign you to this application." },
  expired: { kind: "flow", text: "This sign-in took too long or was already finished in another tab. Start again." },
  replayed: { kind: "flow", text: "This sign-in link was already used. Start again from the sign-in page." },
  state: { kind: "flow", text: "This sign-in answer does not belong to the sign-in this browser started. Start again from the sign-in page." },
  "code-rejected": { kind: "flow", text: "The identity provider refused the sign-in code (it expired or was already used). Start again." },
  audience: { kind: "token", text: "The identity provider issued a token for another application (wrong audience). Ask your identity team to check the portal's client id." },
  issuer: { kind: "token", text: "The sign-in answer came from a different identity provider than the one this portal trusts. Start again; if it repeats, tell your identity team." },
  nonce: { kind: "token", text: "The identity provider's token does not belong to this sign-in (nonce mismatch). Start again." },
  "token-expired": { kind: "token", text: "The identity provider's token had already expired. Check that the clocks of the portal and the identity provider agree, then start again." },
  signature: { kind: "token", text: "The identity provider's token is not signed by any of its published keys. Start again; if it repeats, tell your identity team." },
  "bad-token": { kind: "token", text: "The identity provider's answer could not be checked. Start again; if it repeats, tell your identity team." },
  "no-username": { kind: "person", text: "The identity provider did not say who you are (no username or email claim). Ask your identity team to release it to this portal." },
  domain: { kind: "person", text: "Accounts of your email domain may not sign in to this portal. Sign in with your company account." },
  "no-group": { kind: "person", text: "You are not in any group that gives access to this portal. Ask your identity team to add you to one of its groups." },
  disabled: { kind: "person", text: "Your portal account is disabled. Ask a portal admin to enable it." },
  taken: { kind: "person", text: "A local portal account already has your username. Ask a portal admin to rename or remove it, then sign in again." },
} as const;

export type SsoErrorCode = keyof typeof MESSAGES;

export function isSsoErrorCode(code: unknown): code is SsoErrorCode {
  return typeof code === "string" && Object.hasOwn(MESSAGES, code);
}

export function ssoErrorText(code: SsoErrorCode): string {
  return MESSAGES[code].text;
}

/** A refused single sign-on; `detail` is for the audit entry only (never a token). */
export class SsoError extends Error {
  readonly kind: (typeof MESSAGES)[SsoErrorCode]["kind"];
  constructor(
    readonly code: SsoErrorCode,
    readonly detail?: string,
  ) {
    super(MESSAGES[code].text);
    this.name = "SsoError";
    this.kind = MESSAGES[code].kind;
  }
}
