import type { LoaderFunctionArgs } from "@remix-run/node";
import { assign, attributesSchema, issueList } from "~/models/rollout-api.server";
import { getServedRuleset } from "~/models/ruleset.server";
import { userIdProblem } from "~/rollout/user-id";
import { authorizeApiToken } from "~/utils/api-auth.server";
import { answerResponse, answerUnlessUnavailable, apiErrorAnswer, jsonAnswer, type ApiAnswer } from "~/utils/api.server";

/** GET /api/v1/assignments/:userId?region=&country=&schoolId=&plan= -> the user's assignment. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return answerResponse(await assignmentAnswer(request.headers.get("authorization"), params.userId ?? "", new URL(request.url).searchParams));
}

/**
 * The answer from the Authorization header, the decoded user id and the query (also served by the fast path);
 * 503 while the control database cannot be reached.
 */
export function assignmentAnswer(authorization: string | null | undefined, userId: string, query: URLSearchParams): Promise<ApiAnswer> {
  return answerUnlessUnavailable(answer(authorization, userId, query));
}

async function answer(authorization: string | null | undefined, userId: string, query: URLSearchParams): Promise<ApiAnswer> {
  const auth = await authorizeApiToken(authorization, "assignments:read");
  if ("denied" in auth) return auth.denied;
  // The one user-id validation, called directly: the zod wrapper (userIdSchema) costs more than the rest here.
  const problem = userIdProblem(userId);
  if (problem) return apiErrorAnswer(400, problem, { errors: [{ path: "", message: problem }] });
  const attributes = attributesSchema.safeParse(Object.fromEntries(query));
  if (!attributes.success) return apiErrorAnswer(400, "Bad attributes: only region, country, schoolId and plan are accepted.", { errors: issueList(attributes.error) });
  const { compiled } = await getServedRuleset();
  return jsonAnswer(assign(compiled, userId, attributes.data));
}
