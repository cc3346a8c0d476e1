import type { CopyScope } from "./copy";
import type { BackfillScope } from "./types";

/** The scope the copy and the verify rounds read: a cohort as its resolved users (resolved once, by the planner). */
export function engineScopeOf(scope: BackfillScope): CopyScope {
  if (scope.kind !== "cohort") return scope;
  if (!scope.members) throw new Error("the cohort has not been resolved yet");
  return { kind: "users", column: scope.column, ids: scope.members.ids };
}
