// Part of the plugin API (re-exported by plugins/plugin-api.ts): the log a plugin writes to. Its own
// file so the API's other parts (the demo world) take it without importing the whole contract back.

export interface Logger {
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}
