export { createScrubber, liveScrubber, MIN_SECRET_LENGTH, REDACTED, scrub, scrubText, type Scrubber } from "./scrub.server";
export { derivedSecrets, redactBySchema, secretValuesOf, urlPasswords } from "./walk.server";
