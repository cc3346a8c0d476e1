/**
 * The mismatch reporter under load: enqueue cost per call at 50,000 mismatches/s (budget: under 1 µs), memory
 * while the control plane is up, then stopped for BENCH_OUTAGE_MS (default 30 s) and restarted: the queue stays
 * bounded (drops counted), and every report that fit in the queue arrives exactly once (Idempotency-Key dedup by
 * the local node:http stand-in for POST /api/v1/mismatches).
 * Run: npm run bench:client-reporter      (BENCH_OUTAGE_MS=5000 for a quicker run)
 */
import { MismatchReporter, type MismatchReport } from "../client/src/index";
import { startFakeControlPlane } from "../client/test-support/fake-control-plane";

const RATE_PER_SECOND = 50_000;
const UP_MS = Number(process.env.BENCH_UP_MS ?? 5_000);
const OUTAGE_MS = Number(process.env.BENCH_OUTAGE_MS ?? 30_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 2_000);

let sequence = 0;
function nextReport(): MismatchReport {
  const n = sequence++;
  return {
    origin: "shadow_read",
    kind: "value_mismatch",
    table: "documents",
    primaryKey: String(n),
    userId: `user-${n % 100_000}`,
    cohort: "cohort-eu",
    sourceValue: { id: n, title: "Essay", updated_at: "2026-03-01T10:00:00.123456Z" },
    targetValue: { id: n, title: "Essay", updated_at: "2026-03-01T10:00:00.123Z" },
    columns: ["updated_at"],
  };
}

interface PhaseResult {
  calls: number;
  accepted: number;
  nsPerCall: number;
  worstChunkNsPerCall: number;
  heapSamplesMb: number[];
}

/** Enqueues at RATE_PER_SECOND for durationMs; only the enqueue calls are timed (report objects are built first). */
async function drive(reporter: MismatchReporter, durationMs: number): Promise<PhaseResult> {
  const started = performance.now();
  let calls = 0;
  let accepted = 0;
  let timedNs = 0n;
  let worst = 0;
  const heapSamplesMb: number[] = [];
  let nextSample = started;
  for (;;) {
    const elapsed = performance.now() - started;
    if (elapsed >= durationMs) break;
    const due = Math.floor((elapsed * RATE_PER_SECOND) / 1000) - calls;
    if (due > 0) {
      const chunk = Array.from({ length: due }, nextReport);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < chunk.length; i++) if (reporter.enqueue(chunk[i])) accepted++;
      const spent = process.hrtime.bigint() - t0;
      timedNs += spent;
      if (due >= 20) worst = Math.max(worst, Number(spent) / due);
      calls += due;
    }
    if (performance.now() >= nextSample) {
      // With --expose-gc (the npm script passes it) the sample is live memory, not garbage awaiting collection.
      (globalThis as { gc?: () => void }).gc?.();
      heapSamplesMb.push(process.memoryUsage().heapUsed / 1024 / 1024);
      nextSample += durationMs / 5;
    }
    // Yield like a server between requests, so the reporter's own sends get the event loop too.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { calls, accepted, nsPerCall: Number(timedNs) / calls, worstChunkNsPerCall: worst, heapSamplesMb };
}

function line(label: string, r: PhaseResult): string {
  return (
    `${label}: ${r.calls} enqueues (${r.accepted} accepted), ${r.nsPerCall.toFixed(0)} ns/call ` +
    `(worst chunk ${r.worstChunkNsPerCall.toFixed(0)} ns/call), heap MB ${r.heapSamplesMb.map((m) => m.toFixed(0)).join(" -> ")}\n`
  );
}

async function main() {
  const plane = await startFakeControlPlane();
  const reporter = new MismatchReporter({
    url: plane.url,
    token: plane.token,
    backoffMaxMs: 2_000,
    maxBatchSize: BATCH,
  });
  process.stdout.write(`reporter at ${RATE_PER_SECOND}/s, queue bound 10,000, batches of ${BATCH}, flush every 1 s; budget < 1000 ns/call\n`);

  const up = await drive(reporter, UP_MS);
  process.stdout.write(line(`control plane up (${UP_MS / 1000} s)`, up));

  // Keep only the received keys: the stand-in's own copy of every batch is not the reporter's memory.
  const received: string[] = plane.processed.flatMap((b) => b.mismatches.map((m) => String(m.primaryKey)));
  plane.processed.length = 0;
  await plane.stop();
  const down = await drive(reporter, OUTAGE_MS);
  const duringOutage = reporter.stats();
  process.stdout.write(line(`control plane stopped (${OUTAGE_MS / 1000} s)`, down));
  process.stdout.write(
    `  during the outage: pending ${duringOutage.pending} (bound 10,000 + one batch in flight), dropped ${duringOutage.dropped}, ` +
      `retries ${duringOutage.retries}\n`,
  );

  await plane.start();
  const flushed = await reporter.flush(60_000);
  const stats = reporter.stats();
  const keys = received.concat(plane.processed.flatMap((b) => b.mismatches.map((m) => String(m.primaryKey))));
  const unique = new Set(keys).size;
  const accepted = up.accepted + down.accepted;
  const worstNs = Math.max(up.nsPerCall, down.nsPerCall);
  process.stdout.write(
    `after restart: flushed ${flushed}, accepted ${accepted}, delivered ${stats.delivered}, received ${keys.length} ` +
      `(${unique} distinct), ${plane.mismatchAttempts.length} POST attempts for ${stats.batchesDelivered} batches\n` +
      `lost: ${accepted - unique}, duplicated: ${keys.length - unique}; enqueue budget: ${worstNs < 1000 ? "within" : "OVER"}\n`,
  );
  await reporter.close(1_000);
  await plane.close();
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
