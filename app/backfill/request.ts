import { z } from "zod";
import { tableNameSchema, tableScopeSchema } from "../reconciliation/request";

/** What a caller may ask for (API body and the cohort page alike): one schema, validated on the server. */
export const backfillRequestSchema = z.object({
  table: tableNameSchema,
  scope: tableScopeSchema,
  rowsPerSecond: z.number().int().positive().max(10_000_000).nullable().optional(),
  batchRows: z.number().int().min(1).max(50_000).optional(),
  workers: z.number().int().min(1).max(16).optional(),
  maxRounds: z.number().int().min(1).max(10).optional(),
  reason: z.string().trim().min(1, "say why").max(500),
});

export type BackfillRequest = z.infer<typeof backfillRequestSchema>;
