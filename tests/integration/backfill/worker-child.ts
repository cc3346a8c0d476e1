/**
 * A backfill worker in its own process, for the SIGKILL test: runs one job's ranges with the model's worker
 * loop against the databases in the environment (CUTOVER/SOURCE/TARGET_DATABASE_URL).
 */
import postgres from "postgres";
import { runBackfillWorker } from "../../../app/backfill/worker.server";

const [jobId] = process.argv.slice(2);
const source = postgres(process.env.SOURCE_DATABASE_URL!, { max: 2, onnotice: () => {} });
const target = postgres(process.env.TARGET_DATABASE_URL!, { max: 2, onnotice: () => {} });
runBackfillWorker(jobId, { source, target, targetWriter: target }, { workerId: "child" })
  .then(() => process.exit(0))
  .catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
