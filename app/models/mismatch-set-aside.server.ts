import { sql } from "drizzle-orm";
import { recordAudit, SYSTEM_ACTOR, type Actor } from "./audit.server";
import { CopyNoAnswerError } from "./mismatch-records.server";
import { MISMATCH_INBOX_CHANNEL } from "./mismatch-stage.server";
import { controlDb } from "~/utils/db.server";
import { notify } from "./notification.server";

/**
 * Inbox batches that cannot be folded: a batch passed validation, so PostgreSQL refusing its rows is rare (a value
 * a newer server refuses, a limit, a bug), but left in the inbox it would fail every fold it is claimed in and hold
 * back the batches claimed with it. Set aside whole with the error, it loses nothing and blocks nothing.
 */

export interface SetAsideBatch {
  id: number;
  records: number;
  receivedAt: string;
  setAsideAt: string;
  error: string;
}

/**
 * Whether folding failed because of what a batch holds, so that folding it again fails again: a data exception
 * (SQLSTATE class 22), a constraint (23), a limit (54), staged text JSON or Date refuse, or a COPY whose answer
 * postgres.js lost (a refused row). Not the database being down, busy or shutting down: those batches just wait.
 */
export function isBatchFault(error: unknown): boolean {
  if (error instanceof CopyNoAnswerError || error instanceof SyntaxError || error instanceof RangeError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^(22|23|54)/.test(code);
}

function describe(error: unknown): string {
  const e = error as { message?: string; code?: string; detail?: string };
  const text = [e.message ?? String(error), e.code ? `SQLSTATE ${e.code}` : "", e.detail ?? ""].filter(Boolean).join(" · ");
  return text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text;
}

/**
 * Moves one inbox batch, unless another folder holds it now, out of the inbox with the error that folding it alone
 * gave. Returns whether it moved.
 */
export async function setAsideBatch(id: number, error: unknown): Promise<boolean> {
  const reason = describe(error);
  const moved = await controlDb().transaction(async (tx) => {
    const moved = await tx.execute<{ id: string; record_count: number }>(sql`
      with claimed as (select id from mismatch_inbox where id = ${id} for update skip locked),
      moved as (delete from mismatch_inbox i using claimed c where i.id = c.id returning i.*)
      insert into mismatch_inbox_set_aside (id, records, comparisons, record_count, received_at, error)
      select id, records, comparisons, record_count, received_at, ${reason} from moved
      returning id, record_count`);
    if (moved.length === 0) return false;
    await recordAudit(
      SYSTEM_ACTOR,
      { action: "mismatch_batch.set_aside", entityType: "mismatch_batch", entityId: String(id), after: { records: moved[0].record_count, error: reason } },
      tx,
    );
    return true;
  });
  if (moved) {
    await notify({
      type: "mismatches.set_aside",
      severity: "warning",
      summary: `mismatch batch ${id} was set aside: ${reason.slice(0, 300)}`,
      detail: { batchId: id, error: reason },
    });
  }
  return moved;
}

/** The set-aside batches, oldest first (the triage page shows them; there should be none or a few). */
export async function listSetAsideBatches(limit = 20): Promise<{ batches: SetAsideBatch[]; total: number; records: number }> {
  const db = controlDb();
  const [rows, [totals]] = await Promise.all([
    db.execute<{ id: string; record_count: number; received_at: string; set_aside_at: string; error: string }>(sql`
      select id, record_count, received_at::text, set_aside_at::text, error
      from mismatch_inbox_set_aside order by id limit ${limit}`),
    db.execute<{ total: number; records: number }>(sql`
      select count(*)::int as total, coalesce(sum(record_count), 0)::int as records from mismatch_inbox_set_aside`),
  ]);
  return {
    batches: rows.map((r) => ({ id: Number(r.id), records: r.record_count, receivedAt: r.received_at, setAsideAt: r.set_aside_at, error: r.error })),
    total: totals.total,
    records: totals.records,
  };
}

/**
 * Puts a set-aside batch back in the inbox (once its cause is fixed) and wakes the folders. If it fails again it is
 * set aside again, with the new error. Returns whether there was such a batch.
 */
export async function retrySetAsideBatch(actor: Actor, id: number): Promise<boolean> {
  return controlDb().transaction(async (tx) => {
    const moved = await tx.execute<{ record_count: number; error: string }>(sql`
      with moved as (delete from mismatch_inbox_set_aside where id = ${id} returning *),
      put as (
        insert into mismatch_inbox (id, records, comparisons, record_count, received_at)
        select id, records, comparisons, record_count, received_at from moved
      )
      select record_count, error from moved`);
    if (moved.length === 0) return false;
    await tx.execute(sql`select pg_notify(${MISMATCH_INBOX_CHANNEL}, '')`);
    await recordAudit(
      actor,
      { action: "mismatch_batch.retry", entityType: "mismatch_batch", entityId: String(id), before: { records: moved[0].record_count, error: moved[0].error } },
      tx,
    );
    return true;
  });
}

/** Deletes a set-aside batch for good: its records are never folded. The reason is kept in the audit log. */
export async function discardSetAsideBatch(actor: Actor, id: number, reason: string): Promise<boolean> {
  return controlDb().transaction(async (tx) => {
    const deleted = await tx.execute<{ record_count: number; error: string }>(sql`
      delete from mismatch_inbox_set_aside where id = ${id} returning record_count, error`);
    if (deleted.length === 0) return false;
    await recordAudit(
      actor,
      {
        action: "mismatch_batch.discard",
        entityType: "mismatch_batch",
        entityId: String(id),
        before: { records: deleted[0].record_count, error: deleted[0].error },
        reason,
      },
      tx,
    );
    return true;
  });
}
