/** One polite GET of a status page: conditional (ETag / If-Modified-Since), capped in size and time. */

export class StatusFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StatusFetchError";
  }
}

export interface Validators {
  etag: string | null;
  lastModified: string | null;
}

export type FetchAnswer = { notModified: true; validators: Validators } | { notModified: false; text: string; validators: Validators };

export interface FetchOptions {
  validators?: Validators | null;
  timeoutMs: number;
  maxBytes: number;
  accept?: string;
}

export async function fetchStatus(url: string, opts: FetchOptions): Promise<FetchAnswer> {
  const headers: Record<string, string> = { accept: opts.accept ?? "application/json", "user-agent": "opsdeck-statuspage/1" };
  if (opts.validators?.etag) headers["if-none-match"] = opts.validators.etag;
  if (opts.validators?.lastModified) headers["if-modified-since"] = opts.validators.lastModified;
  const signal = AbortSignal.timeout(opts.timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { headers, signal, redirect: "follow" });
  } catch (err) {
    throw new StatusFetchError(signal.aborted ? `no answer within ${opts.timeoutMs} ms` : `could not reach ${new URL(url).host}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
  }
  const validators = { etag: res.headers.get("etag"), lastModified: res.headers.get("last-modified") };
  if (res.status === 304) {
    await res.body?.cancel().catch(() => {});
    return { notModified: true, validators: { etag: validators.etag ?? opts.validators?.etag ?? null, lastModified: validators.lastModified ?? opts.validators?.lastModified ?? null } };
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new StatusFetchError(`${new URL(url).host} answered HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > opts.maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw new StatusFetchError(`answer too large: ${declared} bytes (maxBytes ${opts.maxBytes})`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > opts.maxBytes) {
        await reader.cancel().catch(() => {});
        throw new StatusFetchError(`answer too large: more than ${opts.maxBytes} bytes (maxBytes)`);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof StatusFetchError) throw err;
    throw new StatusFetchError(signal.aborted ? `no complete answer within ${opts.timeoutMs} ms` : `answer cut off: ${(err as Error).message}`);
  }
  return { notModified: false, text: Buffer.concat(chunks).toString("utf8"), validators };
}
