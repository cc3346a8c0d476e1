/**
 * The nesting depth JSON bodies may reach. Deeper documents parse, but every recursive walk of them (validation,
 * canonical forms, JSON.stringify itself) overflows the stack, so they are refused before anything walks them.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * What makes a parsed JSON body unusable, or null: nesting deeper than `maxDepth`, or a number JSON.parse read as
 * Infinity (1e309), which JSON.stringify would write back as null. Walks the parsed value with its own stack
 * (never recursing) and skips strings, so it costs a small part of the parse.
 */
export function jsonValueProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | null {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) return "holds a number out of range (JSON numbers must be finite)";
      continue;
    }
    if (typeof v !== "object" || v === null) continue;
    if (depth >= maxDepth) return `nests deeper than ${maxDepth} levels`;
    if (Array.isArray(v)) {
      for (const item of v) {
        if (typeof item === "object" || typeof item === "number") {
          values.push(item);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in v) {
        const item = (v as Record<string, unknown>)[key];
        if (typeof item === "object" || typeof item === "number") {
          values.push(item);
          depths.push(depth + 1);
        }
      }
    }
  }
  return null;
}
