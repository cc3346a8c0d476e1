/** A mismatch as an application server reports it to the API (camelCase JSON), with overrides. */
export function apiRecord(i: number, overrides: Record<string, unknown> = {}) {
  return {
    origin: "shadow_read",
    kind: "value_mismatch",
    table: "documents",
    primaryKey: { id: i },
    userId: `user-${i}`,
    cohort: "cohort-eu",
    fingerprint: null,
    sourceValue: { id: i, title: "A" },
    targetValue: { id: i, title: "B" },
    detectedAt: new Date().toISOString(),
    ...overrides,
  };
}
