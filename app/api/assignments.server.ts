import { assign, assignmentBatchSchema, attributesSchema, issueList } from "./assignment-request.server";
import { getServedRuleset } from "~/rollout/served-ruleset.server";
import { MAX_ASSIGNMENT_BATCH, userIdProblem } from "~/rollout/user-id";
import { answerUnlessUnavailable, apiErrorAnswer, jsonAnswer, jsonBodyAnswer, type ApiAnswer, type RequestBody } from "./answer.server";
import { authorizeApiToken } from "./token-auth.server";

// 10,000 users with 256-character ids and four attributes stay well under this.
const MAX_BATCH_BODY_BYTES = 16 * 1024 * 1024;

/**
 * GET /api/v1/assignments/:userId?region=&country=&schoolId=&plan=: the user's assignment, from the
 * Authorization header, the decoded user id and the query (also served by the fast path).
 */
export function assignmentAnswer(authorization: string | null | undefined, userId: string, query: URLSearchParams): Promise<ApiAnswer> {
  return answerUnlessUnavailable(oneAssignment(authorization, userId, query));
}

async function oneAssignment(authorization: string | null | undefined, userId: string, query: URLSearchParams): Promise<ApiAnswer> {
  const auth = await authorizeApiToken(authorization, "assignments:read");
  if ("denied" in auth) return auth.denied;
  // The one user-id validation, called directly: the zod wrapper (userIdSchema) costs more than the rest here.
  const problem = userIdProblem(userId);
  if (problem) return apiErrorAnswer(400, problem, { errors: [{ path: "", message: problem }] });
  const attributes = attributesSchema.safeParse(Object.fromEntries(query));
  if (!attributes.success)
    return apiErrorAnswer(400, "Bad attributes: only region, country, schoolId and plan are accepted.", { errors: issueList(attributes.error) });
  const { compiled } = await getServedRuleset();
  return jsonAnswer(assign(compiled, userId, attributes.data));
}

/** POST /api/v1/assignments `{ users: [{ id, attributes? }] }` (1..10,000) -> `{ rulesetVersion, assignments }`. */
export function assignmentBatchAnswer(authorization: string | null | undefined, requestBody: RequestBody): Promise<ApiAnswer> {
  return answerUnlessUnavailable(batchAssignments(authorization, requestBody));
}

async function batchAssignments(authorization: string | null | undefined, requestBody: RequestBody): Promise<ApiAnswer> {
  const auth = await authorizeApiToken(authorization, "assignments:read");
  if ("denied" in auth) return auth.denied;
  const parsedBody = await jsonBodyAnswer(requestBody, MAX_BATCH_BODY_BYTES);
  if ("denied" in parsedBody) return parsedBody.denied;
  const body = parsedBody.value;
  const users = (body as { users?: unknown } | null)?.users;
  if (Array.isArray(users) && users.length > MAX_ASSIGNMENT_BATCH) {
    return apiErrorAnswer(400, `Too many users: ${users.length}, at most ${MAX_ASSIGNMENT_BATCH} per request.`);
  }
  const parsed = assignmentBatchSchema.safeParse(body);
  if (!parsed.success) {
    const errors = issueList(parsed.error);
    return apiErrorAnswer(400, `Bad request: ${errors[0].path ? `${errors[0].path}: ` : ""}${errors[0].message}`, { errors: errors.slice(0, 100) });
  }
  // One ruleset for the whole batch, so every answer carries the same version.
  const { compiled } = await getServedRuleset();
  return jsonAnswer({ rulesetVersion: compiled.version, assignments: parsed.data.users.map((u) => assign(compiled, u.id, u.attributes)) });
}
