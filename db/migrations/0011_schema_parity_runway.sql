CREATE TABLE "schema_parity_collections" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"collected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ok" boolean NOT NULL,
	"error" text,
	"source_tables" integer,
	"target_tables" integer,
	"source_ms" integer,
	"target_ms" integer,
	"breaking" integer DEFAULT 0 NOT NULL,
	"drift" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runway_proposals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"reason" text NOT NULL,
	"plan" jsonb NOT NULL,
	"projection" jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "schema_parity_collections_at_idx" ON "schema_parity_collections" USING btree ("collected_at");