// A local server that answers like the provider, for tests and demo mode: the calls the plugin
// makes, the provider's error shape, and realistic trouble (three failed jobs, one retried twice).
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface SandboxJob {
  id: string;
  queue: string;
  state: "failed" | "queued" | "done";
  failedAt: string;
  reason: string;
  attempts: number;
}

export interface __NAME__Sandbox {
  url: string;
  token: string;
  jobs: Map<string, SandboxJob>;
  stop(): Promise<void>;
}

export function seedJobs(now = Date.now()): SandboxJob[] {
  const ago = (min: number) => new Date(now - min * 60_000).toISOString();
  return [
    { id: "job_01", queue: "emails", state: "failed", failedAt: ago(42), reason: "SMTP 451: temporary local problem", attempts: 3 },
    { id: "job_02", queue: "invoices", state: "failed", failedAt: ago(17), reason: "timeout after 30s", attempts: 1 },
    { id: "job_03", queue: "emails", state: "failed", failedAt: ago(5), reason: "SMTP 451: temporary local problem", attempts: 2 },
    { id: "job_04", queue: "invoices", state: "done", failedAt: ago(90), reason: "", attempts: 1 },
  ];
}

export async function start__NAME__Sandbox(opts: { token?: string; jobs?: SandboxJob[] } = {}): Promise<__NAME__Sandbox> {
  const token = opts.token ?? `sbx_${crypto.randomBytes(12).toString("hex")}`;
  const jobs = new Map((opts.jobs ?? seedJobs()).map((j) => [j.id, { ...j }]));
  const send = (res: http.ServerResponse, status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  const publicJob = ({ id, queue, state, failedAt, reason, attempts }: SandboxJob) => ({ id, queue, state, failedAt, reason, attempts });

  const server = http.createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: { message: "invalid API token" } });
    const url = new URL(req.url ?? "/", "http://sandbox");
    const one = /^\/v1\/jobs\/([^/]+)(\/retry)?$/.exec(url.pathname);
    if (req.method === "GET" && url.pathname === "/v1/jobs") {
      const state = url.searchParams.get("state");
      return send(res, 200, { jobs: [...jobs.values()].filter((j) => !state || j.state === state).map(publicJob) });
    }
    if (one) {
      const job = jobs.get(decodeURIComponent(one[1]!));
      if (!job) return send(res, 404, { error: { message: `no such job: ${one[1]}` } });
      if (req.method === "GET" && !one[2]) return send(res, 200, publicJob(job));
      if (req.method === "POST" && one[2]) {
        if (job.state !== "failed") return send(res, 409, { error: { message: `job ${job.id} is ${job.state}, not failed` } });
        job.state = "queued";
        job.attempts++;
        return send(res, 200, { id: job.id, state: job.state });
      }
    }
    send(res, 404, { error: { message: `no route ${req.method} ${url.pathname}` } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    jobs,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
