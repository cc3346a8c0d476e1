import { NO_RULES, type ColumnRules, type NormalizationRule } from "./types";

/** A rule applies until its expiry; an expiry in the past (or exactly now) switches it off. */
export function isRuleActive(rule: NormalizationRule, now: Date = new Date()): boolean {
  if (!rule.expiresAt) return true;
  const expires = Date.parse(rule.expiresAt);
  // An unparseable expiry is treated as expired: a rule we cannot date must not hide differences forever.
  return Number.isFinite(expires) && expires > now.getTime();
}

export function ruleMatches(rule: NormalizationRule, table: string, column: string): boolean {
  return (rule.table === "*" || rule.table === table) && (rule.column === "*" || rule.column === column);
}

/** exact table + column (3) > table + any column (2) > any table + column (1) > any + any (0). */
export function ruleSpecificity(rule: NormalizationRule): number {
  return (rule.table === "*" ? 0 : 2) + (rule.column === "*" ? 0 : 1);
}

/** The rules in force for one column: for each kind the most specific active rule (first listed on a tie). */
export function resolveColumnRules(rules: readonly NormalizationRule[], table: string, column: string, now: Date = new Date()): ColumnRules {
  const best = new Map<NormalizationRule["kind"], NormalizationRule>();
  for (const rule of rules) {
    if (!ruleMatches(rule, table, column) || !isRuleActive(rule, now)) continue;
    const current = best.get(rule.kind);
    if (!current || ruleSpecificity(rule) > ruleSpecificity(current)) best.set(rule.kind, rule);
  }
  if (best.size === 0) return NO_RULES;
  const resolved: ColumnRules = { ...NO_RULES };
  for (const rule of best.values()) {
    switch (rule.kind) {
      case "ignore_column":
        resolved.ignore = { ruleId: rule.id };
        break;
      case "timestamp_precision":
        resolved.timestampPrecision = { ruleId: rule.id, digits: clampDigits(rule.digits) };
        break;
      case "numeric_scale":
        resolved.numericScale = { ruleId: rule.id };
        break;
      case "float_tolerance":
        resolved.floatTolerance = { ruleId: rule.id, tolerance: Math.abs(rule.tolerance) };
        break;
      case "json_normalize":
        resolved.jsonNormalize = { ruleId: rule.id };
        break;
      case "trailing_spaces":
        resolved.trailingSpaces = { ruleId: rule.id };
        break;
      case "null_equals_empty":
        resolved.nullEqualsEmpty = { ruleId: rule.id };
        break;
    }
  }
  return resolved;
}

function clampDigits(digits: number): number {
  if (!Number.isFinite(digits)) return 6;
  return Math.min(6, Math.max(0, Math.trunc(digits)));
}

/** Resolves column rules once per (table, column): ingestion compares thousands of rows against the same rules. */
export type RuleResolver = (table: string, column: string) => ColumnRules;

export function createRuleResolver(rules: readonly NormalizationRule[], now: Date = new Date()): RuleResolver {
  if (rules.length === 0) return () => NO_RULES;
  // Nested maps: no key string is built per field of every row.
  const cache = new Map<string, Map<string, ColumnRules>>();
  return (table, column) => {
    let columns = cache.get(table);
    if (!columns) cache.set(table, (columns = new Map()));
    let resolved = columns.get(column);
    if (!resolved) {
      resolved = resolveColumnRules(rules, table, column, now);
      columns.set(column, resolved);
    }
    return resolved;
  };
}

/** Human-readable one-liner for lists and audit entries. */
export function describeRule(rule: NormalizationRule): string {
  const scope = `${rule.table}.${rule.column}`;
  switch (rule.kind) {
    case "ignore_column":
      return `ignore ${scope}`;
    case "timestamp_precision":
      return `compare ${scope} timestamps at ${rule.digits} fractional digit${rule.digits === 1 ? "" : "s"}`;
    case "numeric_scale":
      return `ignore numeric scale in ${scope}`;
    case "float_tolerance":
      return `${scope} floats equal within ${rule.tolerance}`;
    case "json_normalize":
      return `ignore JSON key order and whitespace in ${scope}`;
    case "trailing_spaces":
      return `ignore trailing spaces in ${scope}`;
    case "null_equals_empty":
      return `NULL equals empty string in ${scope}`;
  }
}
