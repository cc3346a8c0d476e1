import { PassThrough } from "node:stream";
import type { AppLoadContext, EntryContext, HandleErrorFunction } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { isRouteErrorResponse, RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { RETRY_AFTER_SECONDS } from "./http/route-guard.server";
import { newCspNonce, pageContentSecurityPolicy } from "./http/security-headers.server";
import { NonceProvider } from "./utils/nonce-provider";

// The hot API paths, exported from the server build so the web server can serve them ahead of Remix.
export { serveHotApi } from "./api-fast-path.server";

const ABORT_DELAY = 5_000;

/**
 * Remix logs every error it meets; a 4xx it answers itself (a POST to a page without an action, an OPTIONS
 * request) is the caller's mistake, not news for the operator, and an aborted request is the caller leaving.
 */
export const handleError: HandleErrorFunction = (error, { request }) => {
  if (request.signal.aborted) return;
  if (isRouteErrorResponse(error) && error.status < 500) return;
  process.stderr.write(`remix error: ${error instanceof Error ? error.stack : String(error)}\n`);
};

/** Remix's default document rendering: bots get the whole page at once, browsers a stream. */
export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const nonce = typeof loadContext.cspNonce === "string" ? loadContext.cspNonce : newCspNonce();
  responseHeaders.set("Content-Security-Policy", pageContentSecurityPolicy(nonce));
  // A page whose database is down (the route guard's 503): browsers and monitors are told when to come back.
  if (responseStatusCode === 503) responseHeaders.set("Retry-After", String(RETRY_AFTER_SECONDS));
  const waitForAll = isbot(request.headers.get("user-agent") ?? "") || remixContext.isSpaMode;
  return new Promise((resolve, reject) => {
    let shellRendered = false;
    const ready = () => {
      shellRendered = true;
      const body = new PassThrough();
      responseHeaders.set("Content-Type", "text/html");
      resolve(new Response(createReadableStreamFromReadable(body), { headers: responseHeaders, status: responseStatusCode }));
      pipe(body);
    };
    const page = (
      <NonceProvider value={nonce}>
        <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
      </NonceProvider>
    );
    const { pipe, abort } = renderToPipeableStream(page, {
      nonce,
      ...(waitForAll ? { onAllReady: ready } : { onShellReady: ready }),
      onShellError: reject,
      onError(error: unknown) {
        responseStatusCode = 500;
        // Errors before the shell is ready reject above and are logged by Remix; later ones only show here.
        if (shellRendered) process.stderr.write(`render error: ${error instanceof Error ? error.stack : String(error)}\n`);
      },
    });
    setTimeout(abort, ABORT_DELAY);
  });
}
