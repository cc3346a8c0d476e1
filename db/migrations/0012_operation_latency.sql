CREATE TYPE "public"."latency_side" AS ENUM('source', 'target');--> statement-breakpoint
CREATE TABLE "cohort_latency_budgets" (
	"cohort_id" uuid PRIMARY KEY NOT NULL,
	"p99_factor" double precision NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cohort_latency_budgets_factor" CHECK ("cohort_latency_budgets"."p99_factor" >= 1 and "cohort_latency_budgets"."p99_factor" <= 100)
);
--> statement-breakpoint
CREATE TABLE "operation_latency" (
	"minute" timestamp with time zone NOT NULL,
	"cohort_id" text DEFAULT '' NOT NULL,
	"table_name" text NOT NULL,
	"operation" text NOT NULL,
	"side" "latency_side" NOT NULL,
	"count" bigint NOT NULL,
	"errors" bigint NOT NULL,
	"sum_ms" double precision NOT NULL,
	"buckets" bigint[] NOT NULL,
	CONSTRAINT "operation_latency_minute_cohort_id_table_name_operation_side_pk" PRIMARY KEY("minute","cohort_id","table_name","operation","side")
);
--> statement-breakpoint
ALTER TABLE "cohort_latency_budgets" ADD CONSTRAINT "cohort_latency_budgets_cohort_id_cohorts_id_fk" FOREIGN KEY ("cohort_id") REFERENCES "public"."cohorts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "operation_latency_cohort_idx" ON "operation_latency" USING btree ("cohort_id","minute");