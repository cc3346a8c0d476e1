/**
 * Mismatch ingestion throughput (target: >= 50,000 records/s) through the production web server (the built app
 * served by scripts/web-server.ts, where app/api-fast-path.server.ts answers POST /api/v1/mismatches ahead of
 * express and Remix: token check, whole-batch validation, normalization, staging in the inbox), fed by a
 * SEPARATE process posting batches of 1,000 over HTTP, and folded into records, groups, hourly and comparison counts
 * by BENCH_FOLDERS separate folder processes (the worker's code: LISTEN + drainMismatchInbox). It prints:
 *   1. acceptance: records/s answered 202, i.e. durably in the control DB's inbox (folders stopped),
 *   2. drain: records/s the folders fold that backlog into `mismatches` (no API traffic),
 *   3. end-to-end: on emptied tables with the folders running, first POST until every record is visible in
 *      `mismatches` (inbox empty, occurrences add up),
 *   4. the baseline: a raw COPY of the same stored rows into the emptied `mismatches`, and the ratios.
 * Workloads: "1 in 10 repeats" (one record in ten repeats an earlier key) and "hot keys" (half the records hit
 * 500 hot rows), each labelled.
 * Uses BENCH_DATABASE_URL (a server admin URL) if set, else a throw-away embedded PostgreSQL.
 *   npm run bench:mismatch-ingest
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:mismatch-ingest
 * BENCH_RECORDS (default 200,000), BENCH_CONCURRENCY (in-flight batches, default 4), BENCH_FOLDERS (default 2) and
 * BENCH_WORKLOADS (default "repeats,hot") tune the run. The machine is shared, so each phase also prints the CPU
 * time it took in every process (PostgreSQL read from /proc: exact on the bench's own embedded server) and the rate
 * 2 otherwise idle cores would give at that cost.
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { ensureBuilt } from "../scripts/runtime";
import { startWebServer } from "../scripts/web-server";
import { benchControlDatabase } from "./support/control-database";

const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000);
const BATCH = 1_000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const FOLDERS = Number(process.env.BENCH_FOLDERS ?? 2);
const WORKLOADS = (process.env.BENCH_WORKLOADS ?? "repeats,hot").split(",") as Workload[];
const TARGET = 50_000;
const TABLES = ["documents", "annotations", "users", "classes", "assignments"];

type Workload = "repeats" | "hot";
const WORKLOAD_LABEL: Record<Workload, string> = {
  repeats: "1 in 10 repeats an earlier key",
  hot: "hot keys: half the records hit 500 rows",
};

function keyOf(workload: Workload, n: number): number {
  // One record in ten repeats an earlier key, as a hot row mismatching again would.
  if (workload === "repeats") return n % 10 === 0 ? n % 5_000 : n;
  // A few rows that mismatch on every read (a column the target rounds) beside a long tail.
  return n % 2 === 0 ? n % 500 : n;
}

function batchBody(workload: Workload, batchIndex: number): string {
  const now = Date.now();
  const mismatches = Array.from({ length: BATCH }, (_, i) => {
    const n = batchIndex * BATCH + i;
    const id = keyOf(workload, n);
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
  const comparisons = TABLES.map((table) => ({
    cohort: "cohort-1",
    table,
    windowStart: new Date(Math.floor(now / 60_000) * 60_000).toISOString(),
    compared: 10_000,
    mismatched: 200,
  }));
  return JSON.stringify({ mismatches, comparisons });
}

/** The sender: a separate process posting batches with a fixed number in flight; times are epoch ms. */
async function sender(url: string, token: string, workload: Workload, keyPrefix: string) {
  const batches = Math.ceil(RECORDS / BATCH);
  const bodies = Array.from({ length: batches }, (_, i) => batchBody(workload, i));
  let next = 0;
  const startedAt = Date.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < batches) {
        const index = next++;
        const response = await fetch(url, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", "Idempotency-Key": `${keyPrefix}-${index}` },
          body: bodies[index],
        });
        if (response.status !== 202) throw new Error(`batch ${index}: HTTP ${response.status} ${await response.text()}`);
        await response.arrayBuffer();
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  process.send?.({ startedAt, endedAt: Date.now(), records: batches * BATCH, cpuMs: (used.user + used.system) / 1000 });
}

/** A folder: what the worker runs (LISTEN on the inbox channel, drain on each notification), once told to start. */
async function folder() {
  const { createMismatchFolder } = await import("../app/jobs/mismatches.server");
  const { MISMATCH_INBOX_CHANNEL } = await import("../app/models/mismatch-stage.server");
  const { controlSql, closeControlDb } = await import("../app/utils/db.server");
  const { wake } = createMismatchFolder();
  process.on("message", (message) => {
    if (message === "start") {
      void controlSql()
        .listen(MISMATCH_INBOX_CHANNEL, () => void wake())
        .then(() => wake());
    } else if (message === "cpu") {
      const used = process.cpuUsage();
      process.send?.({ cpuMs: (used.user + used.system) / 1000 });
    } else if (message === "stop") {
      void closeControlDb().then(() => process.exit(0));
    }
  });
  process.send?.("ready");
}

/** CPU ms of a process from /proc (utime + stime, plus reaped children's when asked), at 100 ticks per second. */
function procCpuMs(pid: number, withReaped = false): { cpuMs: number; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(f[11]) + Number(f[12]) + (withReaped ? Number(f[13]) + Number(f[14]) : 0);
    return { cpuMs: ticks * 10, ppid: Number(f[1]) };
  } catch {
    return null;
  }
}

/** CPU ms of the whole PostgreSQL server (postmaster, live backends, exited ones): null when it is not on this machine. */
function serverCpuMs(postmaster: number | null): number | null {
  if (postmaster === null) return null;
  const own = procCpuMs(postmaster, true);
  if (!own) return null;
  let total = own.cpuMs;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const child = procCpuMs(Number(entry));
    if (child?.ppid === postmaster) total += child.cpuMs;
  }
  return total;
}

function copyEscape(value: string | null): string {
  if (value === null) return "\\N";
  return value.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

function rate(records: number, ms: number): string {
  return `${Math.round(records / (ms / 1000)).toLocaleString("en")}`;
}

async function main() {
  const control = await benchControlDatabase("mismatch-ingest");
  const controlUrl = control.url;

  const { createApiToken } = await import("../app/models/api-token.server");
  const { closeControlDb } = await import("../app/utils/db.server");
  const token = `cut_bench_${randomBytes(16).toString("hex")}`;
  await createApiToken({ name: "bench", scopes: ["mismatches:write"], createdBy: null, token });

  // What `npm start` serves: the built app (rebuilt when app/ changed) behind scripts/web-server.ts.
  process.env.NODE_ENV = "production";
  ensureBuilt();
  const web = await startWebServer({ port: 0 });
  const url = `${web.url}/api/v1/mismatches`;
  const self = fileURLToPath(import.meta.url);
  const sql = postgres(controlUrl, { max: 2, onnotice: () => {} });
  const [{ pid }] = await sql`select pg_backend_pid() as pid`;
  const postmaster = procCpuMs(pid)?.ppid ?? null;

  async function send(workload: Workload, keyPrefix: string) {
    const child = fork(self, ["--sender", url, token, workload, keyPrefix], { execArgv: process.execArgv });
    return new Promise<{ startedAt: number; endedAt: number; records: number; cpuMs: number }>((resolve, reject) => {
      child.on("message", (m) => resolve(m as { startedAt: number; endedAt: number; records: number; cpuMs: number }));
      child.on("exit", (code) => (code ? reject(new Error(`sender exited ${code}`)) : undefined));
    });
  }
  async function inboxEmptyAt(): Promise<number> {
    // Polling is the measurement here (every 20 ms), not a wait in a test.
    for (;;) {
      const [{ n }] = await sql`select count(*)::int as n from mismatch_inbox`;
      if (n === 0) return Date.now();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  async function emptyTables() {
    await sql`truncate mismatches, mismatch_groups, mismatch_hourly, mismatch_comparisons, mismatch_inbox, mismatch_ingest_keys cascade`;
  }
  async function stored() {
    const [row] = await sql`select count(*)::int as rows, coalesce(sum(occurrences), 0)::int as occurrences from mismatches`;
    return row as { rows: number; occurrences: number };
  }

  let folders: ChildProcess[] = [];
  async function cpuNow() {
    const folderMs = await Promise.all(
      folders.map(
        (child) =>
          new Promise<number>((resolve) => {
            child.once("message", (m) => resolve((m as { cpuMs: number }).cpuMs));
            child.send("cpu");
          }),
      ),
    );
    const main = process.cpuUsage();
    return { api: (main.user + main.system) / 1000, folders: folderMs.reduce((a, b) => a + b, 0), postgres: serverCpuMs(postmaster) };
  }
  /** Where the CPU went between two snapshots, and the rate the 2 cores would give if they did nothing else. */
  function cpuLine(before: Awaited<ReturnType<typeof cpuNow>>, after: Awaited<ReturnType<typeof cpuNow>>, senderMs: number, records: number) {
    const api = after.api - before.api;
    const folding = after.folders - before.folders;
    const pg = after.postgres === null || before.postgres === null ? null : after.postgres - before.postgres;
    const total = api + folding + senderMs + (pg ?? 0);
    const parts = `API ${(api / 1000).toFixed(1)} s, folders ${(folding / 1000).toFixed(1)} s, sender ${(senderMs / 1000).toFixed(1)} s, PostgreSQL ${pg === null ? "n/a" : `${(pg / 1000).toFixed(1)} s`}`;
    return `      CPU: ${parts} = ${((total / records) * 1000).toFixed(0)} ms per 1,000 records -> ${Math.round(records / (total / 1000 / 2)).toLocaleString("en")} records/s on 2 otherwise idle cores`;
  }

  console.log(
    `records per run: ${RECORDS.toLocaleString("en")} in batches of ${BATCH}, ${CONCURRENCY} in flight; ${FOLDERS} folder processes; target >= ${TARGET.toLocaleString("en")} records/s`,
  );
  for (const workload of WORKLOADS) {
    await emptyTables();
    folders = await Promise.all(
      Array.from({ length: FOLDERS }, async () => {
        const child = fork(self, ["--folder"], { execArgv: process.execArgv });
        await new Promise((resolve) => child.once("message", resolve));
        return child;
      }),
    );
    // 1. Acceptance alone: folders idle, every batch stays in the inbox.
    const cpu0 = await cpuNow();
    const accepted = await send(workload, `${workload}-a`);
    const cpu1 = await cpuNow();
    const acceptMs = accepted.endedAt - accepted.startedAt;
    // 2. Drain alone: the folders fold the whole backlog.
    const drainStarted = Date.now();
    for (const child of folders) child.send("start");
    const drainMs = (await inboxEmptyAt()) - drainStarted;
    const cpu2 = await cpuNow();
    const afterDrain = await stored();
    if (afterDrain.occurrences !== accepted.records) throw new Error(`drain stored ${afterDrain.occurrences} occurrences of ${accepted.records}`);
    // 3. End to end: emptied tables, folders listening, first POST until every record is in `mismatches`.
    await emptyTables();
    const cpu3 = await cpuNow();
    const sent = await send(workload, `${workload}-e`);
    const visibleAt = await inboxEmptyAt();
    const cpu4 = await cpuNow();
    const endToEndMs = visibleAt - sent.startedAt;
    const { rows, occurrences } = await stored();
    if (occurrences !== sent.records) throw new Error(`end to end stored ${occurrences} occurrences of ${sent.records}`);
    for (const child of folders) child.send("stop");

    // 4. Baseline: the same stored rows, COPYed raw into the emptied table (no validation, no dedup, no counts).
    const copyRows = await sql`
      select signature, group_key, origin::text, kind::text, table_name, primary_key::text, user_id, cohort_id, fingerprint,
        source_value::text, target_value::text, differing_fields::text, status::text, occurrences::text,
        first_seen_at::text, last_seen_at::text from mismatches`;
    const payload =
      copyRows
        .map((r) =>
          Object.values(r)
            .map((v) => copyEscape(v as string | null))
            .join("\t"),
        )
        .join("\n") + "\n";
    await sql`truncate mismatches cascade`;
    const copyPg0 = serverCpuMs(postmaster);
    const copyStarted = Date.now();
    const writable = await sql`
      copy mismatches (signature, group_key, origin, kind, table_name, primary_key, user_id, cohort_id, fingerprint,
        source_value, target_value, differing_fields, status, occurrences, first_seen_at, last_seen_at) from stdin`.writable();
    await new Promise<void>((resolve, reject) => {
      writable.on("error", reject);
      writable.on("finish", resolve);
      writable.end(payload);
    });
    const copyMs = Date.now() - copyStarted;
    const copyPg1 = serverCpuMs(postmaster);
    // COPY can only write the deduplicated rows (the signature is unique): its rate is rows/s of those.
    const copyRate = rows / (copyMs / 1000);
    const endToEndRate = sent.records / (endToEndMs / 1000);
    const acceptRate = accepted.records / (acceptMs / 1000);
    const met = (r: number) => (r >= TARGET ? "target met" : "target NOT met");
    console.log(`\nworkload "${WORKLOAD_LABEL[workload]}": ${sent.records.toLocaleString("en")} records stored as ${rows.toLocaleString("en")} rows`);
    console.log(
      `  acceptance (202, durably in the inbox): ${(acceptMs / 1000).toFixed(2)} s = ${rate(accepted.records, acceptMs)} records/s  -> ${met(acceptRate)}`,
    );
    console.log(cpuLine(cpu0, cpu1, accepted.cpuMs, accepted.records));
    console.log(`  drain (folding that backlog):          ${(drainMs / 1000).toFixed(2)} s = ${rate(accepted.records, drainMs)} records/s`);
    console.log(cpuLine(cpu1, cpu2, 0, accepted.records));
    console.log(
      `  end to end (first POST to visible):     ${(endToEndMs / 1000).toFixed(2)} s = ${rate(sent.records, endToEndMs)} records/s  -> ${met(endToEndRate)}`,
    );
    console.log(cpuLine(cpu3, cpu4, sent.cpuMs, sent.records));
    console.log(
      `  raw COPY of the same ${rows.toLocaleString("en")} rows:      ${(copyMs / 1000).toFixed(2)} s = ${Math.round(copyRate).toLocaleString("en")} rows/s`,
    );
    console.log(`  ratios to COPY: acceptance ${(acceptRate / copyRate).toFixed(2)}, end to end ${(endToEndRate / copyRate).toFixed(2)}`);
    // What no fold can avoid: accepting the records (phase 1: sender, API, staging) and PostgreSQL writing their rows
    // into this table (the raw COPY's server CPU). Their sum bounds any pipeline that ends in this table, on 2 cores.
    if (copyPg0 !== null && copyPg1 !== null && cpu0.postgres !== null && cpu1.postgres !== null) {
      const acceptUs = ((cpu1.api - cpu0.api + accepted.cpuMs + (cpu1.postgres - cpu0.postgres)) / accepted.records) * 1000;
      const copyUs = ((copyPg1 - copyPg0) / sent.records) * 1000;
      const floorUs = acceptUs + copyUs;
      console.log(
        `  floor: accepting ${acceptUs.toFixed(0)} µs of CPU per record + PostgreSQL's raw COPY of its row ${copyUs.toFixed(0)} µs = ` +
          `${floorUs.toFixed(0)} µs -> at most ${Math.round(2_000_000 / floorUs).toLocaleString("en")} records/s into this table on 2 idle cores ` +
          `(${TARGET.toLocaleString("en")}/s allows ${(2_000_000 / TARGET).toFixed(0)} µs)`,
      );
    }
  }

  await web.close();
  await sql.end();
  await closeControlDb();
  await control.drop();
}

const exitWith = (promise: Promise<unknown>, keepAlive = false) =>
  promise.then(
    () => (keepAlive ? undefined : process.exit(0)),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
if (process.argv[2] === "--sender") exitWith(sender(process.argv[3], process.argv[4], process.argv[5] as Workload, process.argv[6]));
else if (process.argv[2] === "--folder") exitWith(folder(), true);
else exitWith(main());
