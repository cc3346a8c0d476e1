import { z } from "zod";
import { MISMATCH_KINDS, MISMATCH_ORIGINS, MISMATCH_STATUSES } from "./contract";

/*
 * The triage list's URL state (filters, sort, cursor): pure, shared by the list, the export and the grouped view,
 * on the server and in the page. The cursor itself is opaque here; the model encodes it.
 */

export const MISMATCH_SORTS = ["last_seen", "first_seen", "occurrences"] as const;
export type MismatchSort = (typeof MISMATCH_SORTS)[number];

const optionalText = z
  .string()
  .trim()
  .max(512)
  .optional()
  .transform((v) => (v ? v : undefined));
const optionalDate = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const ms = Date.parse(v);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: "not a date" });
      return z.NEVER;
    }
    return new Date(ms);
  });

/** The triage page's URL state: filters, sort, cursor. Shared by the list, the export and the grouped view. */
export const mismatchQuerySchema = z.object({
  status: z.array(z.enum(MISMATCH_STATUSES)).default([]),
  origin: z.enum(MISMATCH_ORIGINS).optional().catch(undefined),
  kind: z.enum(MISMATCH_KINDS).optional().catch(undefined),
  table: optionalText,
  cohort: optionalText,
  userId: optionalText,
  field: optionalText,
  /** The reconciliation job whose findings to list ("Open the N mismatches" on a job's page). */
  job: optionalText,
  from: optionalDate.catch(undefined),
  to: optionalDate.catch(undefined),
  sort: z.enum(MISMATCH_SORTS).default("last_seen").catch("last_seen"),
  dir: z.enum(["asc", "desc"]).default("desc").catch("desc"),
  cursor: optionalText,
  /** Page backwards: the rows just before `cursor` in the chosen order. */
  back: z
    .literal("1")
    .optional()
    .catch(undefined)
    .transform((v) => v === "1"),
  limit: z.coerce.number().int().min(1).max(500).default(50).catch(50),
});
export type MismatchQuery = z.infer<typeof mismatchQuerySchema>;
export type MismatchFilter = Omit<MismatchQuery, "sort" | "dir" | "cursor" | "back" | "limit">;

export function parseMismatchQuery(params: URLSearchParams): MismatchQuery {
  const raw: Record<string, unknown> = Object.fromEntries(params);
  raw.status = params.getAll("status").filter((s) => (MISMATCH_STATUSES as readonly string[]).includes(s));
  return mismatchQuerySchema.parse(raw);
}
