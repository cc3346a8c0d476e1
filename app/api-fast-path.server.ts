import type { IncomingMessage, ServerResponse } from "node:http";
import { bodyText, type ApiAnswer, type RequestBody } from "./api/answer.server";
import { assignmentAnswer } from "./api/assignments.server";
import { metricsAnswer } from "./api/metrics.server";
import { mismatchReportAnswer } from "./api/mismatches.server";
import { rulesetAnswer } from "./api/ruleset.server";

const RULESET = "/api/v1/ruleset";
const ASSIGNMENTS = "/api/v1/assignments/";
const MISMATCHES = "/api/v1/mismatches";
const METRICS = "/metrics";
/**
 * A user-id segment the fast path decodes exactly as Remix does: unreserved characters, sub-delims, ':' and '@',
 * and percent escapes other than %25 (React Router turns a "%2F" left after decoding into "/"). Anything else,
 * and any URL the WHATWG parser would rewrite (dot segments, '#', spaces, non-ASCII), goes to Remix, which
 * answers it the usual way.
 */
const PLAIN_SEGMENT = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%(?!25)[0-9A-Fa-f]{2})+$/;
const PLAIN_QUERY = /^[\x21-\x22\x24-\x7e]*$/;

/**
 * The endpoints the application servers hit hardest — ruleset polling, per-user assignments and mismatch reports
 * — and Prometheus's scrape of /metrics, served straight from node's IncomingMessage/ServerResponse: the same answer functions as their Remix route
 * loader or action, without the Request/Response/Headers objects, web streams and express, which cost several
 * times the answer itself. Returns false for any other request (the caller hands it to express and Remix), true
 * once it has taken it.
 */
export function serveHotApi(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === "POST") {
    // Only the exact path: a query string may carry Remix's own parameters (?_data, ?index).
    if (req.url !== MISMATCHES) return false;
    send(res, mismatchReportAnswer(req.headers.authorization, header(req, "idempotency-key"), nodeRequestBody(req)));
    return true;
  }
  if (req.method !== "GET") return false;
  const url = req.url ?? "";
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? "" : url.slice(q + 1);
  let answer: Promise<ApiAnswer>;
  if (path === RULESET) {
    answer = rulesetAnswer(req.headers.authorization, req.headers["if-none-match"]);
  } else if (url === METRICS) {
    // Only the exact path: a query string may carry Remix's own parameters. Prometheus pages run to megabytes,
    // which web streams through express would copy chunk by chunk.
    answer = metricsAnswer(req.headers.authorization);
  } else if (path.startsWith(ASSIGNMENTS)) {
    const segment = path.slice(ASSIGNMENTS.length);
    if (!PLAIN_SEGMENT.test(segment) || !PLAIN_QUERY.test(query)) return false;
    let userId: string;
    try {
      userId = decodeURIComponent(segment);
    } catch {
      return false; // a malformed escape (%FF): Remix answers it (the web server's request gate refuses it first)
    }
    if (userId === "." || userId === "..") return false; // a dot segment: the URL parser removes it
    answer = assignmentAnswer(req.headers.authorization, userId, new URLSearchParams(query));
  } else {
    return false;
  }
  send(res, answer);
  return true;
}

/** A header as the Remix request shows it: the express adapter leaves out empty ones. */
function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  // node joins a repeated custom header with ", " as Headers.get does; only its type allows an array.
  const text = Array.isArray(value) ? value.join(", ") : value;
  return text === "" ? undefined : text;
}

/** The body straight from the socket's Buffers; past the limit the rest is left for node to discard. */
function nodeRequestBody(req: IncomingMessage): RequestBody {
  return {
    declaredLength: req.headers["content-length"],
    readText: (maxBytes) =>
      new Promise((resolve, reject) => {
        let chunks: Buffer[] = [];
        let size = 0;
        // The listeners let go of the chunks once done: the request object lives until the answer is sent.
        const done = (text: string | null) => {
          req.off("data", onData).off("end", onEnd);
          chunks = [];
          resolve(text);
        };
        const onData = (chunk: Buffer) => {
          size += chunk.length;
          if (size <= maxBytes) chunks.push(chunk);
          else done(null);
        };
        const onEnd = () => done(bodyText(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
        req.on("data", onData).on("end", onEnd).once("error", reject);
      }),
  };
}

function send(res: ServerResponse, answer: Promise<ApiAnswer>) {
  answer.then(
    (a) => {
      if (a.body === null) {
        res.writeHead(a.status, a.headers);
        res.end();
      } else {
        res.writeHead(a.status, { ...a.headers, "Content-Length": Buffer.byteLength(a.body) });
        res.end(a.body);
      }
    },
    (error: unknown) => {
      // A bug: the answer functions turn every expected failure (the control DB down included) into an answer.
      process.stderr.write(`api error: ${error instanceof Error ? error.stack : String(error)}\n`);
      if (res.headersSent) return void res.destroy();
      res.writeHead(500, { "Content-Type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ error: { status: 500, message: "Internal error." } }));
    },
  );
}
