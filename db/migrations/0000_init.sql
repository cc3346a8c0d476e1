CREATE TYPE "public"."role" AS ENUM('viewer', 'support', 'engineer', 'admin');--> statement-breakpoint
CREATE TYPE "public"."mismatch_kind" AS ENUM('missing_in_target', 'extra_in_target', 'value_mismatch', 'write_error');--> statement-breakpoint
CREATE TYPE "public"."mismatch_origin" AS ENUM('shadow_read', 'dual_write_error', 'reconciliation');--> statement-breakpoint
CREATE TYPE "public"."mismatch_status" AS ENUM('open', 'investigating', 'resolved', 'ignored', 'repaired');--> statement-breakpoint
CREATE TYPE "public"."normalization_rule_kind" AS ENUM('ignore_column', 'timestamp_precision', 'numeric_scale', 'float_tolerance', 'json_normalize', 'trailing_spaces', 'null_equals_empty');--> statement-breakpoint
CREATE TYPE "public"."rollout_mode" AS ENUM('source_only', 'dual_write', 'shadow_read', 'target_primary', 'target_only');--> statement-breakpoint
CREATE TYPE "public"."reconciliation_mode" AS ENUM('verify', 'repair');--> statement-breakpoint
CREATE TYPE "public"."reconciliation_status" AS ENUM('queued', 'running', 'succeeded', 'failed', 'cancelled');--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"scopes" text[] NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" text,
	"actor_label" text NOT NULL,
	"action" text NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text,
	"before" jsonb,
	"after" jsonb,
	"reason" text
);
--> statement-breakpoint
CREATE TABLE "login_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"ip" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"role" "role" NOT NULL,
	"password_hash" text NOT NULL,
	"disabled" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "mismatch_comparisons" (
	"cohort_id" text DEFAULT '' NOT NULL,
	"table_name" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"compared" bigint DEFAULT 0 NOT NULL,
	"mismatched" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "mismatch_comparisons_cohort_id_table_name_window_start_pk" PRIMARY KEY("cohort_id","table_name","window_start")
);
--> statement-breakpoint
CREATE TABLE "mismatch_groups" (
	"key" text PRIMARY KEY NOT NULL,
	"table_name" text NOT NULL,
	"kind" "mismatch_kind" NOT NULL,
	"differing_fields" text[] NOT NULL,
	"records" integer DEFAULT 0 NOT NULL,
	"occurrences" bigint DEFAULT 0 NOT NULL,
	"first_seen_at" timestamp (6) with time zone NOT NULL,
	"last_seen_at" timestamp (6) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mismatch_hourly" (
	"hour" timestamp with time zone NOT NULL,
	"group_key" text NOT NULL,
	"origin" "mismatch_origin" NOT NULL,
	"cohort_id" text DEFAULT '' NOT NULL,
	"occurrences" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "mismatch_hourly_hour_group_key_origin_cohort_id_pk" PRIMARY KEY("hour","group_key","origin","cohort_id")
);
--> statement-breakpoint
CREATE TABLE "mismatch_inbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"records" text NOT NULL,
	"comparisons" text NOT NULL,
	"record_count" integer NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mismatch_ingest_keys" (
	"key" text PRIMARY KEY NOT NULL,
	"response" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mismatch_notes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"mismatch_id" bigint NOT NULL,
	"author_id" uuid,
	"author_label" text NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mismatches" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"signature" text NOT NULL,
	"group_key" text NOT NULL,
	"origin" "mismatch_origin" NOT NULL,
	"kind" "mismatch_kind" NOT NULL,
	"table_name" text NOT NULL,
	"primary_key" jsonb NOT NULL,
	"user_id" text,
	"cohort_id" text,
	"fingerprint" text,
	"source_value" json,
	"target_value" json,
	"differing_fields" text[] DEFAULT '{}'::text[] NOT NULL,
	"status" "mismatch_status" DEFAULT 'open' NOT NULL,
	"assignee_id" uuid,
	"ignored_by_rule_id" uuid,
	"reconciliation_job_id" text,
	"occurrences" integer DEFAULT 1 NOT NULL,
	"first_seen_at" timestamp (6) with time zone NOT NULL,
	"last_seen_at" timestamp (6) with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mismatches_signature_key" UNIQUE("signature")
);
--> statement-breakpoint
CREATE TABLE "normalization_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" "normalization_rule_kind" NOT NULL,
	"table_name" text NOT NULL,
	"column_name" text NOT NULL,
	"digits" integer,
	"tolerance" double precision,
	"author_id" uuid,
	"author_label" text NOT NULL,
	"reason" text NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "health_readings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"side" text NOT NULL,
	"slot" bigint NOT NULL,
	"collected_at" timestamp with time zone NOT NULL,
	"ok" boolean NOT NULL,
	"error" text,
	"engine" text,
	"engine_version" text,
	"next_xid" bigint,
	"xid_rate" double precision,
	"detail" jsonb
);
--> statement-breakpoint
CREATE TABLE "health_series" (
	"side" text NOT NULL,
	"metric" text NOT NULL,
	"subject" text DEFAULT '' NOT NULL,
	"resolution" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"value" double precision NOT NULL,
	"peak" double precision NOT NULL,
	CONSTRAINT "health_series_resolution_side_metric_subject_at_pk" PRIMARY KEY("resolution","side","metric","subject","at")
);
--> statement-breakpoint
CREATE TABLE "simulator_minutes" (
	"minute" timestamp with time zone PRIMARY KEY NOT NULL,
	"writes" integer DEFAULT 0 NOT NULL,
	"mirrored_writes" integer DEFAULT 0 NOT NULL,
	"reads" integer DEFAULT 0 NOT NULL,
	"comparisons" integer DEFAULT 0 NOT NULL,
	"mismatches_found" integer DEFAULT 0 NOT NULL,
	"divergences_injected" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "simulator_state" (
	"id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"operations_per_second" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text
);
--> statement-breakpoint
CREATE TABLE "cohort_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"cohort_id" uuid NOT NULL,
	"cohort_version" integer NOT NULL,
	"ruleset_version" bigint NOT NULL,
	"action" text NOT NULL,
	"actor_label" text NOT NULL,
	"reason" text NOT NULL,
	"diff" jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cohorts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"priority" integer NOT NULL,
	"mode" "rollout_mode" NOT NULL,
	"percent_basis_points" integer DEFAULT 0 NOT NULL,
	"salt" text NOT NULL,
	"constraints" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"mismatch_budget" double precision,
	"budget_window_minutes" integer DEFAULT 60 NOT NULL,
	"ramp_steps" integer[],
	"ramp_every_hours" double precision,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cohorts_name_unique" UNIQUE("name"),
	CONSTRAINT "cohorts_percent_range" CHECK ("cohorts"."percent_basis_points" between 0 and 10000)
);
--> statement-breakpoint
CREATE TABLE "pins" (
	"user_id" text PRIMARY KEY NOT NULL,
	"mode" "rollout_mode" NOT NULL,
	"reason" text NOT NULL,
	"expires_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ramp_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"cohort_id" uuid NOT NULL,
	"outcome" text NOT NULL,
	"from_basis_points" integer NOT NULL,
	"to_basis_points" integer NOT NULL,
	"detail" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rollout_state" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	"default_mode" "rollout_mode" DEFAULT 'source_only' NOT NULL,
	"emergency_mode" "rollout_mode",
	"emergency_reason" text,
	"emergency_since" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rollout_state_single_row" CHECK ("rollout_state"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "ruleset_versions" (
	"version" bigint PRIMARY KEY NOT NULL,
	"ruleset" jsonb NOT NULL,
	"actor_label" text NOT NULL,
	"reason" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cohort_verified_tables" (
	"cohort_id" uuid NOT NULL,
	"schema_name" text DEFAULT 'public' NOT NULL,
	"table_name" text NOT NULL,
	"max_age_hours" integer NOT NULL,
	CONSTRAINT "cohort_verified_tables_cohort_id_schema_name_table_name_pk" PRIMARY KEY("cohort_id","schema_name","table_name")
);
--> statement-breakpoint
CREATE TABLE "reconciliation_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"schema_name" text DEFAULT 'public' NOT NULL,
	"table_name" text NOT NULL,
	"scope" jsonb NOT NULL,
	"mode" "reconciliation_mode" DEFAULT 'verify' NOT NULL,
	"status" "reconciliation_status" DEFAULT 'queued' NOT NULL,
	"rows_per_second" integer,
	"concurrency" integer DEFAULT 2 NOT NULL,
	"estimated_rows" bigint,
	"rows_compared" bigint DEFAULT 0 NOT NULL,
	"buckets_total" integer,
	"buckets_done" integer DEFAULT 0 NOT NULL,
	"missing_in_target" integer DEFAULT 0 NOT NULL,
	"extra_in_target" integer DEFAULT 0 NOT NULL,
	"value_mismatch" integer DEFAULT 0 NOT NULL,
	"cleared_on_recheck" integer DEFAULT 0 NOT NULL,
	"drift" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"samples" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error" text,
	"created_by" text NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"cancel_requested_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "reconciliation_ranges" (
	"job_id" uuid NOT NULL,
	"index" integer NOT NULL,
	"buckets" jsonb NOT NULL,
	"done" boolean DEFAULT false NOT NULL,
	"claimed_by" text,
	"heartbeat_at" timestamp with time zone,
	"rows_compared" bigint DEFAULT 0 NOT NULL,
	"differences" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "reconciliation_ranges_job_id_index_pk" PRIMARY KEY("job_id","index")
);
--> statement-breakpoint
CREATE TABLE "reconciliation_schedules" (
	"schema_name" text DEFAULT 'public' NOT NULL,
	"table_name" text NOT NULL,
	"every_hours" integer NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"last_queued_at" timestamp with time zone,
	"created_by" text NOT NULL,
	CONSTRAINT "reconciliation_schedules_schema_name_table_name_pk" PRIMARY KEY("schema_name","table_name")
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mismatch_notes" ADD CONSTRAINT "mismatch_notes_mismatch_id_mismatches_id_fk" FOREIGN KEY ("mismatch_id") REFERENCES "public"."mismatches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mismatch_notes" ADD CONSTRAINT "mismatch_notes_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mismatches" ADD CONSTRAINT "mismatches_assignee_id_users_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "normalization_rules" ADD CONSTRAINT "normalization_rules_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cohort_verified_tables" ADD CONSTRAINT "cohort_verified_tables_cohort_id_cohorts_id_fk" FOREIGN KEY ("cohort_id") REFERENCES "public"."cohorts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciliation_ranges" ADD CONSTRAINT "reconciliation_ranges_job_id_reconciliation_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."reconciliation_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_log_entity_idx" ON "audit_log" USING btree ("entity_type","entity_id");--> statement-breakpoint
CREATE INDEX "audit_log_action_idx" ON "audit_log" USING btree ("action");--> statement-breakpoint
CREATE INDEX "login_attempts_email_at_idx" ON "login_attempts" USING btree ("email","at");--> statement-breakpoint
CREATE INDEX "login_attempts_ip_at_idx" ON "login_attempts" USING btree ("ip","at");--> statement-breakpoint
CREATE INDEX "sessions_user_idx" ON "sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "mismatch_comparisons_window_idx" ON "mismatch_comparisons" USING btree ("window_start","cohort_id");--> statement-breakpoint
CREATE INDEX "mismatch_groups_table_idx" ON "mismatch_groups" USING btree ("table_name");--> statement-breakpoint
CREATE INDEX "mismatch_groups_occurrences_idx" ON "mismatch_groups" USING btree ("occurrences" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "mismatch_hourly_group_idx" ON "mismatch_hourly" USING btree ("group_key","hour","occurrences");--> statement-breakpoint
CREATE INDEX "mismatch_hourly_hour_idx" ON "mismatch_hourly" USING btree ("hour","origin","occurrences");--> statement-breakpoint
CREATE INDEX "mismatch_notes_mismatch_idx" ON "mismatch_notes" USING btree ("mismatch_id","created_at");--> statement-breakpoint
CREATE INDEX "mismatches_last_seen_idx" ON "mismatches" USING btree ("last_seen_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "mismatches_status_last_seen_idx" ON "mismatches" USING btree ("status","last_seen_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "mismatches_table_last_seen_idx" ON "mismatches" USING btree ("table_name","last_seen_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "mismatches_first_seen_idx" ON "mismatches" USING btree ("first_seen_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "mismatches_occurrences_idx" ON "mismatches" USING btree ("occurrences" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "mismatches_user_idx" ON "mismatches" USING btree ("user_id","last_seen_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "normalization_rules_scope_idx" ON "normalization_rules" USING btree ("table_name","column_name");--> statement-breakpoint
CREATE UNIQUE INDEX "health_readings_side_slot_idx" ON "health_readings" USING btree ("side","slot");--> statement-breakpoint
CREATE INDEX "health_readings_side_at_idx" ON "health_readings" USING btree ("side","collected_at");--> statement-breakpoint
CREATE INDEX "health_series_at_idx" ON "health_series" USING btree ("resolution","at");--> statement-breakpoint
CREATE INDEX "cohort_history_cohort_idx" ON "cohort_history" USING btree ("cohort_id","id");--> statement-breakpoint
CREATE INDEX "cohorts_priority_idx" ON "cohorts" USING btree ("priority");--> statement-breakpoint
CREATE INDEX "ramp_events_cohort_idx" ON "ramp_events" USING btree ("cohort_id","id");--> statement-breakpoint
CREATE INDEX "reconciliation_jobs_table_idx" ON "reconciliation_jobs" USING btree ("schema_name","table_name","finished_at");--> statement-breakpoint
CREATE INDEX "reconciliation_jobs_created_idx" ON "reconciliation_jobs" USING btree ("created_at");