import type { LoaderFunctionArgs } from "@remix-run/node";
import { respond } from "~/api/answer.server";
import { reconciliationAnswer } from "~/api/reconciliations.server";

/** GET /api/v1/reconciliations/:id -> `{ id, status, progress: {...}, counts: {...} }`. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return respond(reconciliationAnswer(request.headers.get("authorization"), params.id ?? ""));
}
