import { createHash } from "node:crypto";
import { prepareReconciliation, type ReconcileContext } from "../reconciliation/context";
import type { KeyTuple } from "../reconciliation/keys";
import { applyRepair, planRepair, type RepairPlan } from "../reconciliation/repair";
import { splitTableName } from "../reconciliation/request";
import { recordAudit, type Actor } from "./audit.server";
import { updateMismatches } from "./mismatch.server";
import { getReconciliationJob } from "./reconciliation.server";
import { guardReconciliationTable } from "./schema-guard.server";
import { controlSql } from "~/utils/db.server";
import { redactError, repairSql, sideSql } from "~/utils/databases.server";

/** The rows a repair would touch: the open reconciliation mismatches of one table, by key. */
interface RepairSubject {
  schemaName: string;
  tableName: string;
  mismatches: { id: number; primaryKey: unknown }[];
}

export interface RepairPreview {
  plan: RepairPlan;
  /** Fingerprint of the dry run: apply refuses when the plan computed then differs from the one shown. */
  digest: string;
  /** Keys whose rows already match again (nothing to do for them). */
  alreadyEqual: number;
}

export interface RepairOutcome {
  applied: number;
  planned: RepairPlan["counts"];
  remaining: number;
  repairedMismatches: number;
}

async function contextFor(schemaName: string, tableName: string): Promise<ReconcileContext> {
  // a mismatch's table comes from whoever reported it: a catalog or the control DB is never repaired
  const guard = await guardReconciliationTable({ schemaName, tableName });
  if (!guard.ok) throw new Response(guard.message, { status: 400 });
  try {
    const { drift, context } = await prepareReconciliation(sideSql("source"), sideSql("target"), { schema: schemaName, table: tableName });
    if (!context) throw new Response(`Schema drift prevents a repair: ${drift.map((d) => d.message).join("; ")}`, { status: 409 });
    return context;
  } catch (error) {
    if (error instanceof Response) throw error;
    throw new Response(`Could not read the catalogs: ${redactError(error)}`, { status: 502 });
  }
}

/** A stored primary key (a scalar for one key column, an object for a composite key) as the engine's key text tuple. */
function keyTuple(ctx: ReconcileContext, primaryKey: unknown): KeyTuple {
  if (primaryKey !== null && typeof primaryKey === "object" && !Array.isArray(primaryKey)) {
    const key = primaryKey as Record<string, unknown>;
    return ctx.keyNames.map((n) => {
      if (key[n] === undefined || key[n] === null) throw new Response(`The key lacks column ${n}`, { status: 400 });
      return String(key[n]);
    });
  }
  if (ctx.keyNames.length !== 1) throw new Response(`${ctx.label} has a composite key; this record's key is a single value`, { status: 400 });
  return [String(primaryKey)];
}

function digestOf(plan: RepairPlan): string {
  return createHash("sha256")
    .update(JSON.stringify(plan.actions.map((a) => [a.action, a.key, a.values])))
    .digest("hex");
}

async function preview(subject: RepairSubject) {
  const ctx = await contextFor(subject.schemaName, subject.tableName);
  const keyed = subject.mismatches.map((m) => ({ id: m.id, key: keyTuple(ctx, m.primaryKey) }));
  const unique = [...new Map(keyed.map((k) => [JSON.stringify(k.key), k.key])).values()];
  const plan = await planRepair(ctx, unique);
  return { ctx, keyed, plan, digest: digestOf(plan), alreadyEqual: unique.length - plan.actions.length };
}

/**
 * Applies the dry run the engineer confirmed (refused with 409 if the plan is no longer the same), through the
 * only writing connection, re-verifies the repaired keys, marks their mismatches `repaired`, and audits it.
 */
async function apply(subject: RepairSubject, actor: Actor, reason: string, audit: { entityType: string; entityId: string }, expectedDigest: string | null) {
  const { ctx, keyed, plan, digest } = await preview(subject);
  if (expectedDigest !== null && digest !== expectedDigest) {
    throw new Response("The rows changed since the dry run: plan the repair again and review it before applying.", { status: 409 });
  }
  let result: Awaited<ReturnType<typeof applyRepair>>;
  try {
    result = await applyRepair(ctx, repairSql("target"), plan);
  } catch (error) {
    await recordAudit(actor, {
      ...audit,
      action: "reconciliation.repair_failed",
      before: { planned: plan.counts },
      after: { error: redactError(error) },
      reason,
    });
    throw new Response(`The repair failed on the target: ${redactError(error)}`, { status: 502 });
  }
  const planned = new Set(plan.actions.map((a) => JSON.stringify(a.key)));
  const remaining = new Set(result.remaining.map((d) => JSON.stringify(d.key)));
  const repairedIds = keyed.filter((k) => planned.has(JSON.stringify(k.key)) && !remaining.has(JSON.stringify(k.key))).map((k) => k.id);
  const repairedMismatches = await updateMismatches(actor, repairedIds, { status: "repaired", note: `Repaired on the target from the source: ${reason}` });
  const outcome: RepairOutcome = { applied: result.applied, planned: plan.counts, remaining: result.remaining.length, repairedMismatches };
  await recordAudit(actor, {
    ...audit,
    action: "reconciliation.repair",
    before: { table: ctx.label, differences: subject.mismatches.length, planned: plan.counts },
    after: { applied: result.applied, remainingDifferences: result.remaining.length, repairedMismatches },
    reason,
  });
  return outcome;
}

/**
 * The mismatches a finished job found (ignored or already repaired ones are left alone). A row some other origin
 * reported first is one record with it (one identity): it keeps its first origin but carries the job, so the job
 * is what selects it, not the origin.
 */
async function jobSubject(jobId: string): Promise<RepairSubject> {
  const job = await getReconciliationJob(jobId);
  if (!job) throw new Response("No such reconciliation job", { status: 404 });
  if (job.status !== "succeeded") throw new Response("Only a finished job can be repaired", { status: 409 });
  const rows = await controlSql()<{ id: string; primary_key: unknown }[]>`
    select id, primary_key from mismatches
    where reconciliation_job_id = ${jobId} and status not in ('repaired', 'ignored')
    order by id`;
  return { schemaName: job.schemaName, tableName: job.tableName, mismatches: rows.map((r) => ({ id: Number(r.id), primaryKey: r.primary_key })) };
}

export async function planJobRepair(jobId: string): Promise<RepairPreview> {
  const { plan, digest, alreadyEqual } = await preview(await jobSubject(jobId));
  return { plan, digest, alreadyEqual };
}

export const REPAIR_PLAN_PAGE_SIZE = 100;

export interface RepairPreviewPage extends RepairPreview {
  /** 1-based; the plan's actions hold this page only, its counts and digest cover the whole plan. */
  page: number;
  pageCount: number;
  pageSize: number;
  totalActions: number;
}

/** One page of a dry run for the browser: a plan of 100,000 keys stays on the server, its digest covers it all. */
export function repairPlanPage(preview: RepairPreview, page: number, pageSize = REPAIR_PLAN_PAGE_SIZE): RepairPreviewPage {
  const totalActions = preview.plan.actions.length;
  const pageCount = Math.max(1, Math.ceil(totalActions / pageSize));
  const current = Math.min(Math.max(1, Math.trunc(page)), pageCount);
  const actions = preview.plan.actions.slice((current - 1) * pageSize, current * pageSize);
  return { ...preview, plan: { ...preview.plan, actions }, page: current, pageCount, pageSize, totalActions };
}

/** `expectedDigest` null: no dry run was shown (the API's repair mode, confirmed up front). */
export async function applyJobRepair(jobId: string, actor: Actor, reason: string, expectedDigest: string | null): Promise<RepairOutcome> {
  return apply(await jobSubject(jobId), actor, reason, { entityType: "reconciliation", entityId: jobId }, expectedDigest);
}

async function mismatchSubject(mismatchId: number): Promise<RepairSubject> {
  const [row] = await controlSql()<{ table_name: string; primary_key: unknown; kind: string }[]>`
    select table_name, primary_key, kind::text from mismatches where id = ${mismatchId}`;
  if (!row) throw new Response("Mismatch not found", { status: 404 });
  if (row.kind === "write_error") throw new Response("A write error has no row to repair", { status: 409 });
  return { ...splitTableName(row.table_name), mismatches: [{ id: mismatchId, primaryKey: row.primary_key }] };
}

export async function planMismatchRepair(mismatchId: number): Promise<RepairPreview> {
  const { plan, digest, alreadyEqual } = await preview(await mismatchSubject(mismatchId));
  return { plan, digest, alreadyEqual };
}

export async function applyMismatchRepair(mismatchId: number, actor: Actor, reason: string, expectedDigest: string | null): Promise<RepairOutcome> {
  return apply(await mismatchSubject(mismatchId), actor, reason, { entityType: "mismatch", entityId: String(mismatchId) }, expectedDigest);
}

/**
 * The API's repair mode: once its verify pass has succeeded, the differences it found are repaired on behalf of
 * whoever started the job (they confirmed up front), with the reason they gave.
 */
export async function repairAfterVerify(job: { id: string; mode: string; reason: string }): Promise<RepairOutcome | null> {
  if (job.mode !== "repair") return null;
  const [starter] = await controlSql()<{ actor_type: Actor["type"]; actor_id: string | null; actor_label: string }[]>`
    select actor_type, actor_id, actor_label from audit_log
    where entity_type = 'reconciliation' and entity_id = ${job.id} and action = 'reconciliation.start' order by id limit 1`;
  const actor: Actor = starter
    ? { type: starter.actor_type, id: starter.actor_id, label: starter.actor_label }
    : { type: "system", id: null, label: "cutover" };
  return applyJobRepair(job.id, actor, job.reason, null);
}
