import type { ActionFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { MAX_ASSIGNMENT_BATCH } from "~/rollout/user-id";
import { assign, assignmentBatchSchema, issueList } from "~/models/rollout-api.server";
import { getServedRuleset } from "~/models/ruleset.server";
import { requireApiToken } from "~/utils/api-auth.server";
import { apiError, readJsonBody } from "~/utils/api.server";

// 10,000 users with 256-character ids and four attributes stay well under this.
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export async function loader() {
  return apiError(405, "Use POST with { users: [{ id, attributes }] }, or GET /api/v1/assignments/:userId.", undefined, { Allow: "POST" });
}

/** POST /api/v1/assignments `{ users: [{ id, attributes? }] }` (1..10,000) -> `{ rulesetVersion, assignments }`. */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return apiError(405, "Use POST.", undefined, { Allow: "POST" });
  await requireApiToken(request, "assignments:read");
  const body = await readJsonBody(request, MAX_BODY_BYTES);
  const users = (body as { users?: unknown } | null)?.users;
  if (Array.isArray(users) && users.length > MAX_ASSIGNMENT_BATCH) {
    return apiError(400, `Too many users: ${users.length}, at most ${MAX_ASSIGNMENT_BATCH} per request.`);
  }
  const parsed = assignmentBatchSchema.safeParse(body);
  if (!parsed.success) {
    const errors = issueList(parsed.error);
    return apiError(400, `Bad request: ${errors[0].path ? `${errors[0].path}: ` : ""}${errors[0].message}`, { errors: errors.slice(0, 100) });
  }
  // One ruleset for the whole batch, so every answer carries the same version.
  const { compiled } = await getServedRuleset();
  return json({ rulesetVersion: compiled.version, assignments: parsed.data.users.map((u) => assign(compiled, u.id, u.attributes)) });
}
