/**
 * Mismatch ingestion throughput (target: >= 50,000 records/s) through the real route action of
 * POST /api/v1/mismatches (token check, whole-batch validation, normalization, dedup upsert, groups, hourly and
 * comparison counts), fed by a SEPARATE process posting batches of 1,000 over HTTP. In the same run, a raw COPY of
 * the same rows into the same (emptied) table is timed as the baseline, and the ratio printed.
 * Uses BENCH_DATABASE_URL (a server admin URL) if set, else a throw-away embedded PostgreSQL.
 *   npm run bench:mismatch-ingest
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:mismatch-ingest
 * BENCH_RECORDS (default 200,000) and BENCH_CONCURRENCY (in-flight batches, default 4) tune the run.
 */
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { benchControlDatabase } from "./support/control-database";

const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000);
const BATCH = 1_000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const TABLES = ["documents", "annotations", "users", "classes", "assignments"];

function batchBody(batchIndex: number): string {
  const now = Date.now();
  const mismatches = Array.from({ length: BATCH }, (_, i) => {
    const n = batchIndex * BATCH + i;
    // One record in ten repeats an earlier key, as a hot row mismatching again would.
    const id = n % 10 === 0 ? n % 5_000 : n;
    const table = TABLES[id % TABLES.length];
    return {
      origin: "shadow_read",
      kind: "value_mismatch",
      table,
      primaryKey: { id },
      userId: `user-${id % 50_000}`,
      cohort: `cohort-${id % 7}`,
      fingerprint: null,
      sourceValue: { id, title: `Worksheet ${id}`, pages: 3, updated_at: "2024-03-01 10:00:00.123456+00", owner_id: id % 977, shared: true },
      targetValue: { id, title: `Worksheet ${id}`, pages: id % 3 === 0 ? 4 : 3, updated_at: "2024-03-01 10:00:00.123+00", owner_id: id % 977, shared: true },
      detectedAt: new Date(now - (n % 3_600) * 1000).toISOString(),
    };
  });
  const comparisons = TABLES.map((table) => ({ cohort: "cohort-1", table, windowStart: new Date(Math.floor(now / 60_000) * 60_000).toISOString(), compared: 10_000, mismatched: 200 }));
  return JSON.stringify({ mismatches, comparisons });
}

/** The sender: a separate process posting batches with a fixed number in flight. */
async function sender(url: string, token: string) {
  const batches = Math.ceil(RECORDS / BATCH);
  const bodies = Array.from({ length: batches }, (_, i) => batchBody(i));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < batches) {
        const index = next++;
        const response = await fetch(url, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", "Idempotency-Key": `bench-${index}` },
          body: bodies[index],
        });
        if (response.status !== 200) throw new Error(`batch ${index}: HTTP ${response.status} ${await response.text()}`);
        await response.arrayBuffer();
      }
    }),
  );
  process.send?.({ seconds: (performance.now() - started) / 1000, records: batches * BATCH });
}

function copyEscape(value: string | null): string {
  if (value === null) return "\\N";
  return value.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

async function main() {
  const control = await benchControlDatabase("mismatch-ingest");
  const controlUrl = control.url;

  const { createApiToken } = await import("../app/models/api-token.server");
  const { action } = await import("../app/routes/api.v1.mismatches");
  const { closeControlDb } = await import("../app/utils/db.server");
  const token = `cut_bench_${randomBytes(16).toString("hex")}`;
  await createApiToken({ name: "bench", scopes: ["mismatches:write"], createdBy: null, token });

  // A bare node:http front for the route action: what remix-serve does, without the rest of the app.
  const http = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: Buffer.concat(chunks),
    });
    let response: Response;
    try {
      response = await action({ request, params: {}, context: {} });
    } catch (thrown) {
      response = thrown instanceof Response ? thrown : new Response(String(thrown), { status: 500 });
    }
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const address = http.address();
  const port = typeof address === "object" && address ? address.port : 0;

  const child = fork(fileURLToPath(import.meta.url), ["--sender", `http://127.0.0.1:${port}/api/v1/mismatches`, token], {
    execArgv: process.execArgv,
  });
  const measured = await new Promise<{ seconds: number; records: number }>((resolve, reject) => {
    child.on("message", (m) => resolve(m as { seconds: number; records: number }));
    child.on("exit", (code) => (code ? reject(new Error(`sender exited ${code}`)) : undefined));
  });
  http.close();

  const sql = postgres(controlUrl, { max: 2, onnotice: () => {} });
  const [{ rows: stored, occurrences }] = await sql`select count(*)::int as rows, sum(occurrences)::int as occurrences from mismatches`;

  // Baseline: the same stored rows, COPYed raw into the emptied table (no validation, no dedup, no counts).
  const copyRows = await sql`
    select signature, group_key, origin::text, kind::text, table_name, primary_key::text, user_id, cohort_id, fingerprint,
      source_value::text, target_value::text, differing_fields::text, status::text, occurrences::text,
      first_seen_at::text, last_seen_at::text from mismatches`;
  const payload = copyRows.map((r) => Object.values(r).map((v) => copyEscape(v as string | null)).join("\t")).join("\n") + "\n";
  await sql`truncate mismatches cascade`;
  const copyStarted = performance.now();
  const writable = await sql`
    copy mismatches (signature, group_key, origin, kind, table_name, primary_key, user_id, cohort_id, fingerprint,
      source_value, target_value, differing_fields, status, occurrences, first_seen_at, last_seen_at) from stdin`.writable();
  await new Promise<void>((resolve, reject) => {
    writable.on("error", reject);
    writable.on("finish", resolve);
    writable.end(payload);
  });
  const copySeconds = (performance.now() - copyStarted) / 1000;

  const ingestRate = measured.records / measured.seconds;
  // COPY can only write the deduplicated rows (the signature is unique): its rate is rows/s of those.
  const copyRate = stored / copySeconds;
  console.log(`records sent: ${measured.records} in batches of ${BATCH}, ${CONCURRENCY} in flight (stored as ${stored} rows, ${occurrences} occurrences)`);
  console.log(`API ingestion: ${measured.seconds.toFixed(2)} s = ${Math.round(ingestRate).toLocaleString("en")} records/s (target >= 50,000)`);
  console.log(`raw COPY of the same ${stored} rows: ${copySeconds.toFixed(2)} s = ${Math.round(copyRate).toLocaleString("en")} rows/s`);
  console.log(`ratio ingestion / COPY: ${(ingestRate / copyRate).toFixed(2)}`);

  await sql.end();
  await closeControlDb();
  await control.drop();
}

if (process.argv[2] === "--sender") {
  sender(process.argv[3], process.argv[4]).then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
