/**
 * An expected refusal of a rollout change (stale version, missing confirmation, gate closed, ...) with the HTTP
 * status a route should answer; models throw it, routes turn it into a Response.
 */
export class RolloutError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 422,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "RolloutError";
  }
}
