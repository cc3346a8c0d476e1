import { isAscii } from "node:buffer";
import { jsonValueProblem } from "~/http/json-depth";
import { isDatabaseUnavailable } from "~/utils/database-unavailable";

/**
 * An API answer as plain data, the one style of every /api/v1 answer function (app/api/*): the Remix route
 * adapters turn it into a Response, the node-native fast path (app/api-fast-path.server.ts) writes it to the
 * ServerResponse, so both answer byte for byte alike. Expected failures are answers, never thrown.
 */
export interface ApiAnswer {
  status: number;
  headers: Record<string, string>;
  body: string | null;
}

export function jsonAnswer(data: unknown, status = 200, headers?: Record<string, string>): ApiAnswer {
  return { status, headers: { "Content-Type": "application/json; charset=utf-8", ...headers }, body: JSON.stringify(data) };
}

/** The one shape of every /api/v1 error: `{ error: { status, message, details? } }`. */
export function apiErrorAnswer(status: number, message: string, details?: unknown, headers?: Record<string, string>): ApiAnswer {
  return jsonAnswer({ error: { status, message, ...(details === undefined ? {} : { details }) } }, status, headers);
}

/**
 * The answer of `work`, or 503 with Retry-After when the control database cannot be reached: nothing was
 * written, and a caller retries (the client's reporter does, with the same Idempotency-Key).
 */
export async function answerUnlessUnavailable(work: Promise<ApiAnswer>): Promise<ApiAnswer> {
  try {
    return await work;
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    return apiErrorAnswer(503, "The control database cannot be reached: nothing was written. Retry in a few seconds.", undefined, { "Retry-After": "5" });
  }
}

export function answerResponse(answer: ApiAnswer): Response {
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

/** A route adapter's whole body: the answer function's answer as a Response. */
export async function respond(answer: Promise<ApiAnswer>): Promise<Response> {
  return answerResponse(await answer);
}

/** 405 with Allow: what an /api/v1 route answers to a method it does not serve. */
export function methodNotAllowed(message: string, allow = "POST"): Response {
  return answerResponse(apiErrorAnswer(405, message, undefined, { Allow: allow }));
}

/**
 * A request body as the answer functions read it, whether from a Web Request (Remix) or node's IncomingMessage
 * (the fast path): its declared Content-Length, and its bytes as text, or null once more than `maxBytes` came.
 */
export interface RequestBody {
  declaredLength: string | null | undefined;
  readText(maxBytes: number): Promise<string | null>;
}

/** Parses a JSON body with a byte limit: the value, or the answer to give instead (413 past it, 400 for bad JSON). */
export async function jsonBodyAnswer(body: RequestBody, maxBytes: number): Promise<{ value: unknown } | { denied: ApiAnswer }> {
  const declared = Number(body.declaredLength ?? "0");
  if (declared > maxBytes) return { denied: apiErrorAnswer(413, `Body too large: ${declared} bytes, the limit is ${maxBytes}.`) };
  const text = await body.readText(maxBytes);
  if (text === null) return { denied: apiErrorAnswer(413, `Body too large: more than ${maxBytes} bytes.`) };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { denied: apiErrorAnswer(400, `Body is not valid JSON: ${(error as Error).message}`) };
  }
  const problem = jsonValueProblem(value);
  return problem ? { denied: apiErrorAnswer(400, `Body ${problem}.`) } : { value };
}

export function webRequestBody(request: Request): RequestBody {
  return { declaredLength: request.headers.get("content-length"), readText: (maxBytes) => readLimited(request, maxBytes) };
}

async function readLimited(request: Request, maxBytes: number): Promise<string | null> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return bodyText(Buffer.concat(chunks));
}

/** A body's bytes as UTF-8 text. ASCII (most JSON) decodes the same as Latin-1, which skips UTF-8's checks. */
export function bodyText(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
}
