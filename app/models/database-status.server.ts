import { detectEngine, type DatabaseEngine } from "~/health/engine.server";
import { controlSql } from "~/utils/db.server";
import { databaseLabel, redactError, sideSql, type Side } from "~/utils/databases.server";

export interface DatabaseStatus {
  name: "control" | Side;
  up: boolean;
  latencyMs: number | null;
  engine: DatabaseEngine | null;
  /** host:port/database, never credentials. */
  where: string;
  error: string | null;
}

const TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error) => (clearTimeout(timer), reject(error)),
    );
  });
}

async function probeSide(side: Side, timeoutMs = TIMEOUT_MS): Promise<DatabaseStatus> {
  const label = databaseLabel(side);
  const started = performance.now();
  try {
    const engine = await withTimeout(detectEngine(sideSql(side)), timeoutMs);
    return { name: side, up: true, latencyMs: Math.round(performance.now() - started), engine, where: `${label.host}/${label.database}`, error: null };
  } catch (error) {
    return { name: side, up: false, latencyMs: null, engine: null, where: `${label.host}/${label.database}`, error: redactError(error) };
  }
}

async function probeControl(timeoutMs = TIMEOUT_MS): Promise<DatabaseStatus> {
  const started = performance.now();
  try {
    await withTimeout(controlSql()`select 1`, timeoutMs);
    return { name: "control", up: true, latencyMs: Math.round(performance.now() - started), engine: null, where: "control store", error: null };
  } catch (error) {
    return { name: "control", up: false, latencyMs: null, engine: null, where: "control store", error: redactError(error) };
  }
}

// Engine detection on every page view would add a round-trip to two production databases; a short cache is
// enough for a status banner, and /healthz asks for fresh answers.
let cached: { at: number; statuses: DatabaseStatus[] } | null = null;
const CACHE_MS = 10_000;

/** `timeoutMs`: how long a probe may wait for an answer before its database counts as down (default 2 s). */
export async function getDatabaseStatuses(options: { fresh?: boolean; timeoutMs?: number } = {}): Promise<DatabaseStatus[]> {
  if (!options.fresh && cached && Date.now() - cached.at < CACHE_MS) return cached.statuses;
  const t = options.timeoutMs;
  const statuses = await Promise.all([probeControl(t), probeSide("source", t), probeSide("target", t)]);
  cached = { at: Date.now(), statuses };
  return statuses;
}

export function targetIsCockroach(statuses: DatabaseStatus[]): boolean | null {
  const target = statuses.find((s) => s.name === "target");
  return target?.engine ? target.engine.engine === "cockroachdb" : null;
}
