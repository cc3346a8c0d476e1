import type postgres from "postgres";
import { quoteIdent } from "./dialect";
import type { ReconcileContext } from "./context";
import { compareKeys } from "./merge";
import type { KeyTuple } from "./keys";
import type { Difference } from "./types";

/** One change to the target that makes a row equal to the source (values as the source's text). */
export interface RepairAction {
  action: "insert" | "update" | "delete";
  key: KeyTuple;
  keyObject: Record<string, string>;
  /** Column -> source value as text (insert: every column; update: the columns to set; delete: none). */
  values: Record<string, string | null>;
}

export interface RepairPlan {
  table: string;
  actions: RepairAction[];
  counts: { insert: number; update: number; delete: number };
}

/**
 * Dry run: what would change on the target to repair these keys. Values are read from the source now (as
 * text, cast back to the target's column types on apply); keys already equal again are left out.
 */
export async function planRepair(ctx: ReconcileContext, keys: KeyTuple[]): Promise<RepairPlan> {
  const differences = await compareKeys(ctx, keys);
  const rows = await readSourceRows(
    ctx,
    differences.filter((d) => d.kind !== "extra_in_target").map((d) => d.key),
  );
  const actions: RepairAction[] = differences.map((d) => {
    const id = JSON.stringify(d.key);
    if (d.kind === "extra_in_target") return { action: "delete", key: d.key, keyObject: d.keyObject, values: {} };
    const source = rows.get(id) ?? {};
    if (d.kind === "missing_in_target") return { action: "insert", key: d.key, keyObject: d.keyObject, values: source };
    return { action: "update", key: d.key, keyObject: d.keyObject, values: Object.fromEntries(d.columns.map((c) => [c, source[c] ?? null])) };
  });
  const counts = { insert: 0, update: 0, delete: 0 };
  for (const a of actions) counts[a.action]++;
  return { table: ctx.label, actions, counts };
}

/** Source rows by key, every column (keys and compared columns) as text. */
async function readSourceRows(ctx: ReconcileContext, keys: KeyTuple[]): Promise<Map<string, Record<string, string | null>>> {
  const out = new Map<string, Record<string, string | null>>();
  const side = ctx.source;
  const names = [...ctx.keyNames, ...ctx.columnNames];
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    const params: string[] = [];
    const list = chunk.map((k) => `(${side.key.map((c, j) => `cast($${params.push(k[j])}::text as ${c.type})`).join(", ")})`).join(", ");
    const query =
      `select ${names.map((n) => `(${quoteIdent(n)})::text`).join(", ")} from ${side.relation}` +
      ` where (${side.key.map((c) => quoteIdent(c.name)).join(", ")}) in (${list})`;
    const rows = (await side.sql.begin("read only", (tx) => tx.unsafe(query, params).values())) as unknown as (string | null)[][];
    for (const r of rows) {
      const key = r.slice(0, ctx.keyNames.length) as string[];
      out.set(JSON.stringify(key), Object.fromEntries(names.map((n, j) => [n, r[j]])));
    }
  }
  return out;
}

/**
 * Applies a plan on the target in small transactions (a failure loses at most one small batch of work and
 * never holds locks for long), then re-verifies the repaired keys. `writer` is a read-write client on the
 * target (the engine's own target client is read-only by design).
 */
export async function applyRepair(
  ctx: ReconcileContext,
  writer: postgres.Sql,
  plan: RepairPlan,
  batchSize = 100,
): Promise<{ applied: number; remaining: Difference[] }> {
  const side = ctx.target;
  const typeOf = new Map([...side.key, ...side.columns].map((c) => [c.name, c.type]));
  const keyWhere = (params: (string | null)[], key: KeyTuple) =>
    side.key.map((c, j) => `${quoteIdent(c.name)} = cast($${params.push(key[j])}::text as ${c.type})`).join(" and ");
  let applied = 0;
  for (let i = 0; i < plan.actions.length; i += batchSize) {
    const batch = plan.actions.slice(i, i + batchSize);
    await writer.begin(async (tx) => {
      for (const a of batch) {
        const params: (string | null)[] = [];
        let query: string;
        if (a.action === "delete") {
          query = `delete from ${side.relation} where ${keyWhere(params, a.key)}`;
        } else if (a.action === "insert") {
          const cols = Object.keys(a.values).filter((c) => typeOf.has(c));
          query =
            `insert into ${side.relation} (${cols.map(quoteIdent).join(", ")}) values (` +
            `${cols.map((c) => `cast($${params.push(a.values[c])}::text as ${typeOf.get(c)})`).join(", ")})`;
        } else {
          const cols = Object.keys(a.values).filter((c) => typeOf.has(c));
          if (cols.length === 0) continue;
          const set = cols.map((c) => `${quoteIdent(c)} = cast($${params.push(a.values[c])}::text as ${typeOf.get(c)})`).join(", ");
          query = `update ${side.relation} set ${set} where ${keyWhere(params, a.key)}`;
        }
        await tx.unsafe(query, params as string[]);
        applied++;
      }
    });
  }
  const remaining = await compareKeys(
    ctx,
    plan.actions.map((a) => a.key),
  );
  return { applied, remaining };
}
