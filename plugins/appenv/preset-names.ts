// The preset names alone, so the config schema can name them without importing the rules.
export const PRESET_NAMES = ["stripe", "paddle", "supabase", "firebase", "mongodb", "hmrc", "cloudinary", "sentry", "resend", "twilio", "clerk"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];
