ALTER TABLE "reconciliation_jobs" ADD COLUMN "interrupted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "reconciliation_jobs" ADD COLUMN "interruption" text;--> statement-breakpoint
ALTER TABLE "backfill_jobs" ADD COLUMN "interrupted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "backfill_jobs" ADD COLUMN "interruption" text;