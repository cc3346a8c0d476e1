import { createCookieSessionStorage, redirect } from "@remix-run/node";
import { randomBytes } from "node:crypto";
import { and, eq, gt, sql } from "drizzle-orm";
import { sessions, users } from "../../db/schema";
import { controlDb } from "./db.server";
import { getEnv } from "./env.server";
import { singleton } from "./singleton.server";

const SESSION_DAYS = 14;

function storage(secure: boolean) {
  return singleton(`session-storage:${secure}`, () =>
    createCookieSessionStorage<{ sessionId: string }>({
      cookie: {
        name: "__cutover",
        httpOnly: true,
        sameSite: "lax",
        path: "/",
        secure,
        secrets: [getEnv().SESSION_SECRET],
        maxAge: SESSION_DAYS * 24 * 3600,
      },
    }),
  );
}

/** Secure cookies behind TLS (directly or through a proxy that says so); plain HTTP on localhost still works. */
function isSecure(request: Request) {
  return new URL(request.url).protocol === "https:" || request.headers.get("x-forwarded-proto") === "https";
}

export async function getSessionUser(request: Request) {
  const session = await storage(isSecure(request)).getSession(request.headers.get("Cookie"));
  const sessionId = session.get("sessionId");
  if (!sessionId) return null;
  const [row] = await controlDb()
    .select({ id: users.id, email: users.email, name: users.name, role: users.role })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sessionId), gt(sessions.expiresAt, sql`now()`), eq(users.disabled, false)));
  return row ?? null;
}

export async function createUserSession(request: Request, userId: string, redirectTo: string) {
  const id = randomBytes(32).toString("base64url");
  await controlDb()
    .insert(sessions)
    .values({ id, userId, expiresAt: new Date(Date.now() + SESSION_DAYS * 24 * 3600 * 1000) });
  const store = storage(isSecure(request));
  const session = await store.getSession();
  session.set("sessionId", id);
  return redirect(redirectTo, { headers: { "Set-Cookie": await store.commitSession(session) } });
}

export async function destroyUserSession(request: Request) {
  const store = storage(isSecure(request));
  const session = await store.getSession(request.headers.get("Cookie"));
  const sessionId = session.get("sessionId");
  if (sessionId) await controlDb().delete(sessions).where(eq(sessions.id, sessionId));
  return redirect("/login", { headers: { "Set-Cookie": await store.destroySession(session) } });
}

// A throw-away origin to resolve a redirect target against: whatever leaves it is not one of our paths.
const REDIRECT_BASE = "http://cutover.invalid";
// Browsers drop tabs, CR and LF from URLs and read a backslash as "/", so "/\t/evil.example" becomes "//evil.example":
// refuse every control character and backslash rather than guess how a browser will read them.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_IN_REDIRECT = /[\u0000-\u001f\u007f\\]/;

/**
 * Only same-origin paths, never an open redirect after login: the target is resolved against a dummy origin and
 * must stay on it, and what comes back is the normalised, percent-encoded path (safe in a Location header).
 */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/") {
  if (typeof to !== "string" || !to.startsWith("/") || UNSAFE_IN_REDIRECT.test(to)) return fallback;
  let url: URL;
  try {
    url = new URL(to, REDIRECT_BASE);
  } catch {
    return fallback;
  }
  // "/.//evil" normalises to the path "//evil", which a browser would read as another host.
  if (url.origin !== REDIRECT_BASE || url.pathname.startsWith("//")) return fallback;
  return url.pathname + url.search + url.hash;
}
