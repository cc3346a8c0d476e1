ALTER TABLE "cohorts" ADD COLUMN "ramp_clock_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
-- Existing ramps keep the clock they had: until now it was the cohort's last change.
UPDATE "cohorts" SET "ramp_clock_at" = "updated_at";
