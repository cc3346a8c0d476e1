CREATE TABLE "table_owner_columns" (
	"schema_name" text DEFAULT 'public' NOT NULL,
	"table_name" text NOT NULL,
	"column_name" text NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "table_owner_columns_schema_name_table_name_pk" PRIMARY KEY("schema_name","table_name")
);
--> statement-breakpoint
ALTER TABLE "reconciliation_jobs" ADD COLUMN "ignored_by_rule" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "reconciliation_jobs" ADD COLUMN "ignored_rules" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "reconciliation_jobs" ADD COLUMN "not_yet_migrated" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "reconciliation_jobs" ADD COLUMN "owner_column" text;--> statement-breakpoint
ALTER TABLE "reconciliation_jobs" ADD COLUMN "in_flight_window_ms" integer DEFAULT 5000 NOT NULL;