CREATE TYPE "public"."backfill_status" AS ENUM('queued', 'copying', 'converging', 'converged', 'not_converged', 'failed', 'cancelled');--> statement-breakpoint
CREATE TABLE "backfill_gate_overrides" (
	"cohort_id" uuid PRIMARY KEY NOT NULL,
	"reason" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "backfill_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"schema_name" text DEFAULT 'public' NOT NULL,
	"table_name" text NOT NULL,
	"scope" jsonb NOT NULL,
	"cohort_id" uuid,
	"status" "backfill_status" DEFAULT 'queued' NOT NULL,
	"rows_per_second" integer,
	"batch_rows" integer NOT NULL,
	"batch_bytes" integer NOT NULL,
	"workers" integer DEFAULT 1 NOT NULL,
	"max_rounds" integer DEFAULT 3 NOT NULL,
	"estimated_rows" bigint,
	"rows_copied" bigint DEFAULT 0 NOT NULL,
	"rows_skipped_existing" bigint DEFAULT 0 NOT NULL,
	"rows_set_aside" integer DEFAULT 0 NOT NULL,
	"ranges_total" integer,
	"ranges_done" integer DEFAULT 0 NOT NULL,
	"rounds" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"remaining" integer,
	"samples" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"converge_heartbeat_at" timestamp with time zone,
	"error" text,
	"actor" jsonb NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"copied_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"cancel_requested_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "backfill_ranges" (
	"job_id" uuid NOT NULL,
	"index" integer NOT NULL,
	"lower" jsonb,
	"upper" jsonb,
	"cursor" jsonb,
	"done" boolean DEFAULT false NOT NULL,
	"claimed_by" text,
	"heartbeat_at" timestamp with time zone,
	"claims" integer DEFAULT 0 NOT NULL,
	"rows_copied" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "backfill_ranges_job_id_index_pk" PRIMARY KEY("job_id","index")
);
--> statement-breakpoint
CREATE TABLE "backfill_set_aside" (
	"id" serial PRIMARY KEY NOT NULL,
	"job_id" uuid NOT NULL,
	"primary_key" jsonb NOT NULL,
	"row" jsonb NOT NULL,
	"sqlstate" text,
	"error" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "backfill_gate_overrides" ADD CONSTRAINT "backfill_gate_overrides_cohort_id_cohorts_id_fk" FOREIGN KEY ("cohort_id") REFERENCES "public"."cohorts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backfill_jobs" ADD CONSTRAINT "backfill_jobs_cohort_id_cohorts_id_fk" FOREIGN KEY ("cohort_id") REFERENCES "public"."cohorts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backfill_ranges" ADD CONSTRAINT "backfill_ranges_job_id_backfill_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."backfill_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backfill_set_aside" ADD CONSTRAINT "backfill_set_aside_job_id_backfill_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."backfill_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "backfill_jobs_created_idx" ON "backfill_jobs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "backfill_jobs_cohort_idx" ON "backfill_jobs" USING btree ("cohort_id","schema_name","table_name","created_at");--> statement-breakpoint
CREATE INDEX "backfill_set_aside_job_idx" ON "backfill_set_aside" USING btree ("job_id","id");