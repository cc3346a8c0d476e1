import { randomUUID } from "node:crypto";
import type postgres from "postgres";
import type { CutoverClient } from "../../client/src";
import { modePaths } from "../rollout/modes";
import type { UserAttributes } from "../rollout/types";
import { DEMO_ROW_COUNTS, demoUuid } from "../../db/demo/demo-rows";
import { isDemoDivergenceRow } from "../../db/demo/divergences";

/**
 * What one simulated user does against the demo application, written the way an application integrates Cutover:
 * every write through `client.write` (mirrored per the user's mode), every read through `client.read` (shadow
 * read and compared per the user's mode). The SQL is the demo application's own (db/demo/app-schema.ts).
 */

/** The part of the application-side client the simulator uses. */
export type MigrationClient = Pick<CutoverClient, "assignment" | "write" | "read" | "counters">;

export interface SimulatedUser {
  id: string;
  attributes: UserAttributes;
}

export interface OperationContext {
  source: postgres.Sql;
  target: postgres.Sql;
  client: MigrationClient;
  random: () => number;
  /** Chance that a mirrored write deliberately reaches its primary side only. */
  divergenceRate: number;
  /** Documents recently written, with their writer: people re-open what they just annotated. */
  recent: RecentDocuments;
  /**
   * Documents with a write in flight. A read racing the mirror of a write (source done, target not yet) would
   * report a transient mismatch; simulated users never read a document mid-write, so the demo's mismatches are
   * the genuine ones.
   */
  writing: Map<string, number>;
}

export interface OperationOutcome {
  kind: "write" | "read";
  mirrored: boolean;
  divergenceInjected: boolean;
}

export class RecentDocuments {
  private readonly entries: { documentId: string; user: SimulatedUser }[] = [];
  private next = 0;
  constructor(private readonly capacity = 200) {}

  remember(documentId: string, user: SimulatedUser) {
    if (this.entries.length < this.capacity) this.entries.push({ documentId, user });
    else this.entries[this.next++ % this.capacity] = { documentId, user };
  }

  pick(random: () => number) {
    return this.entries.length === 0 ? null : this.entries[Math.floor(random() * this.entries.length)];
  }
}

function seededDocument(random: () => number): string {
  return demoUuid("document", 1 + Math.floor(random() * DEMO_ROW_COUNTS.documents));
}

const COLORS = ["#ffeb3b", "#4caf50", "#2196f3", "#e91e63", "#000000"];
const KINDS = ["highlight", "ink", "text_box", "sticker", "comment_pin"] as const;
const COMMENTS = ["Nice!", "Can you explain this step?", "Voir la page 2.", "👍", "Check your units.", "Good source."];

/**
 * Runs a write through the client; with probability `divergenceRate` (and only when the mode writes to both
 * sides) the secondary side is skipped, leaving a genuine divergence for shadow reads and reconciliation to find.
 */
async function mirroredWrite(
  ctx: OperationContext,
  user: SimulatedUser,
  documentId: string,
  write: { table: string; operation: string; primaryKey: string; value: unknown },
  run: (sql: postgres.Sql) => Promise<unknown>,
): Promise<OperationOutcome> {
  const { writes } = modePaths(ctx.client.assignment(user.id, user.attributes).mode);
  const mirrored = writes.length === 2;
  const skip = mirrored && ctx.random() < ctx.divergenceRate ? writes[1] : null;
  ctx.writing.set(documentId, (ctx.writing.get(documentId) ?? 0) + 1);
  try {
    await ctx.client.write(
      user.id,
      {
        source: () => (skip === "source" ? undefined : run(ctx.source)),
        target: () => (skip === "target" ? undefined : run(ctx.target)),
      },
      { attributes: user.attributes, ...write },
    );
  } finally {
    const left = (ctx.writing.get(documentId) ?? 1) - 1;
    if (left === 0) ctx.writing.delete(documentId);
    else ctx.writing.set(documentId, left);
  }
  return { kind: "write", mirrored, divergenceInjected: skip !== null };
}

/** Half the writes go to a document someone recently worked on, the rest anywhere in the seeded library. */
function documentToWrite(ctx: OperationContext): string {
  return (ctx.random() < 0.5 ? ctx.recent.pick(ctx.random)?.documentId : undefined) ?? seededDocument(ctx.random);
}

/** A recently written document and its writer, or any seeded document for `user`; never one mid-write. */
function documentToRead(ctx: OperationContext, user: SimulatedUser, recentShare: number) {
  const recent = ctx.random() < recentShare ? ctx.recent.pick(ctx.random) : null;
  if (recent && !ctx.writing.has(recent.documentId)) return { reader: recent.user, documentId: recent.documentId };
  let documentId = seededDocument(ctx.random);
  while (ctx.writing.has(documentId)) documentId = seededDocument(ctx.random);
  return { reader: user, documentId };
}

export async function annotate(ctx: OperationContext, user: SimulatedUser): Promise<OperationOutcome> {
  const documentId = documentToWrite(ctx);
  const kind = KINDS[Math.floor(ctx.random() * KINDS.length)];
  // One value object for both sides, so a mirrored write is byte-for-byte the same row.
  const row = {
    id: randomUUID(),
    document_id: documentId,
    author_id: user.id,
    kind,
    page: 1 + Math.floor(ctx.random() * 12),
    position: JSON.stringify({ x: round3(ctx.random()), y: round3(ctx.random()), w: round3(0.02 + ctx.random() / 5) }),
    color: COLORS[Math.floor(ctx.random() * COLORS.length)],
    body: kind === "text_box" || kind === "comment_pin" ? "Note: see here" : null,
    created_at: new Date(),
  };
  const outcome = await mirroredWrite(
    ctx,
    user,
    documentId,
    { table: "annotations", operation: "insert annotation", primaryKey: row.id, value: row },
    (sql) => sql`
    insert into annotations (id, document_id, author_id, kind, page, position, color, body, created_at, updated_at)
    values (${row.id}, ${row.document_id}, ${row.author_id}, ${row.kind}, ${row.page}, ${row.position}::text::json,
            ${row.color}, ${row.body}, ${row.created_at}, ${row.created_at})`,
  );
  // Only documents that exist on both sides are worked on again: a user whose writes are not mirrored must not
  // lead mirrored writers into foreign-key errors on the target.
  if (outcome.mirrored) ctx.recent.remember(documentId, user);
  return outcome;
}

export async function comment(ctx: OperationContext, user: SimulatedUser): Promise<OperationOutcome> {
  const documentId = documentToWrite(ctx);
  const row = {
    id: randomUUID(),
    document_id: documentId,
    author_id: user.id,
    body: COMMENTS[Math.floor(ctx.random() * COMMENTS.length)],
    created_at: new Date(),
  };
  return mirroredWrite(
    ctx,
    user,
    documentId,
    { table: "comments", operation: "insert comment", primaryKey: row.id, value: row },
    (sql) => sql`
    insert into comments (id, document_id, author_id, body, created_at)
    values (${row.id}, ${row.document_id}, ${row.author_id}, ${row.body}, ${row.created_at})`,
  );
}

export async function createDocument(ctx: OperationContext, user: SimulatedUser): Promise<OperationOutcome> {
  const row = {
    id: randomUUID(),
    owner_id: user.id,
    title: `Worksheet — ${new Date().toISOString().slice(0, 10)}`,
    page_count: 1 + Math.floor(ctx.random() * 10),
    created_at: new Date(),
  };
  const outcome = await mirroredWrite(
    ctx,
    user,
    row.id,
    { table: "documents", operation: "insert document", primaryKey: row.id, value: row },
    (sql) => sql`
    insert into documents (id, owner_id, title, page_count, tags, metadata, created_at, updated_at)
    values (${row.id}, ${row.owner_id}, ${row.title}, ${row.page_count}, ${["worksheet"]}, ${'{"source": "upload"}'}::text::jsonb,
            ${row.created_at}, ${row.created_at})`,
  );
  if (outcome.mirrored) ctx.recent.remember(row.id, user);
  return outcome;
}

/**
 * Renames a document its recent (mirrored) writer worked on, as that writer: a rename by a user whose writes are
 * not mirrored would make every later shadow read of the document differ, drowning the demo's real divergences.
 */
export async function renameDocument(ctx: OperationContext): Promise<OperationOutcome> {
  const recent = ctx.recent.pick(ctx.random);
  if (!recent) return { kind: "write", mirrored: false, divergenceInjected: false };
  const { documentId, user: writer } = recent;
  // The seeded divergences stay exactly as documented: the simulator never touches those rows.
  if (isDemoDivergenceRow("documents", { id: documentId })) return { kind: "write", mirrored: false, divergenceInjected: false };
  const change = { title: `Revised ${Math.floor(ctx.random() * 1000)}`, updated_at: new Date() };
  return mirroredWrite(
    ctx,
    writer,
    documentId,
    { table: "documents", operation: "rename document", primaryKey: documentId, value: change },
    (sql) => sql`
    update documents set title = ${change.title}, updated_at = ${change.updated_at} where id = ${documentId}`,
  );
}

/** A user reads their own annotations on a document: what they wrote went through their own mode. */
export async function readAnnotations(ctx: OperationContext, user: SimulatedUser): Promise<OperationOutcome> {
  const { reader, documentId } = documentToRead(ctx, user, 0.7);
  const query = (sql: postgres.Sql) => sql`
    select id, document_id, author_id, kind, page, position::text as position, color, body, created_at, updated_at
    from annotations where document_id = ${documentId} and author_id = ${reader.id} order by id`;
  await ctx.client.read(
    reader.id,
    { source: () => query(ctx.source), target: () => query(ctx.target) },
    {
      attributes: reader.attributes,
      compare: { table: "annotations", primaryKey: "id" },
      operation: "select annotations of a document",
    },
  );
  return { kind: "read", mirrored: false, divergenceInjected: false };
}

export async function readDocument(ctx: OperationContext, user: SimulatedUser): Promise<OperationOutcome> {
  const { reader, documentId } = documentToRead(ctx, user, 0.5);
  const query = async (sql: postgres.Sql) =>
    (
      await sql`
    select id, owner_id, course_code, title, page_count, tags, is_template, metadata, thumbnail, created_at, updated_at
    from documents where id = ${documentId}`
    )[0] ?? null;
  await ctx.client.read(
    reader.id,
    { source: () => query(ctx.source), target: () => query(ctx.target) },
    {
      attributes: reader.attributes,
      compare: { table: "documents", primaryKey: "id" },
      operation: "select document by id",
    },
  );
  return { kind: "read", mirrored: false, divergenceInjected: false };
}

/** The traffic mix: reads dominate, annotations are the bulk of the writes (as in the product). */
export const OPERATION_MIX: { weight: number; run: (ctx: OperationContext, user: SimulatedUser) => Promise<OperationOutcome> }[] = [
  { weight: 40, run: readAnnotations },
  { weight: 12, run: readDocument },
  { weight: 32, run: annotate },
  { weight: 8, run: comment },
  { weight: 5, run: renameDocument },
  { weight: 3, run: createDocument },
];

export function pickOperation(random: () => number) {
  const total = OPERATION_MIX.reduce((sum, op) => sum + op.weight, 0);
  let roll = random() * total;
  for (const op of OPERATION_MIX) {
    roll -= op.weight;
    if (roll < 0) return op.run;
  }
  return OPERATION_MIX[0].run;
}

function round3(value: number) {
  return Math.round(value * 1000) / 1000;
}
