import { doctorCheck, type DoctorCheck, type DoctorContext } from "../plugin-api";
import { createPaddle, describePaddleError, isPaddleError } from "./client.server";
import type { PaddleConfig } from "./config";

/** The notification settings (destinations) the probes watch: the key reads them and the configured ids exist. */
export async function paddleDoctor({ config }: DoctorContext<PaddleConfig>): Promise<DoctorCheck[]> {
  const paddle = createPaddle(config);
  let ids: string[] = [];
  const settings = await doctorCheck(
    "notification settings",
    (wrapped) => {
      const err = (wrapped as { cause?: unknown }).cause ?? wrapped;
      if (isPaddleError(err, "forbidden")) return 'grant the API key the "Notification settings: Read" and "Notifications: Read" permissions (Paddle → Developer tools → Authentication), or set one that has them in plugins.paddle.apiKey';
      if (isPaddleError(err)) return `plugins.paddle.apiKey is refused: set a current ${config.environment === "sandbox" ? "pdl_sdbx_apikey_…" : "pdl_live_apikey_…"} key (a sandbox key works only with environment: sandbox)`;
      return `make the Paddle API reachable from the portal, or correct plugins.paddle.environment`;
    },
    async () => {
      try {
        const list = await paddle.notificationSettings.list();
        ids = list.map((s) => s.id);
        return `${list.length} destination(s), ${list.filter((s) => s.active).length} active`;
      } catch (err) {
        throw new Error(describePaddleError(err), { cause: err });
      }
    },
  );
  const checks = [settings];
  if (settings.ok) {
    for (const id of config.notificationSettingIds) {
      const known = ids.includes(id);
      checks.push({ name: `destination ${id}`, ok: known, detail: known ? "exists" : "no notification setting of this account has this id", ...(known ? {} : { fix: `remove ${id} from plugins.paddle.notificationSettingIds or use an id from Developer tools → Notifications` }) });
    }
  }
  return checks;
}
