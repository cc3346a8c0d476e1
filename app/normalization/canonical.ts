import { NO_RULES, type ColumnRules, type ColumnType } from "./types";

// The canonical forms are specified in types.ts; app/normalization/sql.ts reproduces them inside the databases.

const TIMESTAMP = /^(\d{4,})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*(Z|z|[+-]\d{2}(?::?\d{2}){0,2})?$/;
const DATE_ONLY = /^(\d{4,})-(\d{2})-(\d{2})$/;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const SPECIAL_NUMBERS = new Set(["NaN", "Infinity", "-Infinity"]);
const MAX_EXPONENT = 1000;

export function isTimestampText(value: string): boolean {
  return TIMESTAMP.test(value);
}

export function isDecimalText(value: string): boolean {
  const m = DECIMAL.exec(value);
  return m !== null && (m[2] ?? "").length + (m[3] ?? "").length > 0;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

function truncateFraction(fraction6: string, digits: number): string {
  return fraction6.slice(0, digits).padEnd(6, "0");
}

/** UTC `YYYY-MM-DDTHH:MM:SS` of an epoch in milliseconds (whole seconds). */
function utcSeconds(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`
  );
}

/**
 * Whether the fields name a real wall time, one a Date would not roll over (Feb 30, 24:00, second 60 would).
 * Date.UTC reads years below 100 as 19xx: only year 0's Feb 29 is refused wrongly, and callers then take the
 * Date's own way.
 */
export function isCalendarTime(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  return day <= 28 || day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function isPlainWallTime(y: string, mo: string, d: string, h: string, mi: string, s: string): boolean {
  return isCalendarTime(Number(y), twoDigits(mo), twoDigits(d), twoDigits(h), twoDigits(mi), twoDigits(s));
}

/** The value of two ASCII digits (what TIMESTAMP's two-digit groups hold). */
function twoDigits(text: string): number {
  return (text.charCodeAt(0) - 48) * 10 + text.charCodeAt(1) - 48;
}

function offsetMinutes(zone: string): number {
  if (zone === "Z" || zone === "z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const hours = Number(zone.slice(1, 3));
  // The TIMESTAMP pattern allows ":" only before the minutes (and seconds, which do not count).
  const at = zone.charCodeAt(3) === 58 ? 4 : 3;
  const minutes = Number(zone.slice(at, at + 2) || "0");
  return sign * (hours * 60 + minutes);
}

/**
 * Canonical timestamp text (see types.ts), or null when the value is not a timestamp.
 * `withZone` false keeps wall-clock time without `Z` (timestamp without time zone).
 */
export function canonicalTimestamp(value: unknown, digits = 6, withZone?: boolean): string | null {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (!Number.isFinite(ms)) return null;
    const fraction = pad(((ms % 1000) + 1000) % 1000, 3) + "000";
    const zone = withZone === false ? "" : "Z";
    return `${utcSeconds(ms - (((ms % 1000) + 1000) % 1000))}.${truncateFraction(fraction, digits)}${zone}`;
  }
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (text === "infinity" || text === "-infinity") return text;
  const m = TIMESTAMP.exec(text);
  return m ? timestampOfMatch(m, digits, withZone) : null;
}

/** The canonical form of a TIMESTAMP match (canonicalTimestamp's, and canonicalText's without a second match). */
function timestampOfMatch(m: RegExpExecArray, digits: number, withZone: boolean | undefined): string {
  const [, y, mo, d, h, mi, s, frac = "", zone] = m;
  // Six or more digits kept whole need no padding (the common case at full precision).
  const fraction = digits === 6 && frac.length >= 6 ? frac.slice(0, 6) : truncateFraction((frac + "000000").slice(0, 6), digits);
  const zoned = withZone ?? zone !== undefined;
  if (!zoned || zone === undefined) {
    const wall = `${y}-${mo}-${d}T${h}:${mi}:${s}.${fraction}`;
    return zoned ? `${wall}Z` : wall;
  }
  // Already UTC and a valid wall time: the text is its own UTC form (most values; the Date round trip costs more
  // than the rest). Out-of-range fields and other years roll over as a Date does, below.
  if (offsetMinutes(zone) === 0 && y.length === 4 && isPlainWallTime(y, mo, d, h, mi, s)) return `${y}-${mo}-${d}T${h}:${mi}:${s}.${fraction}Z`;
  const base = new Date(0);
  base.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  base.setUTCHours(Number(h), Number(mi), Number(s), 0);
  // The offset is whole minutes, so the fraction of a second is unchanged by the shift to UTC.
  return `${utcSeconds(base.getTime() - offsetMinutes(zone) * 60_000)}.${fraction}Z`;
}

export function canonicalDate(value: unknown): string | null {
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? utcSeconds(value.getTime()).slice(0, 10) : null;
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (DATE_ONLY.test(text)) return text;
  const m = TIMESTAMP.exec(text);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

/** Plain decimal text (no exponent); `trimScale` drops trailing fractional zeros. Null when not a decimal. */
export function canonicalDecimal(value: string, trimScale: boolean): string | null {
  const text = value.trim();
  if (SPECIAL_NUMBERS.has(text)) return text;
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const [, sign, intDigits = "", fracDigits = "", expText] = m;
  if (intDigits.length + fracDigits.length === 0) return null;
  const exponent = expText ? Number(expText) : 0;
  if (Math.abs(exponent) > MAX_EXPONENT) return null;
  const digits = intDigits + fracDigits;
  const point = intDigits.length + exponent;
  let whole: string;
  let fraction: string;
  if (point <= 0) {
    whole = "0";
    fraction = "0".repeat(-point) + digits;
  } else if (point >= digits.length) {
    whole = digits + "0".repeat(point - digits.length);
    fraction = "";
  } else {
    whole = digits.slice(0, point);
    fraction = digits.slice(point);
  }
  whole = whole.replace(/^0+/, "") || "0";
  if (trimScale) fraction = fraction.replace(/0+$/, "");
  const isZero = /^0*$/.test(whole) && /^0*$/.test(fraction);
  return `${sign === "-" && !isZero ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

export function canonicalFloat(value: number): string {
  return Object.is(value, -0) ? "0" : String(value);
}

function canonicalInteger(value: unknown): string | null {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return String(value);
    // Below 2^53 String() is already plain decimal without leading zeros (and -0 prints as 0).
    if (Number.isSafeInteger(value)) return String(value);
    return Number.isInteger(value) ? canonicalDecimal(String(value), true) : canonicalFloat(value);
  }
  if (typeof value === "string") return canonicalDecimal(value, false);
  return null;
}

function canonicalNumeric(value: unknown, trimScale: boolean): string | null {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return String(value);
    return canonicalDecimal(String(value), trimScale);
  }
  if (typeof value === "string") return canonicalDecimal(value, trimScale);
  return null;
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** `JSON.stringify(buffer)` gives `{type:"Buffer",data:[...]}`: accept it so API-borne bytea compares. */
function bufferJsonBytes(value: unknown): number[] | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const v = value as { type?: unknown; data?: unknown };
  if (v.type !== "Buffer" || !Array.isArray(v.data) || Object.keys(v).length !== 2) return null;
  return v.data.every((b) => Number.isInteger(b) && b >= 0 && b <= 255) ? (v.data as number[]) : null;
}

export function canonicalBytea(value: unknown): string | null {
  const bytes = isBytes(value) ? value : bufferJsonBytes(value);
  if (!bytes) return typeof value === "string" && /^\\x[0-9a-fA-F]*$/.test(value) ? value.toLowerCase() : null;
  let hex = "\\x";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/** Orders strings by Unicode code point, as SQL `COLLATE "C"` (UTF-8 bytes) does; JS sort uses UTF-16 units. */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length;) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

/** Compact JSON; keys in the given order, or sorted by code point with `sortKeys`. */
export function canonicalJson(value: unknown, sortKeys: boolean): string {
  if (value === null || value === undefined) return "null";
  if (value instanceof Date) return JSON.stringify(canonicalTimestamp(value) ?? null);
  if (isBytes(value)) return JSON.stringify(canonicalBytea(value));
  switch (typeof value) {
    case "bigint":
      return value.toString();
    case "number":
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "object":
      break;
    default:
      return "null";
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item, sortKeys)).join(",")}]`;
  // Built by hand rather than with entries/filter/sort/map: ingestion serializes every record's key this way.
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (sortKeys && keys.length > 1) keys.sort(compareCodePoints);
  let out = "{";
  for (const key of keys) {
    const item = object[key];
    if (item === undefined) continue;
    out += `${out.length > 1 ? "," : ""}${JSON.stringify(key)}:${canonicalJson(item, sortKeys)}`;
  }
  return `${out}}`;
}

/** A JSON document given as text, parsed; undefined when it is not JSON. */
export function parseJsonText(value: string): unknown {
  const text = value.trim();
  if (!text.startsWith("{") && !text.startsWith("[")) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The type of a value whose column type is unknown (values that arrived as JSON); see types.ts. */
export function inferType(value: unknown, rules: ColumnRules = NO_RULES): Exclude<ColumnType, "auto"> {
  if (value instanceof Date) return "timestamptz";
  if (isBytes(value) || bufferJsonBytes(value)) return "bytea";
  switch (typeof value) {
    case "boolean":
      return "boolean";
    case "bigint":
      return "integer";
    case "number":
      return Number.isInteger(value) ? "integer" : "float";
    case "object":
      return "json";
    case "string": {
      const m = TIMESTAMP.exec(value.trim());
      if (m) return m[8] === undefined ? "timestamp" : "timestamptz";
      if (rules.numericScale && isDecimalText(value.trim())) return "numeric";
      if (rules.jsonNormalize && parseJsonText(value) !== undefined) return "json";
      return "text";
    }
    default:
      return "text";
  }
}

function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Date) return canonicalTimestamp(value) ?? String(value);
  if (typeof value === "object") return canonicalJson(value, false);
  return String(value);
}

/**
 * The canonical text of a value under one column's rules (null = SQL NULL). Equal canonical texts <=> equal
 * values, except float tolerance (see `valuesEqual`). Values the declared type cannot read fall back to text.
 */
export function canonicalText(value: unknown, rules: ColumnRules = NO_RULES, type: ColumnType = "auto"): string | null {
  if (value === null || value === undefined) return null;
  const digits = rules.timestampPrecision?.digits ?? 6;
  if (type === "auto" && typeof value === "string") {
    // inferType's own test, kept: a timestamp-shaped string is formatted from this one match, not parsed again.
    const m = TIMESTAMP.exec(value.trim());
    if (m) return timestampOfMatch(m, digits, m[8] !== undefined);
  }
  const resolved = type === "auto" ? inferType(value, rules) : type;
  let text: string | null = null;
  switch (resolved) {
    case "timestamptz":
      text = canonicalTimestamp(value, digits, true);
      break;
    case "timestamp":
      text = canonicalTimestamp(value, digits, false);
      break;
    case "date":
      text = canonicalDate(value);
      break;
    case "integer":
      text = rules.numericScale ? canonicalNumeric(value, true) : canonicalInteger(value);
      break;
    case "numeric":
      text = canonicalNumeric(value, rules.numericScale !== null);
      break;
    case "float": {
      if (rules.numericScale) {
        text = canonicalNumeric(value, true);
      } else {
        const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
        text = typeof value === "number" || (typeof value === "string" && value.trim() !== "" && !Number.isNaN(n)) ? canonicalFloat(n) : null;
      }
      break;
    }
    case "boolean":
      text = typeof value === "boolean" ? String(value) : null;
      break;
    case "bytea":
      text = canonicalBytea(value);
      break;
    case "json": {
      const sort = rules.jsonNormalize !== null;
      if (typeof value === "string") {
        const parsed = sort ? parseJsonText(value) : undefined;
        text = parsed === undefined ? value : canonicalJson(parsed, true);
      } else {
        text = canonicalJson(value, sort);
      }
      break;
    }
    case "uuid":
      text = typeof value === "string" ? value.toLowerCase() : null;
      break;
    case "text":
      break;
  }
  if (text !== null) return text;
  // Text, or a value its declared type cannot read: compare its text, where the string rules apply.
  let plain = asText(value);
  if (rules.trailingSpaces) plain = plain.replace(/ +$/, "");
  if (rules.nullEqualsEmpty && plain === "") return null;
  return plain;
}

/** Equality under one column's rules: canonical texts, plus the numeric comparison of float tolerance. */
export function valuesEqual(source: unknown, target: unknown, rules: ColumnRules = NO_RULES, type: ColumnType = "auto"): boolean {
  const a = canonicalText(source, rules, type);
  const b = canonicalText(target, rules, type);
  if (a === b) return true;
  if (rules.floatTolerance && a !== null && b !== null && isDecimalText(a) && isDecimalText(b)) {
    const x = Number(a);
    const y = Number(b);
    return Number.isFinite(x) && Number.isFinite(y) && Math.abs(x - y) <= rules.floatTolerance.tolerance;
  }
  return false;
}
