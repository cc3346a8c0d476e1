import { z } from "zod";
import { MODES } from "./modes";
import { parsePercent } from "./percent";
import { parseRampSteps, rampPlanProblems } from "./ramp";

/**
 * The cohort form (create and edit pages) as one zod schema: text fields in, the model's CohortInput out.
 * Lists are comma/space/newline separated; percentages accept 0.01% steps.
 */
const list = (max: number) =>
  z
    .string()
    .optional()
    .transform((text) => [...new Set((text ?? "").split(/[\s,]+/).filter(Boolean))])
    .refine((values) => values.length <= max, `at most ${max.toLocaleString("en")} values`);

export const cohortFormSchema = z
  .object({
    name: z.string().trim().min(1, "a name is required").max(100),
    description: z.string().trim().max(1000).optional().default(""),
    priority: z.coerce.number().int("a whole number").min(0).max(1_000_000),
    mode: z.enum(MODES),
    percent: z.string().transform((text, ctx) => {
      const bp = parsePercent(text);
      if (bp === null) ctx.addIssue({ code: z.ZodIssueCode.custom, message: "a percentage from 0 to 100 in 0.01% steps" });
      return bp ?? 0;
    }),
    regions: list(100),
    countries: list(300),
    schoolIds: list(100_000),
    plans: list(20),
    userIds: list(100_000),
    mismatchBudgetPercent: z
      .string()
      .optional()
      .transform((text, ctx) => {
        if (!text?.trim()) return null;
        const value = Number(text);
        if (!(value >= 0 && value <= 100)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: "a percentage from 0 to 100" });
        return value / 100;
      }),
    budgetWindowMinutes: z.coerce
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(60),
    rampSteps: z
      .string()
      .optional()
      .transform((text, ctx) => {
        if (!text?.trim()) return null;
        const steps = parseRampSteps(text);
        if (!steps) ctx.addIssue({ code: z.ZodIssueCode.custom, message: "steps like 1% -> 5% -> 25% -> 100%" });
        return steps;
      }),
    rampEveryHours: z
      .string()
      .optional()
      .transform((text) => (text?.trim() ? Number(text) : null)),
    reason: z.string().trim().min(1, "a reason is required for every change").max(1000),
    confirmed: z.literal("on").optional(),
    restartRampClock: z.literal("on").optional(),
  })
  .superRefine((form, ctx) => {
    if ((form.rampSteps === null) !== (form.rampEveryHours === null)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["rampSteps"], message: "a ramp needs both steps and an interval" });
    } else if (form.rampSteps && form.rampEveryHours !== null) {
      for (const message of rampPlanProblems({ steps: form.rampSteps, everyHours: form.rampEveryHours })) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["rampSteps"], message });
      }
    }
  })
  .transform((form) => ({
    input: {
      name: form.name,
      description: form.description,
      priority: form.priority,
      mode: form.mode,
      percentBasisPoints: form.percent,
      constraints: Object.fromEntries(
        (["regions", "countries", "schoolIds", "plans", "userIds"] as const).filter((k) => form[k].length > 0).map((k) => [k, form[k]]),
      ),
      mismatchBudget: form.mismatchBudgetPercent,
      budgetWindowMinutes: form.budgetWindowMinutes,
      rampSteps: form.rampSteps,
      rampEveryHours: form.rampEveryHours,
    },
    reason: form.reason,
    confirmed: form.confirmed === "on",
    restartRampClock: form.restartRampClock === "on",
  }));

export function fieldErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) errors[String(issue.path[0] ?? "form")] ??= issue.message;
  return errors;
}
