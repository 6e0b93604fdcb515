import dns from "node:dns/promises";
import net from "node:net";
import tls from "node:tls";
import { doctorCheck, type DoctorCheck, type DoctorContext } from "../plugin-api";
import type { HttpConfig } from "./config";

/** Each check's host resolves, and an https check's certificate is valid for it (with its expiry); no request is sent to the endpoint itself. */
export async function httpDoctor({ config, signal }: DoctorContext<HttpConfig>): Promise<DoctorCheck[]> {
  const perCheck = Object.entries(config.checks).map(async ([name, check]): Promise<DoctorCheck[]> => {
    const url = new URL(check.url);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const dnsCheck = await doctorCheck(`${name}: DNS`, `make ${url.hostname} resolvable from the portal's host, or correct plugins.http.checks.${name}.url`, async () => {
      if (net.isIP(host)) return `${host} is an address (no lookup needed)`;
      const found = await dns.lookup(host, { all: true });
      return `${host} → ${found.map((a) => a.address).join(", ")}`;
    });
    // A name that does not resolve has no certificate to check: one problem, said once.
    if (!dnsCheck.ok || url.protocol !== "https:") return [dnsCheck];
    const tlsCheck = await doctorCheck(`${name}: TLS`, `renew or fix the certificate served at ${url.host} (it must be valid for ${host} and trusted by the system's CAs), or correct plugins.http.checks.${name}.url`, () =>
      tlsCertificate(host, Number(url.port || 443), signal),
    );
    return [dnsCheck, tlsCheck];
  });
  if (!perCheck.length) return [{ name: "checks", ok: false, detail: "plugins.http has no checks", fix: "add a health endpoint under plugins.http.checks.<name>.url, or remove the http section" }];
  return (await Promise.all(perCheck)).flat();
}

function tlsCertificate(host: string, port: number, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, timeout: 5000 });
    const done = (err: Error | null, detail?: string) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(detail!);
    };
    signal.addEventListener("abort", () => done(new Error("aborted")), { once: true });
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      const days = Math.floor((new Date(cert.valid_to).getTime() - Date.now()) / 86_400_000);
      if (days < 0) return done(new Error(`certificate expired ${-days} day(s) ago (${cert.valid_to})`));
      done(null, `certificate for ${cert.subject?.CN ?? host} valid until ${cert.valid_to} (${days} days)`);
    });
    socket.once("timeout", () => done(new Error(`no TLS handshake with ${host}:${port} within 5 s`)));
    socket.once("error", (err) => done(err));
  });
}
