import type { IncomingHttpHeaders } from "node:http";
import { apiErrorAnswer, type ApiAnswer } from "~/api/answer.server";

/*
 * The one CSRF defence: every request that can run a route action (Remix runs actions for these four methods, page
 * URL or `?_data=` alike) must come from a page of Cutover's own origin, as its Origin header (or, without one,
 * its Referer) says. SameSite=Lax cookies alone are not enough: a page on another port of the same host is
 * same-site, and its form posts carry the session cookie. Browsers send Origin on every POST, so a request with
 * neither header is not a browser's form and is refused too. `/api/v1/*` is exempt: it authenticates by bearer
 * token only, and the web server strips its cookies so that stays true.
 */
const MUTATING_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const API_PREFIX = "/api/v1/";

export interface IncomingRequestFacts {
  method: string;
  /** The request target as node received it (`req.url`). */
  url: string;
  headers: IncomingHttpHeaders;
  /** Whether this connection is TLS. */
  encrypted: boolean;
  /** CUTOVER_TRUST_PROXY: the proxy's X-Forwarded-Host/Proto say which origin the browser sees. */
  trustProxy: boolean;
}

/** The target as Remix will route it (it parses it the same way): "/api/v1/../settings" is "/settings". */
function routedUrl(url: string): URL | null {
  try {
    return new URL(`http://cutover.invalid${url}`);
  } catch {
    return null;
  }
}

export function isBearerApiRequest(url: string): boolean {
  return routedUrl(url)?.pathname.startsWith(API_PREFIX) ?? false;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The last hop of a forwarded header: the one the trusted proxy itself wrote. */
function forwarded(headers: IncomingHttpHeaders, name: string): string | undefined {
  return header(headers, name)?.split(",").at(-1)?.trim() || undefined;
}

function originOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const origin = new URL(url).origin;
    // Opaque origins ("null" from sandboxed frames, data: and file: pages) match nothing.
    return origin === "null" ? null : origin;
  } catch {
    return null;
  }
}

/** The origin the browser sees this server under. */
export function expectedOrigin(request: Pick<IncomingRequestFacts, "headers" | "encrypted" | "trustProxy">): string | null {
  const actualProtocol = request.encrypted ? "https" : "http";
  const protocol = (request.trustProxy && forwarded(request.headers, "x-forwarded-proto")) || actualProtocol;
  const host = (request.trustProxy && forwarded(request.headers, "x-forwarded-host")) || header(request.headers, "host");
  if (!host || !/^https?$/.test(protocol)) return null;
  return originOf(`${protocol}://${host}`);
}

/** Why a request is refused as cross-site, or null when it may go on. */
export function crossSiteReason(request: IncomingRequestFacts): string | null {
  if (!MUTATING_METHODS.has(request.method.toUpperCase()) || isBearerApiRequest(request.url)) return null;
  const expected = expectedOrigin(request);
  if (!expected) return "the request does not say which host it is for";
  const origin = header(request.headers, "origin");
  const referer = header(request.headers, "referer");
  if (origin === undefined && referer === undefined) return "it carries neither an Origin nor a Referer header";
  const actual = origin !== undefined ? originOf(origin) : originOf(referer);
  if (actual !== expected) return `it comes from ${actual ?? "an opaque origin"}, not ${expected}`;
  return null;
}

/** The 403 for a refused request: plain text for a page, the JSON error shape for a `?_data=` request. */
export function crossSiteRefusal(url: string, reason: string): ApiAnswer {
  const message = `Refused: a change to Cutover must be sent from a Cutover page, and ${reason}.`;
  if (routedUrl(url)?.searchParams.has("_data")) {
    // X-Remix-Catch makes Remix's client show the error boundary with this status, as for a thrown Response.
    return apiErrorAnswer(403, message, undefined, { "X-Remix-Catch": "yes" });
  }
  return { status: 403, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: message };
}
