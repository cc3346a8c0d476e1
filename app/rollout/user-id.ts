/**
 * The one validation of a user id, shared by the API, the Users page and the application-side client.
 * A user id is a string of 1 to 256 characters (Unicode code points, so an id in any script gets the same room).
 */
export const MAX_USER_ID_LENGTH = 256;

/** The most users one POST /api/v1/assignments may ask about. */
export const MAX_ASSIGNMENT_BATCH = 10_000;

/** Why `value` is not a valid user id, or null when it is. */
export function userIdProblem(value: unknown): string | null {
  if (typeof value !== "string") return "user id must be a string";
  if (value.length === 0) return "user id must not be empty";
  // .length counts UTF-16 units, an upper bound on code points: count them only when it could matter.
  if (value.length > MAX_USER_ID_LENGTH && countCodePoints(value) > MAX_USER_ID_LENGTH) {
    return `user id must be at most ${MAX_USER_ID_LENGTH} characters`;
  }
  return null;
}

export function isUserId(value: unknown): value is string {
  return userIdProblem(value) === null;
}

function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
