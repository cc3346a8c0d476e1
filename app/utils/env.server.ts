import { z } from "zod";

const postgresUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      return ["postgres:", "postgresql:"].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, "must be a postgres:// or postgresql:// URL");

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  CUTOVER_DATABASE_URL: postgresUrl,
  SOURCE_DATABASE_URL: postgresUrl,
  TARGET_DATABASE_URL: postgresUrl,
  SESSION_SECRET: z.string().min(16, "must be at least 16 characters"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** Seeded demo logins and the demo API token exist only when this is on (set by the embedded default). */
  CUTOVER_DEMO: z
    .enum(["true", "false", "1", "0", ""])
    .default("false")
    .transform((v) => v === "true" || v === "1"),
  /** Statement timeout for everything Cutover runs on the source and target (repairs included). */
  CUTOVER_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** Webhook deliveries: attempts in all, and the first retry's delay in seconds (each later one about doubles). */
  CUTOVER_WEBHOOK_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  CUTOVER_WEBHOOK_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
  /**
   * Reconciliation and backfill jobs one worker process runs at once (each queue). More than one, so a slow,
   * throttled job never holds back the next one queued behind it; add processes to scale further.
   */
  CUTOVER_WORKER_JOBS: z.coerce.number().int().min(1).max(64).default(4),
});

export type Env = z.infer<typeof schema>;

export class EnvError extends Error {}

/** Validates the environment; the error names each bad variable in one line (never a stack trace at start-up). */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = schema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.join(".");
      return issue.code === "invalid_type" && issue.received === "undefined" ? `${name} is not set` : `${name} ${issue.message}`;
    });
    throw new EnvError(`Invalid configuration: ${problems.join("; ")}`);
  }
  return result.data;
}

let cached: Env | undefined;

export function getEnv(): Env {
  cached ??= parseEnv();
  return cached;
}
