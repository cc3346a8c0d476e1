// The application-side Cutover client: import from here. No Remix, no dashboard: only the shared rollout and
// normalization modules, so it runs in any Node 20+ service.
export { createCutoverClient } from "./cutover-client";
export type { CutoverClient, CutoverClientOptions, CutoverClientStatus, MigrationCounters, ReadOptions, WriteOptions } from "./cutover-client";
export { MismatchReporter, mismatchFingerprint } from "./mismatch-reporter";
export type { MismatchBatchBody, MismatchKind, MismatchOrigin, MismatchReport, MismatchReporterOptions, MismatchReporterStats } from "./mismatch-reporter";
export { LatencyRecorder, type LatencyRecorderOptions, type LatencyRecorderStats } from "./latency-histogram";
export { LATENCY_BOUNDS_MS, latencyQuantile, type LatencyReport, type LatencySide } from "../../app/latency/histogram";
export { compareReadResults, type CompareSpec } from "./shadow-comparison";
export { CutoverOpenFeatureProvider, DEFAULT_FLAG_KEY } from "./openfeature-provider";
export { isRuleset, type RulesetOrigin } from "./ruleset-poller";
export type { Assignment, Ruleset, UserAttributes } from "../../app/rollout/types";
export type { Mode } from "../../app/rollout/modes";
export type { NormalizationRule } from "../../app/normalization";
