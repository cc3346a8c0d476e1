import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { assign, attributesSchema, issueList, userIdSchema } from "~/models/rollout-api.server";
import { getServedRuleset } from "~/models/ruleset.server";
import { requireApiToken } from "~/utils/api-auth.server";
import { apiError } from "~/utils/api.server";

/** GET /api/v1/assignments/:userId?region=&country=&schoolId=&plan= -> the user's assignment. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireApiToken(request, "assignments:read");
  const userId = userIdSchema.safeParse(params.userId ?? "");
  if (!userId.success) return apiError(400, issueList(userId.error)[0].message, { errors: issueList(userId.error) });
  const query = Object.fromEntries(new URL(request.url).searchParams);
  const attributes = attributesSchema.safeParse(query);
  if (!attributes.success) return apiError(400, "Bad attributes: only region, country, schoolId and plan are accepted.", { errors: issueList(attributes.error) });
  const { compiled } = await getServedRuleset();
  return json(assign(compiled, userId.data, attributes.data));
}
