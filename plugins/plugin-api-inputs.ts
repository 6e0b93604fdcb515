// Part of the plugin API (re-exported by plugins/plugin-api.ts): live choices an action offers for
// an input field (ActionDefinition.options), shown by the dialog as a list instead of a text box.

/** One choice for an input field, with what the operator must know to pick it. */
export interface InputChoice {
  value: string;
  label: string;
  /** A short state word shown as a badge: `ok` (e.g. verified), `warn` (not verified), `bad` (failed). */
  badge?: { text: string; tone: "ok" | "warn" | "bad" };
  detail?: string;
  /** Why it cannot be chosen; the dialog disables it and the action refuses it. */
  refused?: string;
}

export interface InputChoices {
  choices: InputChoice[];
  /** A nudge shown above the list (e.g. "the newest backup is not verified: verify it first"). */
  note?: string;
}
