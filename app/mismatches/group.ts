import type { MismatchKind } from "./contract";

/** A group of triage's grouped view and the Overview's top offenders: one table, kind and set of differing fields. */
export interface MismatchGroup {
  key: string;
  table: string;
  kind: MismatchKind;
  differingFields: string[];
  records: number;
  occurrences: number;
  firstSeenAt: string;
  lastSeenAt: string;
  /** Occurrences per hour over the last 24 hours, oldest first. */
  trend: number[];
}
