import type { LoaderFunctionArgs } from "@remix-run/node";
import { loader as assignmentLoader } from "./routes/api.v1.assignments.$userId";
import { loader as rulesetLoader } from "./routes/api.v1.ruleset";

const ASSIGNMENT_PATH = /^\/api\/v1\/assignments\/([^/]+)$/;

/**
 * The two endpoints the application servers hit hardest — ruleset polling and per-user assignments — answered by
 * their own route loaders (same auth, same code, same answers) but without Remix's request pipeline, which costs
 * several times the loader itself. Returns null for anything else, which Remix then serves as usual.
 */
export async function hotApiResponse(method: string, url: URL, headers: Headers): Promise<Response | null> {
  if (method !== "GET") return null;
  let loader: (args: LoaderFunctionArgs) => Promise<Response>;
  let params: Record<string, string> = {};
  if (url.pathname === "/api/v1/ruleset") {
    loader = rulesetLoader;
  } else {
    const match = ASSIGNMENT_PATH.exec(url.pathname);
    if (!match) return null;
    try {
      params = { userId: decodeURIComponent(match[1]) };
    } catch {
      return null; // a malformed escape: let Remix answer it the way it answers any bad URL
    }
    loader = assignmentLoader;
  }
  try {
    return await loader({ request: new Request(url, { headers }), params, context: {} });
  } catch (thrown) {
    // Guards throw Responses (401, 403, 413); anything else is a real error for the caller to report.
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}
