import { and, eq, lt, sql } from "drizzle-orm";
import { loginAttempts, loginLimits } from "../../db/schema";
import { loginAddressKey } from "~/auth/login-address";
import { controlDb } from "~/utils/db.server";

/*
 * Why the limits are keyed this way. A hard limit per email would let anyone lock any account out by failing five
 * times (the owner then could not sign in from anywhere), so the limits that refuse are keyed by where the
 * attempts come from:
 * - one address may try one email 5 times in 15 minutes (a success clears that pair);
 * - one address may try 30 times in 15 minutes across all emails (a success gives back only its own attempt, so
 *   signing in to an account one owns never resets a guessing run).
 * Both are reserved by one upsert before the password is checked, so parallel requests cannot all slip in
 * before the first failure is written. Against guessing from many addresses at once, wrong passwords per email
 * from every address only slow that email's sign-ins (a growing delay, at most 5 s), never refuse them: a botnet
 * is made slower, the owner still gets in. Refusing a distributed attack outright needs a second factor or SSO.
 */
export const LOGIN_WINDOW_MINUTES = 15;
export const MAX_ATTEMPTS_PER_EMAIL_FROM_ADDRESS = 5;
export const MAX_ATTEMPTS_PER_ADDRESS = 30;
/** Wrong passwords for one email from every address before its sign-ins are slowed. */
export const SLOW_AFTER_FAILURES_PER_EMAIL = 10;
const MAX_DELAY_MS = 5_000;

export type LoginReservation = { allowed: true; delayMs: number } | { allowed: false };

function subjects(email: string, address: string) {
  const key = loginAddressKey(address);
  // An address never holds a space, so "<address> <email>" reads back unambiguously.
  return { pair: `${key} ${email}`, address: key, email };
}

const WINDOW_PASSED = `login_limits.window_started_at < now() - interval '${LOGIN_WINDOW_MINUTES} minutes'`;
/** A counter's next value: +1 within its window, 1 (and a new window) once the window has passed. */
const UPSERT_COUNT = sql.raw(
  `on conflict (scope, subject) do update set count = case when ${WINDOW_PASSED} then 1 else login_limits.count + 1 end, ` +
    `window_started_at = case when ${WINDOW_PASSED} then now() else login_limits.window_started_at end`,
);

/**
 * Reserves one sign-in attempt for this email from this address, before its password is checked: one statement
 * counts the attempt for the pair and the address (the row locks make concurrent requests count one after
 * another) and reads the email's recent wrong passwords for the delay.
 */
export async function reserveLoginAttempt(email: string, address: string): Promise<LoginReservation> {
  const subject = subjects(email, address);
  // Rows in the same order in every statement, so two reservations never wait on each other's rows crosswise.
  const rows = await controlDb().execute<{ scope: string; count: number; email_failures: number }>(sql`
    with counted as (
      insert into login_limits (scope, subject, count) values ('address', ${subject.address}, 1), ('email_address', ${subject.pair}, 1)
      ${UPSERT_COUNT}
      returning scope, count
    )
    select scope, count, (
      select coalesce(max(count), 0) from login_limits
      where scope = 'email' and subject = ${subject.email} and not (${sql.raw(WINDOW_PASSED)})
    )::int as email_failures
    from counted`);
  const count = (scope: string) => rows.find((row) => row.scope === scope)?.count ?? Number.POSITIVE_INFINITY;
  if (count("email_address") > MAX_ATTEMPTS_PER_EMAIL_FROM_ADDRESS || count("address") > MAX_ATTEMPTS_PER_ADDRESS) return { allowed: false };
  const over = (rows[0]?.email_failures ?? 0) - SLOW_AFTER_FAILURES_PER_EMAIL;
  return { allowed: true, delayMs: over < 0 ? 0 : Math.min(MAX_DELAY_MS, 250 * 2 ** over) };
}

/** A checked, wrong password: logged, and counted against the email from every address. */
export async function recordLoginFailure(email: string, address: string) {
  await controlDb().insert(loginAttempts).values({ email, ip: address });
  await controlDb().execute(sql`insert into login_limits (scope, subject, count) values ('email', ${email}, 1) ${UPSERT_COUNT}`);
  await controlDb()
    .delete(loginAttempts)
    .where(sql`${loginAttempts.at} < now() - interval '1 day'`);
  await controlDb()
    .delete(loginLimits)
    .where(lt(loginLimits.windowStartedAt, sql`now() - interval '1 day'`));
}

/**
 * A successful sign-in: the pair starts afresh and the address gets its one attempt back. The email's count of
 * wrong passwords stays: the owner signing in says nothing about whoever else is guessing.
 */
export async function clearLoginLimits(email: string, address: string) {
  const subject = subjects(email, address);
  await controlDb()
    .delete(loginLimits)
    .where(and(eq(loginLimits.scope, "email_address"), eq(loginLimits.subject, subject.pair)));
  await controlDb()
    .update(loginLimits)
    .set({ count: sql`greatest(${loginLimits.count} - 1, 0)` })
    .where(and(eq(loginLimits.scope, "address"), eq(loginLimits.subject, subject.address)));
}
