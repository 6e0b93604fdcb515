export * from "./errors.server";
export { answerData, answerIntent, answerRun, runAnswerStatus } from "./answer.server";
export { jsonDepth, MAX_BODY_BYTES, MAX_JSON_DEPTH, parseJsonObject, queryParam, readBody, tryReadBody, type BodyKind, type ReadBodyOptions } from "./body.server";
export { safeRedirect } from "./redirect.server";
