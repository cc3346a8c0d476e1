import type { LoaderFunctionArgs } from "@remix-run/node";
import { respond } from "~/api/answer.server";
import { assignmentAnswer } from "~/api/assignments.server";

/** GET /api/v1/assignments/:userId?region=&country=&schoolId=&plan= -> the user's assignment. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return respond(assignmentAnswer(request.headers.get("authorization"), params.userId ?? "", new URL(request.url).searchParams));
}
