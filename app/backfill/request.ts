import { z } from "zod";
import { tableNameSchema } from "../reconciliation/request";

/** What a caller may ask for (API body and the cohort page alike): one schema, validated on the server. */
export const backfillRequestSchema = z.object({
  table: tableNameSchema,
  scope: z
    .discriminatedUnion("kind", [
      z.object({ kind: z.literal("table") }),
      z.object({ kind: z.literal("range"), from: z.array(z.string()).min(1).optional(), to: z.array(z.string()).min(1).optional() }),
      z.object({ kind: z.literal("users"), column: z.string().min(1).max(200), ids: z.array(z.string()).min(1).max(100_000) }),
      // resolved to the cohort's users by the first worker (members are never taken from the caller)
      z.object({ kind: z.literal("cohort"), cohortId: z.string().uuid("must be a cohort id"), column: z.string().min(1).max(200) }).strict(),
    ])
    .default({ kind: "table" }),
  rowsPerSecond: z.number().int().positive().max(10_000_000).nullable().optional(),
  batchRows: z.number().int().min(1).max(50_000).optional(),
  workers: z.number().int().min(1).max(16).optional(),
  maxRounds: z.number().int().min(1).max(10).optional(),
  reason: z.string().trim().min(1, "say why").max(500),
});

export type BackfillRequest = z.infer<typeof backfillRequestSchema>;
