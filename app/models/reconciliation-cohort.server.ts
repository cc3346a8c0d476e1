import { compileRuleset, evaluate } from "../rollout/evaluate";
import type { Mode } from "../rollout/modes";
import { describeTable } from "../reconciliation/catalog";
import type { CohortMembers, CohortScope, JobScope, ReconciliationScope } from "../reconciliation/types";
import { loadRuleset } from "./ruleset.server";
import { findSourceUsers, forEachSourceUserPage } from "./rollout-population.server";
import { redactError, sideSql } from "~/utils/databases.server";
import { controlSql } from "~/utils/db.server";

/**
 * A cohort scope compares the rows of a cohort's users: the users of the source's users table (Settings: the
 * rollout's population) that the current ruleset puts in the cohort, through the table's user column. The
 * engine compares them as a users scope, whose id list is sent with every statement: hence the limit.
 */
export const MAX_COHORT_MEMBERS = 100_000;

/** How often the resolving worker reports how many users it has read (its heartbeat), and others look. */
const PROGRESS_MS = 1_000;
const WAIT_MS = 1_000;

/**
 * The users a cohort decides, from every user of the source evaluated under the current ruleset with the
 * shared evaluation (app/rollout/evaluate). The emergency switch is left out (it overrides cohorts for a while;
 * membership is about the cohort); a pinned user follows the pin, so is not a member.
 */
export async function resolveCohortMembers(
  cohortId: string,
  options: { signal?: AbortSignal; onProgress?: (usersRead: number) => Promise<void> | void; limit?: number; pageSize?: number } = {},
): Promise<CohortMembers> {
  const limit = options.limit ?? MAX_COHORT_MEMBERS;
  const ruleset = await loadRuleset();
  const cohort = ruleset.cohorts.find((c) => c.id === cohortId);
  if (!cohort) throw new Error(`cohort ${cohortId} does not exist any more`);
  const compiled = compileRuleset({ ...ruleset, emergency: null });
  const ids: string[] = [];
  let usersRead = 0;
  let reportedAt = Date.now();
  await forEachSourceUserPage(
    async (users) => {
      for (const user of users) {
        if (evaluate(compiled, user.id, user.attributes).cohort?.id !== cohortId) continue;
        if (ids.length === limit) {
          throw new Error(
            `cohort '${cohort.name}' has more than ${limit.toLocaleString("en")} users in the source: verify the whole table (or a key range) instead`,
          );
        }
        ids.push(user.id);
      }
      usersRead += users.length;
      if (options.onProgress && Date.now() - reportedAt >= PROGRESS_MS) {
        reportedAt = Date.now();
        await options.onProgress(usersRead);
      }
    },
    { signal: options.signal, pageSize: options.pageSize },
  );
  return { cohortName: cohort.name, rulesetVersion: ruleset.version, usersRead, ids };
}

/** A row owner's place in the rollout: its mode and the cohort that decides it (null: default or pin). */
export interface OwnerAssignment {
  mode: Mode;
  cohortId: string | null;
}

/**
 * The mode of each owner under the current ruleset and pins, with the shared evaluation and the population's
 * attributes, as cohort membership is resolved above (the emergency switch is left out here too: it overrides
 * modes for a while, and whether a row belongs on the target is about where its owner's data has gone).
 */
export async function evaluateOwners(userIds: string[]): Promise<Map<string, OwnerAssignment>> {
  const result = new Map<string, OwnerAssignment>();
  const unique = [...new Set(userIds)];
  if (unique.length === 0) return result;
  const ruleset = await loadRuleset();
  const compiled = compileRuleset({ ...ruleset, emergency: null });
  const attributes = await findSourceUsers(unique);
  for (const id of unique) {
    const assignment = evaluate(compiled, id, attributes.get(id));
    result.set(id, { mode: assignment.mode, cohortId: assignment.cohort?.id ?? null });
  }
  return result;
}

/**
 * The engine's scope for a job. A cohort is resolved once, by the worker that claims the resolution in the job
 * row, and stored there: every worker (and every resumed run) compares the same users. Other workers wait for
 * the list; one whose resolver stopped reporting progress for `staleAfterMs` (the workers' own threshold for a
 * range) takes the resolution over. Null: the job
 * ended meanwhile.
 */
export async function engineScope(
  jobId: string,
  scope: JobScope,
  options: { staleAfterMs: number; signal?: AbortSignal },
): Promise<ReconciliationScope | null> {
  if (scope.kind !== "cohort") return scope;
  const { signal } = options;
  const sql = controlSql();
  const stale = `${options.staleAfterMs} milliseconds`;
  for (let current: CohortScope = scope; ;) {
    if (current.members) return { kind: "users", column: current.column, ids: current.members.ids };
    const [claimed] = await sql`
      update reconciliation_jobs set scope = scope || jsonb_build_object('resolvingAt', now(), 'usersRead', 0)
      where id = ${jobId} and status in ('queued', 'running') and scope->'members' is null
        and (scope->'resolvingAt' is null or (scope->>'resolvingAt')::timestamptz < now() - ${stale}::interval)
      returning id`;
    if (claimed) {
      const members = await resolveCohortMembers(current.cohortId, {
        signal,
        onProgress: async (usersRead) => {
          await sql`update reconciliation_jobs set scope = scope || jsonb_build_object('resolvingAt', now(), 'usersRead', ${usersRead}::int)
            where id = ${jobId} and scope->'members' is null`;
        },
      });
      // as text: the control connection leaves JSON parameters to drizzle (no serializer of its own)
      await sql`update reconciliation_jobs set scope = (scope - 'resolvingAt' - 'usersRead') || ${JSON.stringify({ members })}::text::jsonb
        where id = ${jobId} and scope->'members' is null`;
    } else {
      await new Promise((resolve) => setTimeout(resolve, WAIT_MS));
      signal?.throwIfAborted();
    }
    const [row] = await sql<{ scope: CohortScope; status: string }[]>`select scope, status from reconciliation_jobs where id = ${jobId}`;
    // failed (the resolver's error is recorded), cancelled or finished meanwhile: nothing left to do here
    if (!row || (row.status !== "queued" && row.status !== "running")) return null;
    current = row.scope;
  }
}

export type CohortScopeCheck = { ok: true } | { ok: false; field: "cohortId" | "column"; message: string };

/**
 * Whether a cohort scope can be compared, checked when the job is asked for: the cohort exists and the user
 * column is a column of the table on both sides (the engine would report it as schema drift only later).
 */
export async function checkCohortScope(schemaName: string, tableName: string, scope: Pick<CohortScope, "cohortId" | "column">): Promise<CohortScopeCheck> {
  const ruleset = await loadRuleset();
  if (!ruleset.cohorts.some((c) => c.id === scope.cohortId)) return { ok: false, field: "cohortId", message: "no such cohort" };
  const sides = ["source", "target"] as const;
  try {
    for (const side of sides) {
      const described = await describeTable(sideSql(side), schemaName, tableName);
      if (!described.table) return { ok: false, field: "column", message: `${schemaName}.${tableName} does not exist on the ${side}` };
      if (!described.table.columns.some((c) => c.name === scope.column)) {
        return { ok: false, field: "column", message: `${schemaName}.${tableName} has no column ${scope.column} on the ${side}` };
      }
    }
  } catch (error) {
    return { ok: false, field: "column", message: `could not read the catalogs: ${redactError(error)}` };
  }
  return { ok: true };
}

/** A scope in a word or two, for the jobs list, from its kind and a cohort scope's resolved cohort name. */
export function scopeLabel(kind: JobScope["kind"], cohortName: string | null): string {
  switch (kind) {
    case "table":
      return "whole table";
    case "range":
      return "key range";
    case "users":
      return "listed users";
    case "cohort":
      return cohortName ? `cohort ${cohortName}` : "a cohort (resolving)";
  }
}

/** "cohort 'Pilot': 1,234 of 20,000 users (ruleset version 42) through column user_id", for the job page. */
export function describeScope(scope: JobScope): string {
  switch (scope.kind) {
    case "table":
      return "whole table";
    case "range":
      return `key range ${scope.from ? `from (${scope.from.join(", ")})` : "from the start"} ${scope.to ? `to (${scope.to.join(", ")})` : "to the end"}`;
    case "users":
      return `${scope.ids.length.toLocaleString("en")} users through column ${scope.column}`;
    case "cohort":
      return scope.members
        ? `cohort '${scope.members.cohortName}': ${scope.members.ids.length.toLocaleString("en")} of ${scope.members.usersRead.toLocaleString("en")} users (ruleset version ${scope.members.rulesetVersion}) through column ${scope.column}`
        : `a cohort's users through column ${scope.column} (resolving: ${(scope.usersRead ?? 0).toLocaleString("en")} users read)`;
  }
}
