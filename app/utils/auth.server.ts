import { redirect } from "@remix-run/node";
import type { Actor } from "~/audit/actor";
import type { Role } from "~/auth/permissions";
import { getSessionUser, safeRedirect } from "./session.server";

export type SessionUser = NonNullable<Awaited<ReturnType<typeof getSessionUser>>>;

/** viewer (the CTO: sees everything, changes nothing) < support < engineer < admin. */
const RANK: Record<Role, number> = { viewer: 0, support: 1, engineer: 2, admin: 3 };

export function hasRole(user: { role: Role }, minimum: Role) {
  return RANK[user.role] >= RANK[minimum];
}

/** Anonymous page requests go to /login (and come back afterwards). */
export async function requireUser(request: Request): Promise<SessionUser> {
  const user = await getSessionUser(request);
  if (!user) {
    const url = new URL(request.url);
    // Only a path the login action will honour: a request for "//host/x" must not suggest going there.
    const back = safeRedirect(url.pathname + url.search);
    throw redirect(back === "/" ? "/login" : `/login?redirectTo=${encodeURIComponent(back)}`);
  }
  return user;
}

/** The guard at the top of every loader and action: 403 when the role is too low. */
export async function requireRole(request: Request, minimum: Role): Promise<SessionUser> {
  const user = await requireUser(request);
  if (!hasRole(user, minimum)) {
    throw new Response(`This needs the ${minimum} role; you are signed in as ${user.role}.`, { status: 403, statusText: "Forbidden" });
  }
  return user;
}

export function userActor(user: SessionUser): Actor {
  return { type: "user", id: user.id, label: user.email };
}
