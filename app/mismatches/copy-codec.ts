/**
 * The COPY codec of prepared records: one text line per record in the column order of the fold's temporary table
 * (app/models/mismatch-records.server.ts, writeRecords). The inbox keeps each batch in this form.
 */
import { canonicalPrimaryKey, primaryKeyIdentity, type KeyShape } from "../normalization";
import type { SensitiveMask } from "../sensitive/sensitive-values";
import { MISMATCH_ORIGINS, type MismatchKind, type MismatchOrigin } from "./contract";
import { mergeInto, mergeRecord } from "./merge";
import type { PreparedRecord } from "./prepare";
import { mismatchSignature } from "./signature";

/** COPY text escaping: backslash, newline, carriage return and tab are the only special characters. */
function copyText(value: string | null): string {
  if (value === null) return "\\N";
  return SPECIAL.test(value) ? value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t") : value;
}
const SPECIAL = /[\\\n\r\t]/;

/** JSON.stringify output has no raw control characters, so only its backslashes need doubling. */
function copyJson(value: string | null): string {
  if (value === null) return "\\N";
  return value.includes("\\") ? value.replace(/\\/g, "\\\\") : value;
}

/**
 * Prepared records as COPY text lines in the column order of `writeRecords`' mismatch_fold table: what the inbox
 * keeps per batch, so a fold hands many batches to PostgreSQL's COPY parser without decoding them in JS.
 * Signatures and group keys are hex, origins and kinds enum labels, rule ids uuids: none needs escaping.
 */
export function encodeRecords(records: PreparedRecord[]): string {
  const lines: string[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const first = r.firstAt ?? new Date(r.firstMs).toISOString();
    const last = r.lastMs === r.firstMs ? first : (r.lastAt ?? new Date(r.lastMs).toISOString());
    lines[i] =
      `${r.signature}\t${r.groupKey}\t${r.origin}\t${r.kind}\t${copyText(r.table)}\t${copyJson(r.primaryKey)}\t` +
      `${copyText(r.userId)}\t${copyText(r.cohortId)}\t${copyText(r.fingerprint)}\t${copyJson(r.sourceValue)}\t` +
      `${copyJson(r.targetValue)}\t${copyText(r.fieldsKey)}\t${r.ignoredByRuleId ?? "\\N"}\t${copyText(r.reconciliationJobId)}\t` +
      `${r.occurrences}\t${first}\t${last}\t${r.shadowReads}\t${r.dualWrites}\t${r.reconciliations}\n`;
  }
  return lines.join("");
}

/**
 * Merges encoded batches (each already one line per signature) into one COPY text with one line per signature,
 * by the rule of `mergeInto`. A fold does this in the folder rather than with a window sort in SQL (which cost
 * about a sixth of a fold's PostgreSQL CPU); only the rare repeated line is decoded.
 */
export function mergeEncodedBatches(batches: string[]): string {
  const lines = new Map<string, string>();
  // Whether the batches can no longer be handed on as they are.
  let rebuild = false;
  for (const batch of batches) {
    let start = 0;
    while (start < batch.length) {
      // Every line ends in a newline; a last one without is still one line (and must get one before the next batch).
      let end = batch.indexOf("\n", start);
      if (end < 0) {
        end = batch.length;
        rebuild = true;
      }
      const line = batch.slice(start, end);
      start = end + 1;
      const signature = line.slice(0, line.indexOf("\t"));
      const existing = lines.get(signature);
      if (existing === undefined) lines.set(signature, line);
      else {
        lines.set(signature, mergeLines(existing, line));
        rebuild = true;
      }
    }
  }
  if (!rebuild) return batches.join("");
  let text = "";
  for (const line of lines.values()) text += line + "\n";
  return text;
}

function mergeLines(a: string, b: string): string {
  const merged = encodeRecords([mergeInto(decodeLine(a), decodeLine(b))]);
  return merged.slice(0, -1);
}

/**
 * Staged records (encodeRecords text) with the mask's columns hashed: for batches staged before a column was
 * marked sensitive. Lines of other tables are kept as they are; unchanged text comes back as the same string.
 */
export function maskEncodedRecords(text: string, mask: SensitiveMask): string {
  let changed = false;
  const lines = text.split("\n").map((line) => {
    if (!line) return line;
    const record = decodeLine(line);
    if (!mask.columnsOf(record.table)) return line;
    const masked = { ...record };
    for (const side of ["sourceValue", "targetValue"] as const) {
      const value = record[side];
      if (value !== null) masked[side] = JSON.stringify(mask.row(record.table, JSON.parse(value)));
    }
    if (masked.sourceValue === record.sourceValue && masked.targetValue === record.targetValue) return line;
    changed = true;
    return encodeRecords([masked]).slice(0, -1);
  });
  return changed ? lines.join("\n") : text;
}

/**
 * Staged records (encodeRecords text, either line format) with their keys in the canonical form and signatures
 * recomputed, lines that now share a signature merged: for the batches waiting when identities were migrated.
 */
export function reidentifyEncodedRecords(text: string, shapes: Map<string, KeyShape | null>): string {
  const bySignature = new Map<string, PreparedRecord>();
  for (const line of text.split("\n")) {
    if (!line) continue;
    const record = decodeLine(line);
    const key = canonicalPrimaryKey(JSON.parse(record.primaryKey), shapes.get(record.table) ?? null);
    record.primaryKey = JSON.stringify(key);
    record.signature = mismatchSignature(record.table, primaryKeyIdentity(key), record.kind, record.fieldsKey);
    mergeRecord(bySignature, record);
  }
  return encodeRecords([...bySignature.values()]);
}

/** An encodeRecords line back as the record it was (its detection times are in toISOString's form). */
export function decodeLine(line: string): PreparedRecord {
  const f = line.split("\t").map(copyValue);
  const [firstAt, lastAt] = [f[15] as string, f[16] as string];
  const origin = f[2] as MismatchOrigin;
  const occurrences = Number(f[14]);
  // Lines staged before the per-origin counts existed (17 fields) count every occurrence under their origin.
  const perOrigin = f.length > 17 ? f.slice(17, 20).map(Number) : MISMATCH_ORIGINS.map((o) => (o === origin ? occurrences : 0));
  return {
    signature: f[0] as string,
    groupKey: f[1] as string,
    origin,
    kind: f[3] as MismatchKind,
    table: f[4] as string,
    primaryKey: f[5] as string,
    userId: f[6],
    cohortId: f[7],
    fingerprint: f[8],
    sourceValue: f[9],
    targetValue: f[10],
    fieldsKey: f[11] as string,
    ignoredByRuleId: f[12],
    reconciliationJobId: f[13],
    occurrences,
    shadowReads: perOrigin[0],
    dualWrites: perOrigin[1],
    reconciliations: perOrigin[2],
    firstMs: Date.parse(firstAt),
    lastMs: Date.parse(lastAt),
    firstAt,
    lastAt,
  };
}

/** The inverse of copyText and copyJson. */
function copyValue(field: string): string | null {
  if (field === "\\N") return null;
  return field.includes("\\") ? field.replace(/\\(.)/g, (_, c: string) => COPY_ESCAPES[c] ?? c) : field;
}
const COPY_ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t" };
