-- A staged batch is written once and read once, by the fold that deletes it. lz4 compresses it for less than the
-- WAL it saves; pglz (what a server built without lz4 has) cost more than writing the batch out whole, a sixth of
-- the staging insert's CPU on the embedded server. So: lz4 where the server has it, else no compression.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)) THEN
    ALTER TABLE "mismatch_inbox" ALTER COLUMN "records" SET COMPRESSION lz4;
  ELSE
    ALTER TABLE "mismatch_inbox" ALTER COLUMN "records" SET STORAGE EXTERNAL;
  END IF;
END $$;
