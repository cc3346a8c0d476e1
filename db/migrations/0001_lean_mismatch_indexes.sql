CREATE INDEX "mismatches_triaged_last_seen_idx" ON "mismatches" USING btree ("status","last_seen_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "mismatches"."status" <> 'open';--> statement-breakpoint
CREATE INDEX "mismatches_repeated_idx" ON "mismatches" USING btree ("occurrences" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "mismatches"."occurrences" > 1;--> statement-breakpoint
ALTER TABLE "mismatches" ADD CONSTRAINT "mismatches_occurrences_positive" CHECK ("mismatches"."occurrences" >= 1);--> statement-breakpoint
DROP INDEX "mismatches_status_last_seen_idx";--> statement-breakpoint
DROP INDEX "mismatches_occurrences_idx";
