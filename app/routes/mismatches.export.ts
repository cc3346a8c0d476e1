import type { LoaderFunctionArgs } from "@remix-run/node";
import { parseMismatchQuery } from "~/mismatches/query";
import { EXPORT_COLUMNS, exportMismatches } from "~/models/mismatch-export.server";
import { requireRole } from "~/utils/auth.server";

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * GET /mismatches/export?format=csv|json&<the triage filters>: every matching record, streamed from a database
 * cursor as it is read, so the size of the export is bounded by the disk of the person downloading it, not by memory.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "viewer");
  const url = new URL(request.url);
  const format = url.searchParams.get("format") === "json" ? "json" : "csv";
  const filter = parseMismatchQuery(url.searchParams);
  const encoder = new TextEncoder();
  const records = exportMismatches(filter);
  let first = true;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(format === "csv" ? `${EXPORT_COLUMNS.join(",")}\r\n` : "["));
    },
    async pull(controller) {
      try {
        // Up to 500 records per pull: enough to amortize the await, small enough to honour backpressure.
        for (let i = 0; i < 500; i++) {
          const next = await records.next();
          if (next.done) {
            if (format === "json") controller.enqueue(encoder.encode("]\n"));
            controller.close();
            return;
          }
          const line =
            format === "csv" ? `${EXPORT_COLUMNS.map((c) => csvCell(next.value[c])).join(",")}\r\n` : `${first ? "\n" : ",\n"}${JSON.stringify(next.value)}`;
          first = false;
          controller.enqueue(encoder.encode(line));
        }
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      await records.return(undefined);
    },
  });
  const stamp = new Date().toISOString().slice(0, 19).replaceAll(":", "-");
  return new Response(stream, {
    headers: {
      "Content-Type": format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="mismatches-${stamp}.${format}"`,
      "Cache-Control": "no-store",
    },
  });
}
