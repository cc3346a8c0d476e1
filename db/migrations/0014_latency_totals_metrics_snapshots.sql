CREATE TABLE "operation_latency_totals" (
	"id" bigserial NOT NULL,
	"table_name" text NOT NULL,
	"operation" text NOT NULL,
	"side" "latency_side" NOT NULL,
	"count" bigint NOT NULL,
	"errors" bigint NOT NULL,
	"sum_ms" double precision NOT NULL,
	"buckets" bigint[] NOT NULL,
	CONSTRAINT "operation_latency_totals_table_name_operation_side_pk" PRIMARY KEY("table_name","operation","side"),
	CONSTRAINT "operation_latency_totals_id_unique" UNIQUE("id")
);
--> statement-breakpoint
CREATE TABLE "metrics_snapshots" (
	"provider" text PRIMARY KEY NOT NULL,
	"exposition" text,
	"family_names" text[],
	"collected_at" timestamp with time zone,
	"refreshing_until" timestamp with time zone
);
--> statement-breakpoint
-- Totals of what was stored before this table existed, series in the order they were first reported.
INSERT INTO "operation_latency_totals" ("table_name", "operation", "side", "count", "errors", "sum_ms", "buckets")
SELECT s.table_name, s.operation, s.side, s.count, s.errors, s.sum_ms,
  (SELECT array_agg(b.n ORDER BY b.i) FROM (
    SELECT u.i, sum(u.v)::bigint AS n FROM "operation_latency" l, unnest(l.buckets) WITH ORDINALITY AS u(v, i)
    WHERE l.table_name = s.table_name AND l.operation = s.operation AND l.side = s.side GROUP BY u.i) b)
FROM (
  SELECT table_name, operation, side, min(minute) AS first, sum(count)::bigint AS count, sum(errors)::bigint AS errors, sum(sum_ms) AS sum_ms
  FROM "operation_latency" GROUP BY 1, 2, 3
) s
ORDER BY s.first, s.table_name, s.operation, s.side;
