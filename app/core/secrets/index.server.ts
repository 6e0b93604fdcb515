export { createScrubber, MIN_SECRET_LENGTH, REDACTED, scrub, scrubText, type Scrubber } from "./scrub.server";
export { redactBySchema, secretValuesOf } from "./walk.server";
