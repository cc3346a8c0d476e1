import type { XidBlocker } from "./xid-snapshot";

/** A short name for the thing holding freezing back, for tables and the forecast text. */
export function blockerLabel(blocker: XidBlocker): string {
  switch (blocker.kind) {
    case "backend":
      return `backend ${blocker.pid}${blocker.application ? ` (${blocker.application})` : ""}, ${blocker.state ?? "unknown state"}`;
    case "replication_slot":
      return `${blocker.slotType} replication slot ${blocker.slot}${blocker.active ? "" : " (inactive)"}`;
    case "prepared_transaction":
      return `prepared transaction ${blocker.gid} in ${blocker.database}`;
    case "standby_feedback":
      return `standby ${blocker.application ?? blocker.clientAddress ?? blocker.pid} (hot_standby_feedback)`;
  }
}

/** What an operator can do about it; VACUUM cannot freeze past the oldest of these until it is gone. */
export function blockerAdvice(blocker: XidBlocker): string {
  switch (blocker.kind) {
    case "backend":
      return blocker.state === "idle in transaction" || blocker.state === "idle in transaction (aborted)"
        ? `The session is idle inside an open transaction: have its application commit or roll back, or end it with pg_terminate_backend(${blocker.pid}); consider idle_in_transaction_session_timeout.`
        : `A long-running transaction or query: let it finish if it is close, otherwise cancel it with pg_cancel_backend(${blocker.pid}) (or pg_terminate_backend) and check the job that runs it.`;
    case "replication_slot":
      return blocker.active
        ? `The consumer of slot ${blocker.slot} is connected but behind (catalog_xmin pins catalog rows): let it catch up or find why it is slow. For the migration's logical slot, check the change-data-capture consumer.`
        : `Nothing consumes slot ${blocker.slot}: restart its consumer, or if it is abandoned drop it with pg_drop_replication_slot('${blocker.slot}') (its consumer must then resynchronise).`;
    case "prepared_transaction":
      return `A two-phase transaction was prepared and never finished: ask its transaction manager to resolve it, or run COMMIT PREPARED / ROLLBACK PREPARED '${blocker.gid}' in database ${blocker.database}.`;
    case "standby_feedback":
      return `A standby with hot_standby_feedback holds this xmin for its own long queries: end those queries on the standby, or turn feedback off there (at the risk of query cancellations).`;
  }
}
