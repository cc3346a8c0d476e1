CREATE TABLE "mismatch_inbox_set_aside" (
	"id" bigint PRIMARY KEY NOT NULL,
	"records" text NOT NULL,
	"comparisons" text NOT NULL,
	"record_count" integer NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"set_aside_at" timestamp with time zone DEFAULT now() NOT NULL,
	"error" text NOT NULL
);
