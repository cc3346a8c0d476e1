import { checkGates } from "~/gates/index.server";
import type { GateResult } from "~/gates/types";
import { recordGateResults } from "~/models/gate-state.server";
import {
  getCohort,
  getDefaultMode,
  insertCohort,
  saveCohortEdit,
  staleCohortError,
  type ChangeRequest,
  type Cohort,
  type CohortInput,
} from "~/models/cohort.server";
import { RolloutError } from "~/models/rollout-error.server";
import { changeRequirementProblems, classifyCohortChange, type ChangeClassification } from "./change";
import type { Mode } from "./modes";

/*
 * A cohort change as a person (or the scheduled ramp) makes it: classified, its requirements enforced, every
 * gate run for an advance, then saved by the cohort model. It sits above both the gates and the models, which
 * read each other's results only through here.
 */

/** Runs every gate for an advance; throws 422 with the failing gates' reasons when any is closed. */
async function requireGates(cohort: { id: string; name: string }, from: { mode: Mode; bp: number }, to: { mode: Mode; bp: number }) {
  const results: GateResult[] = await checkGates({
    cohortId: cohort.id,
    cohortName: cohort.name,
    fromMode: from.mode,
    toMode: to.mode,
    fromBasisPoints: from.bp,
    toBasisPoints: to.bp,
  });
  await recordGateResults(cohort, to.bp, results);
  const failed = results.filter((r) => !r.passed);
  if (failed.length > 0) {
    throw new RolloutError(422, `Blocked by ${failed.map((f) => `${f.label}: ${f.reason}`).join("; ")}`, { gates: results });
  }
  return results;
}

function enforce(classification: ChangeClassification, change: ChangeRequest) {
  const problems = changeRequirementProblems(classification, change);
  if (problems.length === 0) return;
  const adminOnly = classification.requiresAdmin && !change.isAdmin;
  throw new RolloutError(adminOnly ? 403 : 400, problems.join("; "), { classification });
}

/**
 * Creates a cohort. The row is committed at 0% first and then raised to the requested percentage through
 * updateCohort, so the gates (which read committed state on their own connections) judge a cohort that exists;
 * when a gate is closed the cohort stays at 0% and the error says why.
 */
export async function createCohort(input: CohortInput, change: ChangeRequest): Promise<Cohort> {
  if (change.reason.trim().length === 0) throw new RolloutError(400, "a reason is required for every change");
  const classification = classifyCohortChange(null, input, await getDefaultMode());
  enforce(classification, change);
  const row = await insertCohort(input, change);
  if (input.percentBasisPoints === 0) return row;
  return (await updateCohort(row.id, row.version, input, change)).cohort;
}

/**
 * Saves an edit made from `expectedVersion`. A stale version is a 409 (someone else saved in between: never a
 * silent overwrite); rollbacks need confirmation, skips the admin role, advances every gate; all need a reason.
 * Gates run before the transaction (they read committed state on their own connections); the version is
 * checked again under the row lock, so a change that slipped in meanwhile still gets its 409.
 */
export async function updateCohort(
  id: string,
  expectedVersion: number,
  input: CohortInput,
  change: ChangeRequest,
  options: { system?: boolean; restartRampClock?: boolean } = {},
) {
  const current = await getCohort(id);
  if (!current) throw new RolloutError(404, "No such cohort.");
  if (current.version !== expectedVersion) throw staleCohortError(current.version, expectedVersion);
  const classification = classifyCohortChange(current, input, await getDefaultMode());
  enforce(classification, change);
  const advances = classification.movements.some((m) => m.kind === "advance" || m.kind === "skip");
  const gates = advances
    ? await requireGates(current, { mode: current.mode, bp: current.percentBasisPoints }, { mode: input.mode, bp: input.percentBasisPoints })
    : [];
  return saveCohortEdit(current, expectedVersion, input, change, { classification, gates }, options);
}
