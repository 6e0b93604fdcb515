import { __NAME__Client } from "./client.server";
import { __NAME__ConfigSchema, type __NAME__Config } from "./config";
import { start__NAME__Sandbox, type __NAME__Sandbox } from "./sandbox";

/** A sandbox and a client configured for it, as the plugin's setup would make it. */
export async function __VAR__Fixture(): Promise<{ sandbox: __NAME__Sandbox; config: __NAME__Config; client: __NAME__Client }> {
  const sandbox = await start__NAME__Sandbox();
  const config = __NAME__ConfigSchema.parse({ url: sandbox.url, token: sandbox.token });
  return { sandbox, config, client: new __NAME__Client(config) };
}
