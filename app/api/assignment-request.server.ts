import { z } from "zod";
import { evaluate, type CompiledRuleset } from "~/rollout/evaluate";
import type { Assignment, UserAttributes } from "~/rollout/types";
import { MAX_ASSIGNMENT_BATCH, userIdProblem } from "~/rollout/user-id";

/** The API's user-id schema: the one validation in app/rollout/user-id.ts, wrapped for zod. */
export const userIdSchema = z.string({ invalid_type_error: "user id must be a string", required_error: "user id is required" }).superRefine((value, ctx) => {
  const problem = userIdProblem(value);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

const attribute = z.string().max(256, "attributes are at most 256 characters");
export const attributesSchema = z
  .object({ region: attribute.optional(), country: attribute.optional(), schoolId: attribute.optional(), plan: attribute.optional() })
  .strict();

export const assignmentBatchSchema = z
  .object({
    users: z
      .array(z.object({ id: userIdSchema, attributes: attributesSchema.optional() }).strict())
      .min(1, "users must list at least one user")
      .max(MAX_ASSIGNMENT_BATCH, `at most ${MAX_ASSIGNMENT_BATCH} users per request`),
  })
  .strict();

/** The assignment as the API answers it (the Assignment type, as the issue's contract names its fields). */
export function assignmentJson(a: Assignment) {
  return { userId: a.userId, mode: a.mode, cohort: a.cohort, bucket: a.bucket, reason: a.reason, explanation: a.explanation, rulesetVersion: a.rulesetVersion };
}

export function assign(compiled: CompiledRuleset, userId: string, attributes?: UserAttributes) {
  return assignmentJson(evaluate(compiled, userId, attributes));
}

/** zod issues as `[{ path, message }]` for the 400 body. */
export function issueList(error: z.ZodError) {
  return error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}
