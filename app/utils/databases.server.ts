import postgres from "postgres";
import { getEnv } from "./env.server";
import { reconnectBackoff } from "./reconnect-backoff.server";
import { singleton } from "./singleton.server";

export type Side = "source" | "target";

/** What the UI may know about a database: never the URL or its password. */
export interface DatabaseLabel {
  side: Side;
  host: string;
  database: string;
}

function urlOf(side: Side): string {
  const env = getEnv();
  return side === "source" ? env.SOURCE_DATABASE_URL : env.TARGET_DATABASE_URL;
}

function connect(side: Side, readOnly: boolean) {
  return postgres(urlOf(side), {
    max: readOnly ? 6 : 2,
    idle_timeout: 30,
    connect_timeout: 5,
    backoff: reconnectBackoff,
    onnotice: () => {},
    // Production databases: Cutover reads by default and never waits on locks for long. Only repair
    // connections may write, and they are opened explicitly.
    connection: {
      application_name: readOnly ? "cutover" : "cutover-repair",
      statement_timeout: getEnv().CUTOVER_STATEMENT_TIMEOUT_MS,
      lock_timeout: 5_000,
      idle_in_transaction_session_timeout: 60_000,
      ...(readOnly ? { default_transaction_read_only: "on" } : {}),
    } as Record<string, string | number>,
  });
}

/** Read-only connection pool to the source (PostgreSQL) or the target (CockroachDB). */
export function sideSql(side: Side): postgres.Sql {
  return singleton(`side:${side}:ro`, () => connect(side, true));
}

/** Read-write pool, for explicit repair actions only. */
export function repairSql(side: Side): postgres.Sql {
  return singleton(`side:${side}:rw`, () => connect(side, false));
}

export function databaseLabel(side: Side): DatabaseLabel {
  const url = new URL(urlOf(side));
  return { side, host: `${url.hostname}:${url.port || "5432"}`, database: url.pathname.replace(/^\//, "") };
}

export async function closeSideConnections() {
  const store = globalThis as unknown as { __cutoverSingletons?: Map<string, unknown> };
  const map = store.__cutoverSingletons;
  if (!map) return;
  const closing: Promise<void>[] = [];
  for (const [key, value] of map) {
    if (key.startsWith("side:")) {
      map.delete(key);
      closing.push((value as postgres.Sql).end({ timeout: 5 }));
    }
  }
  await Promise.all(closing);
}

/** Strips credentials from anything that might quote a URL (driver errors sometimes do). */
export function redactError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/postgres(ql)?:\/\/[^\s"']+/gi, "postgres://…");
}
