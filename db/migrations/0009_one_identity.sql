CREATE TABLE "migration_steps" (
	"name" text PRIMARY KEY NOT NULL,
	"applied_at" timestamp with time zone DEFAULT now() NOT NULL,
	"summary" jsonb
);
--> statement-breakpoint
ALTER TABLE "mismatches" ADD COLUMN "shadow_read_occurrences" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "mismatches" ADD COLUMN "dual_write_occurrences" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "mismatches" ADD COLUMN "reconciliation_occurrences" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Records stored before the per-origin counts were seen only by the origin they carry.
UPDATE "mismatches" SET
  "shadow_read_occurrences" = CASE WHEN "origin" = 'shadow_read' THEN "occurrences" ELSE 0 END,
  "dual_write_occurrences" = CASE WHEN "origin" = 'dual_write_error' THEN "occurrences" ELSE 0 END,
  "reconciliation_occurrences" = CASE WHEN "origin" = 'reconciliation' THEN "occurrences" ELSE 0 END;
