/**
 * A reconciliation worker process for bench:reconcile: runs `loops` worker loops of one job (as one worker
 * machine's handlers would) against the databases in the environment, then prints its peak RSS as JSON.
 *   tsx bench/support/reconciliation-worker.ts <jobId> [loops]
 */
import postgres from "postgres";
import { runReconciliationWorker } from "../../app/reconciliation/worker.server";
import { closeControlDb } from "../../app/utils/db.server";

const [jobId, loops = "2"] = process.argv.slice(2);
const source = postgres(process.env.SOURCE_DATABASE_URL!, { max: Number(loops) * 2, onnotice: () => {} });
const target = postgres(process.env.TARGET_DATABASE_URL!, { max: Number(loops) * 2, onnotice: () => {} });

async function main() {
  await Promise.all(Array.from({ length: Number(loops) }, (_, i) => runReconciliationWorker(jobId, { source, target }, { workerId: `bench-${i}` })));
  await Promise.all([source.end(), target.end(), closeControlDb()]);
  process.stdout.write(`${JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
