import { randomBytes } from "node:crypto";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";

/**
 * The policy of a rendered page: scripts only from this origin or inline with this response's nonce (Remix's
 * hydration context and module loader), styles inline too (recharts and SSR write style attributes), nothing framed,
 * forms posted only here.
 */
export function pageContentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${liveReloadSocket()}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Under `npm run dev`, the page's live-reload socket to remix dev's own port (REMIX_DEV_ORIGIN). */
function liveReloadSocket(): string {
  const origin = process.env.NODE_ENV === "development" ? process.env.REMIX_DEV_ORIGIN : undefined;
  if (!origin) return "";
  const url = new URL(origin);
  return ` ${url.protocol.replace(/^http/, "ws")}//${url.host}`;
}

// Anything that is not a rendered page (JSON, redirects, files) needs no script or frame at all.
const DEFAULT_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const ALWAYS: [string, string][] = [
  ["X-Content-Type-Options", "nosniff"],
  ["X-Frame-Options", "DENY"],
  ["Referrer-Policy", "same-origin"],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Cross-Origin-Resource-Policy", "same-origin"],
];

export function newCspNonce(): string {
  return randomBytes(16).toString("base64");
}

/** Whether the request came over TLS: directly, or through a trusted proxy that says so. */
export function isHttps(req: IncomingMessage, trustProxy: boolean): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  return (
    trustProxy &&
    String(req.headers["x-forwarded-proto"] ?? "")
      .split(",")[0]
      .trim() === "https"
  );
}

/**
 * Security headers on every response. Cache-Control and the content security policy are defaults: a route
 * that sets its own (a rendered page's nonce policy, the static files' caching) keeps it, so they are filled in
 * when the head is written rather than set now (Remix appends its headers, which would give two policies).
 */
export function applySecurityHeaders(req: IncomingMessage, res: ServerResponse, trustProxy: boolean) {
  for (const [name, value] of ALWAYS) res.setHeader(name, value);
  if (isHttps(req, trustProxy)) res.setHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const given = args.find((a): a is OutgoingHttpHeaders => typeof a === "object" && a !== null && !Array.isArray(a));
    const has = (name: string) => res.hasHeader(name) || (given !== undefined && Object.keys(given).some((k) => k.toLowerCase() === name));
    // Authenticated pages and API answers are per caller: no shared or browser cache may keep them.
    if (!has("cache-control")) res.setHeader("Cache-Control", "no-store");
    if (!has("content-security-policy")) res.setHeader("Content-Security-Policy", DEFAULT_POLICY);
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse["writeHead"];
}
