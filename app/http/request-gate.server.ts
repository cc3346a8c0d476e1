import type { IncomingHttpHeaders } from "node:http";

/** What the gate answers instead of the app: a 4xx with the API's JSON error shape. */
export interface Refusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const ALLOW = [...METHODS].join(", ");
// Longer URLs are not links anyone follows; browsers and proxies cap them near here too.
export const MAX_URL_LENGTH = 8_192;
const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const FORM_TYPES = new Set(["application/x-www-form-urlencoded", "multipart/form-data"]);

/**
 * The first look at every request, before the API fast path, express and Remix: whatever it refuses would
 * otherwise throw somewhere inside them (a URIError from a bad percent escape, a TypeError from an unknown method,
 * a NUL reaching PostgreSQL, a text body read as a form). Returns null for a request the app may handle.
 */
export function refuseRequest(method: string | undefined, url: string | undefined, headers: IncomingHttpHeaders): Refusal | null {
  if (!method || !METHODS.has(method)) {
    return { status: 405, message: `The method ${String(method).slice(0, 20)} is not supported.`, headers: { Allow: ALLOW } };
  }
  if (!url || url.charCodeAt(0) !== 47 /* / */) return { status: 400, message: "The request target must be a path." };
  if (url.length > MAX_URL_LENGTH) return { status: 414, message: `The URL is longer than ${MAX_URL_LENGTH} characters.` };
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  const problem = pathProblem(path) ?? (q === -1 ? null : queryProblem(url.slice(q + 1)));
  if (problem) return { status: 400, message: `The URL ${problem}.` };
  if (BODY_METHODS.has(method) && hasBody(headers)) return contentTypeRefusal(path, headers["content-type"]);
  return null;
}

/** Why a URL's path cannot be decoded (routers decode it whole), or null. A NUL is refused too: PostgreSQL text cannot hold one. */
function pathProblem(text: string): string | null {
  if (text.indexOf("%") === -1 && text.indexOf("\0") === -1) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    return "has a malformed percent-encoding (a % must start a valid UTF-8 escape like %20)";
  }
  return decoded.includes("\0") ? "contains a NUL character (%00)" : null;
}

/**
 * A query string's parameters are read with URLSearchParams, which keeps a malformed escape (%ZZ) as it is: only a
 * NUL matters there, escaped or not.
 */
function queryProblem(query: string): string | null {
  return /%00|\0/.test(query) ? "contains a NUL character (%00)" : null;
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers["content-length"];
  return headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/**
 * The API takes JSON and the pages take forms; anything else was being parsed as one or the other anyway
 * (a text/plain login, a form-encoded mismatch report) and failed somewhere deeper.
 */
function contentTypeRefusal(path: string, contentType: string | undefined): Refusal | null {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (path.startsWith("/api/")) {
    if (type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"))) return null;
    return { status: 415, message: `Send the body as application/json (got ${type || "no Content-Type"}).` };
  }
  if (FORM_TYPES.has(type)) return null;
  return { status: 415, message: `Send the form as application/x-www-form-urlencoded or multipart/form-data (got ${type || "no Content-Type"}).` };
}
