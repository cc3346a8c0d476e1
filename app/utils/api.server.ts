import { json } from "@remix-run/node";

/** The one shape of every /api/v1 error: `{ error: { status, message, details? } }`. */
export function apiError(status: number, message: string, details?: unknown, headers?: HeadersInit) {
  return json({ error: { status, message, ...(details === undefined ? {} : { details }) } }, { status, headers });
}

/** Parses a JSON body with a byte limit: 413 past it, 400 for bad JSON (thrown as Responses). */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw apiError(413, `Body too large: ${declared} bytes, the limit is ${maxBytes}.`);
  const text = await readLimited(request, maxBytes);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw apiError(400, `Body is not valid JSON: ${(error as Error).message}`);
  }
}

async function readLimited(request: Request, maxBytes: number): Promise<string> {
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
      throw apiError(413, `Body too large: more than ${maxBytes} bytes.`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
