import type { ServerBuild } from "@remix-run/node";
import { ZodError } from "zod";
import { isDatabaseUnavailable } from "~/utils/database-unavailable";
import { getEnv } from "~/utils/env.server";

type Handler = (args: { request: Request }) => unknown;

/**
 * The server build with every loader and action guarded: what they throw besides a Response becomes the answer it
 * deserves instead of a 500. A database that cannot be reached is a 503 naming it (with Retry-After), a request
 * whose input a schema or PostgreSQL refused is a 400. Everything else stays a bug (500, logged by Remix).
 */
export function guardServerBuild(build: ServerBuild): ServerBuild {
  const routes: ServerBuild["routes"] = {};
  for (const [id, route] of Object.entries(build.routes)) {
    const module = { ...route.module };
    if (module.loader) module.loader = guard(module.loader as Handler) as typeof module.loader;
    if (module.action) module.action = guard(module.action as Handler) as typeof module.action;
    routes[id] = { ...route, module };
  }
  return { ...build, routes };
}

function guard(handler: Handler): Handler {
  return async (args) => {
    try {
      return await handler(args);
    } catch (error) {
      throw answerFor(error) ?? error;
    }
  };
}

export const RETRY_AFTER_SECONDS = 5;

/** The Response for an expected failure, or null for a bug. */
export function answerFor(error: unknown): Response | null {
  if (error instanceof Response) return null;
  if (isDatabaseUnavailable(error)) {
    const databases = unreachableDatabases(error);
    return errorResponse(
      503,
      `${describe(databases)} cannot be reached right now. Nothing was changed; this retries by itself.`,
      {
        databases,
      },
      { "Retry-After": String(RETRY_AFTER_SECONDS) },
    );
  }
  if (error instanceof ZodError) {
    const issues = error.issues.slice(0, 10).map((i) => `${i.path.join(".") || "value"}: ${i.message}`);
    return errorResponse(400, `The request is not valid: ${issues.join("; ")}.`);
  }
  // request.formData() on a body that is not a form (a bodiless POST has no Content-Type): the request gate lets
  // bodiless mutations through, since some actions (sign out) read nothing.
  if (error instanceof TypeError && error.message.startsWith("Content-Type was not one of")) {
    return errorResponse(415, "Send the form as application/x-www-form-urlencoded or multipart/form-data.");
  }
  if (error instanceof TypeError && error.message.startsWith("Failed to parse body as FormData")) {
    return errorResponse(400, "The form could not be read: its body is not what its Content-Type says.");
  }
  const code = sqlState(error);
  // Class 22 (data exception: a value out of range, malformed, a NUL) and 54 (too complex): the input's fault.
  if (code?.startsWith("22") || code?.startsWith("54")) {
    return errorResponse(400, `The database refused a value of this request (SQLSTATE ${code}).`);
  }
  return null;
}

function errorResponse(status: number, message: string, details?: unknown, headers?: Record<string, string>) {
  const body = JSON.stringify({ error: { status, message, ...(details === undefined ? {} : { details }) } });
  return new Response(body, { status, headers: { "Content-Type": "application/json; charset=utf-8", ...headers } });
}

function sqlState(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

export type DatabaseName = "control" | "source" | "target";

/** Which of Cutover's databases an unreachable-error came from, by the address the driver put on it. */
function unreachableDatabases(error: unknown): DatabaseName[] {
  let address: string | undefined;
  let port: string | undefined;
  for (let e = error as { address?: unknown; port?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.address === "string") {
      address = e.address;
      port = e.port === undefined ? undefined : String(e.port);
      break;
    }
  }
  if (!address) return [];
  const env = getEnv();
  const urls: [DatabaseName, string][] = [
    ["control", env.CUTOVER_DATABASE_URL],
    ["source", env.SOURCE_DATABASE_URL],
    ["target", env.TARGET_DATABASE_URL],
  ];
  return urls
    .filter(([, url]) => {
      const u = new URL(url);
      return u.hostname === address && (port === undefined || (u.port || "5432") === port);
    })
    .map(([name]) => name);
}

function describe(databases: DatabaseName[]): string {
  if (databases.length === 0) return "A database Cutover needs";
  if (databases.length === 1) return `The ${databases[0]} database`;
  return `The ${databases.slice(0, -1).join(", ")} and ${databases[databases.length - 1]} databases (one server)`;
}
