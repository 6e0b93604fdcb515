import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { csvCell, EXPORT_FIELDS, exportRecord, iterateAudit, parseAuditFilter } from "~/core/audit/query.server";
import { requireUser } from "~/core/auth.server";
import { getPortal } from "~/core/portal.server";

/** GET /audit/export?format=ndjson|csv (+ the explorer's filters): streamed, oldest first. */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  const url = new URL(request.url);
  const format = url.searchParams.get("format") ?? "ndjson";
  if (format !== "ndjson" && format !== "csv") return json({ error: "format must be ndjson or csv", fieldErrors: { format: ["use ndjson or csv"] } }, { status: 400 });
  const { filter, fieldErrors } = parseAuditFilter(url.searchParams);
  if (Object.keys(fieldErrors).length) return json({ error: "invalid filter", fieldErrors }, { status: 400 });
  const { store, log } = getPortal();
  const encoder = new TextEncoder();
  const entries = iterateAudit(store, filter);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      if (format === "csv") controller.enqueue(encoder.encode(EXPORT_FIELDS.join(",") + "\n"));
    },
    async pull(controller) {
      try {
        let lines = "";
        for (let i = 0; i < 500; i++) {
          const { value, done } = await entries.next();
          if (done) {
            if (lines) controller.enqueue(encoder.encode(lines));
            controller.close();
            return;
          }
          const rec = exportRecord(value);
          lines += format === "csv" ? EXPORT_FIELDS.map((f) => csvCell(rec[f])).join(",") + "\n" : JSON.stringify(rec) + "\n";
        }
        controller.enqueue(encoder.encode(lines));
      } catch (err) {
        log.error({ err }, "audit export failed");
        controller.error(err);
      }
    },
    async cancel() {
      await entries.return(undefined);
    },
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return new Response(stream, {
    headers: {
      "Content-Type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="opsdeck-audit-${stamp}.${format === "csv" ? "csv" : "ndjson"}"`,
      "Cache-Control": "no-store",
    },
  });
}
