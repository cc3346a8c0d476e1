import { z } from "zod";
import { tableNameSchema } from "./request";

const reason = z.string().trim().min(1, "say why").max(500);
// PostgreSQL names are at most 63 bytes; NUL never reaches the control DB (it cannot store it).
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const WITHOUT_NUL = /^[^\u0000]+$/;
const columnName = z.string().trim().min(1, "name the column").max(200).regex(WITHOUT_NUL, "no NUL characters");

/** Settings: the schemas reconciliation may touch (one per line or comma-separated; empty = every application schema). */
export const schemaAllowListFormSchema = z.object({
  intent: z.literal("schema-allow-list"),
  schemas: z
    .string()
    .max(10_000)
    .transform((text) => text.split(/[\s,]+/).filter(Boolean))
    .pipe(z.array(z.string().max(200).regex(WITHOUT_NUL, "no NUL characters")).max(100, "at most 100 schemas")),
  reason,
});

/** Settings: a column whose values mismatch records keep only as a keyed hash. */
export const markSensitiveFormSchema = z.object({ intent: z.literal("mark-sensitive"), table: tableNameSchema, column: columnName, reason });

export const unmarkSensitiveFormSchema = z.object({ intent: z.literal("unmark-sensitive"), table: z.string().min(1).max(400), column: columnName, reason });
