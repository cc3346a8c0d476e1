/**
 * Human change summaries: what one audited change (or one cohort history entry) did, in words.
 * One module for the audit log, the cohort history and the mismatch history, so a share reads "share 10% → 11%"
 * everywhere. Pure (no Remix, no database): uuids become names through the `names` map the caller resolved.
 */
import { MODE_LABELS, isMode } from "../rollout/modes";

export interface ChangeLine {
  /** "share", "mode", "note", ... */
  label: string;
  /** "10% → 11%", "set to Dual write", "removed (was 25%)", or the note's text. */
  text: string;
  kind: "changed" | "added" | "removed" | "note";
}

/** uuid (or other id) -> the name people know it by: a user's email, a cohort's or a token's name. */
export type NameMap = Readonly<Record<string, string>>;

const LABELS: Record<string, string> = {
  percentBasisPoints: "share",
  mode: "mode",
  assigneeId: "assignee",
  rampSteps: "ramp steps",
  rampEveryHours: "ramp interval",
  mismatchBudget: "mismatch budget",
  budgetWindowMinutes: "budget window",
  expiresAt: "expires",
  userIds: "user ids",
  schoolIds: "school ids",
  tableName: "table",
  schemaName: "schema",
  columnName: "column",
  everyHours: "every",
  maxAgeHours: "maximum age",
  rampClockAt: "ramp clock started",
  sourceDiskBytes: "source disk size",
};

/**
 * The lines of a before/after pair. Both objects: only the fields of `after` whose value differs (a field an
 * update does not mention is unchanged, so `{status}` before and `{note}` after is a note, not a cleared status).
 * One side missing: a creation (every field set) or a removal (every field it had).
 */
export function summarizeChange(before: unknown, after: unknown, names: NameMap = {}): ChangeLine[] {
  if (isObject(before) && isObject(after)) {
    const lines: ChangeLine[] = [];
    for (const key of Object.keys(after)) {
      if (key === "note") {
        if (typeof after.note === "string" && after.note.trim()) lines.push({ label: "note", text: after.note, kind: "note" });
        continue;
      }
      if (!(key in before) || !sameValue(before[key], after[key])) lines.push(fieldLine(key, key in before ? before[key] : undefined, after[key], names));
    }
    return lines;
  }
  if (isObject(after))
    return Object.entries(after)
      .filter(([, v]) => !isEmpty(v))
      .map(([k, v]) => fieldLine(k, undefined, v, names));
  if (isObject(before))
    return Object.entries(before)
      .filter(([, v]) => !isEmpty(v))
      .map(([k, v]) => fieldLine(k, v, undefined, names));
  if (isEmpty(before) && isEmpty(after)) return [];
  return [fieldLine("value", isEmpty(before) ? undefined : before, isEmpty(after) ? undefined : after, names)];
}

/** The lines of a stored field-by-field diff (cohort history: `{ field: { before, after } }`). */
export function summarizeFieldDiff(diff: Record<string, { before?: unknown; after?: unknown }>, names: NameMap = {}): ChangeLine[] {
  return Object.entries(diff)
    .filter(([, c]) => !sameValue(c.before, c.after))
    .map(([key, c]) => fieldLine(key, isEmpty(c.before) ? undefined : c.before, isEmpty(c.after) ? undefined : c.after, names));
}

/** One line as plain text: "share: 10% → 11%". */
export function changeLineText(line: ChangeLine): string {
  return line.kind === "note" ? `note: “${line.text}”` : `${line.label}: ${line.text}`;
}

function fieldLine(key: string, before: unknown, after: unknown, names: NameMap): ChangeLine {
  const label = fieldLabel(key);
  if (before === undefined) return { label, text: `set to ${formatValue(key, after, names)}`, kind: "added" };
  if (after === undefined) return { label, text: `removed (was ${formatValue(key, before, names)})`, kind: "removed" };
  return { label, text: `${formatValue(key, before, names)} → ${formatValue(key, after, names)}`, kind: "changed" };
}

/** "percentBasisPoints" -> "share", "lastSeenAt" -> "last seen at". */
export function fieldLabel(key: string): string {
  return (
    LABELS[key] ??
    key
      .replace(/_/g, " ")
      .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
      .toLowerCase()
  );
}

/** A value in words, never truncated: shares as percentages, modes by name, ids by name, lists joined. */
export function formatValue(key: string, value: unknown, names: NameMap = {}): string {
  if (value === null || value === undefined) return key === "assigneeId" ? "nobody" : "none";
  if (key === "percentBasisPoints" && typeof value === "number") return formatShare(value);
  if (key === "rampSteps" && Array.isArray(value)) return value.map((v) => (typeof v === "number" ? formatShare(v) : String(v))).join(", ");
  if (key === "rampEveryHours" || key === "everyHours" || key === "maxAgeHours") return typeof value === "number" ? `${value} h` : String(value);
  if (key === "budgetWindowMinutes" && typeof value === "number") return `${value} min`;
  if (key === "sourceDiskBytes" && typeof value === "number") return `${(value / 2 ** 30).toLocaleString("en", { maximumFractionDigits: 2 })} GiB`;
  if (key === "mismatchBudget" && typeof value === "number") return `${(value * 100).toLocaleString("en", { maximumFractionDigits: 4 })}%`;
  if (isMode(value)) return MODE_LABELS[value];
  if (typeof value === "string" && ISO_TIME.test(value)) return `${value.slice(0, 10)} ${value.slice(11, 16)} UTC`;
  if (typeof value === "string") return names[value] ?? words(value);
  if (typeof value === "number") return value.toLocaleString("en");
  if (typeof value === "boolean") return value ? "yes" : "no";
  // An explicit user list may hold 100,000 ids: its size says more than its text.
  if (Array.isArray(value) && value.length > 20) return `${value.length.toLocaleString("en")} ${fieldLabel(key)}`;
  if (Array.isArray(value)) return value.length ? value.map((v) => formatValue(key, v, names)).join(", ") : "none";
  if (isObject(value)) {
    const parts = Object.entries(value)
      .filter(([, v]) => !isEmpty(v))
      .map(([k, v]) => `${fieldLabel(k)} ${formatValue(k, v, names)}`);
    return parts.length ? parts.join("; ") : "none";
  }
  return String(value);
}

/** 1000 -> "10%", 1050 -> "10.5%", 1 -> "0.01%". */
function formatShare(basisPoints: number): string {
  return `${(basisPoints / 100).toLocaleString("en", { maximumFractionDigits: 2 })}%`;
}

/** Enum-like snake_case values read as words ("value_mismatch" -> "value mismatch"); anything else unchanged. */
function words(value: string): string {
  return /^[a-z]+(_[a-z]+)+$/.test(value) ? value.replace(/_/g, " ") : value;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A stored timestamp (toISOString()): shown to the minute, in UTC, as the rest of the log. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const UUID_IN_TEXT = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Every uuid a set of values mentions (at any depth), so the caller can resolve them to names in one query. */
export function collectIds(values: unknown[], into: Set<string> = new Set()): Set<string> {
  for (const value of values) {
    if (typeof value === "string" && UUID.test(value)) into.add(value);
    else if (Array.isArray(value)) collectIds(value, into);
    else if (isObject(value)) collectIds(Object.values(value), into);
  }
  return into;
}

/** The uuids inside free text (a reason written by the system: "backfill <id>: converge round 2"). */
export function collectIdsInText(texts: (string | null)[], into: Set<string> = new Set()): Set<string> {
  for (const text of texts) for (const id of text?.match(UUID_IN_TEXT) ?? []) into.add(id);
  return into;
}

/** Free text with every uuid that names something replaced by its name. */
export function nameIdsInText(text: string, names: NameMap): string {
  return text.replace(UUID_IN_TEXT, (id) => names[id] ?? id);
}
