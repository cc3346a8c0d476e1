import type { LoaderFunctionArgs } from "@remix-run/node";
import { respond } from "~/api/answer.server";
import { backfillAnswer } from "~/api/backfills.server";

/** GET /api/v1/backfills/:id -> `{ status, progress, copied, skippedExisting, setAside, rounds, remaining, ... }`. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return respond(backfillAnswer(request.headers.get("authorization"), params.id ?? ""));
}
