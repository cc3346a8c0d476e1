/**
 * A backfill worker process for bench:backfill: runs `loops` worker loops of one job (as one worker machine's
 * handlers would) against the databases in the environment, then prints its peak RSS as JSON.
 *   tsx bench/support/backfill-worker.ts <jobId> [loops]
 */
import { runBackfillWorker } from "../../app/backfill/worker.server";
import { closeControlDb } from "../../app/utils/db.server";
import { closeSideConnections, repairSql, sideSql } from "../../app/utils/databases.server";

const [jobId, loops = "2"] = process.argv.slice(2);

async function main() {
  const sides = { source: sideSql("source"), target: sideSql("target"), targetWriter: repairSql("target") };
  await Promise.all(Array.from({ length: Number(loops) }, (_, i) => runBackfillWorker(jobId, sides, { workerId: `bench-${i}` })));
  await Promise.all([closeSideConnections(), closeControlDb()]);
  process.stdout.write(`${JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
