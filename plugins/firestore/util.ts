import type { Link } from "../plugin-api";

/** Races a promise against an abort signal (the SDK takes no signal). */
export function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("aborted");
}

/** The Firebase console page of a collection or document. */
export function consoleLink(projectId: string, path: string): Link {
  const encoded = path.split("/").map(encodeURIComponent).join("~2F");
  return { label: "Open in Firebase console", href: `https://console.firebase.google.com/project/${encodeURIComponent(projectId)}/firestore/data/~2F${encoded}` };
}
