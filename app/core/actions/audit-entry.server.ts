// Moved to app/core/audit/audit.server.ts; kept until the last importer (settings.tokens) switches.
export { audit, Conflict, errorText } from "../audit/audit.server";
