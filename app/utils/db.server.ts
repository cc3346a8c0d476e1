import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "../../db/schema";
import { closeControlNotifications } from "./control-notifications.server";
import { getEnv } from "./env.server";
import { reconnectBackoff } from "./reconnect-backoff.server";
import { dropSingleton, existingSingleton, singleton } from "./singleton.server";

function createControl() {
  const client = postgres(getEnv().CUTOVER_DATABASE_URL, {
    max: 10,
    idle_timeout: 30,
    connect_timeout: 5,
    backoff: reconnectBackoff,
    onnotice: () => {},
    connection: { application_name: "cutover" },
  });
  return { client, db: drizzle(client, { schema }) };
}

/** The control-plane store (drizzle), created on first use so tests and scripts can set the URL first. */
export function controlDb() {
  return singleton("control", createControl).db;
}

/** Raw postgres.js on the control DB, for COPY, keyset SQL and other things drizzle does not express well. */
export function controlSql() {
  return singleton("control", createControl).client;
}

export type ControlDb = ReturnType<typeof controlDb>;
export type ControlTx = Parameters<Parameters<ControlDb["transaction"]>[0]>[0];

/** Closes the control connections (shutdown); remix' server otherwise keeps the process alive. */
export async function closeControlDb() {
  await closeControlNotifications();
  // The caches of control data go with the connections (tests point a process at one database after another).
  dropSingleton("ruleset-cache");
  dropSingleton("api-token-cache");
  const control = existingSingleton<ReturnType<typeof createControl>>("control");
  if (!control) return;
  dropSingleton("control");
  await control.client.end({ timeout: 5 });
}
