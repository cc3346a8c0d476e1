import { and, eq, gt, or, sql } from "drizzle-orm";
import { loginAttempts } from "../../db/schema";
import { controlDb } from "~/utils/db.server";

const WINDOW = sql`now() - interval '15 minutes'`;
export const MAX_FAILURES_PER_EMAIL = 5;
export const MAX_FAILURES_PER_IP = 30;

/** True when this email or this client address failed too often in the last 15 minutes. */
export async function isLoginThrottled(email: string, ip: string): Promise<boolean> {
  const [row] = await controlDb()
    .select({
      byEmail: sql<number>`count(*) filter (where ${loginAttempts.email} = ${email})::int`,
      byIp: sql<number>`count(*) filter (where ${loginAttempts.ip} = ${ip})::int`,
    })
    .from(loginAttempts)
    .where(and(gt(loginAttempts.at, WINDOW), or(eq(loginAttempts.email, email), eq(loginAttempts.ip, ip))));
  return row.byEmail >= MAX_FAILURES_PER_EMAIL || row.byIp >= MAX_FAILURES_PER_IP;
}

export async function recordLoginFailure(email: string, ip: string) {
  await controlDb().insert(loginAttempts).values({ email, ip });
  await controlDb().delete(loginAttempts).where(sql`${loginAttempts.at} < now() - interval '1 day'`);
}

export async function clearLoginFailures(email: string) {
  await controlDb().delete(loginAttempts).where(eq(loginAttempts.email, email));
}
