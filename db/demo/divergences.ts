import type { AppTableName } from "./app-schema";
import { DEMO_ROW_COUNTS, demoCourseCode, demoUserId, demoUuid } from "./demo-rows";

/**
 * The known differences the seed leaves between source and target, as data: tests and the reconciliation engine
 * assert against this list. Besides plain missing, extra and changed rows it carries the engine-typical ones a
 * migration to CockroachDB meets: timestamps cut to milliseconds by a client, numerics re-written with another
 * scale, json re-serialized with another key order.
 */

export type DemoDivergenceKind =
  /** The row exists on the source only. */
  | "missing"
  /** The row exists on the target only. */
  | "extra"
  /** A genuinely different value. */
  | "changed"
  /** Same instant, microseconds truncated to milliseconds on the target. */
  | "timestamp_precision"
  /** Same number, different scale (98.10 vs 98.1). */
  | "numeric_scale"
  /** Same json object, keys in another order (a json column keeps the order written). */
  | "json_key_order";

export interface DemoDivergence {
  table: AppTableName;
  /** Primary-key column -> value, as PostgreSQL prints it (e.g. { id: "u_000042" }). */
  primaryKey: Record<string, string>;
  kind: DemoDivergenceKind;
  /** The column that differs; null for a missing or extra row. */
  field: string | null;
  description: string;
}

interface DivergenceDefinition extends DemoDivergence {
  /** Applied on the target only, with params $1.. taken from the primary key (plus `extra`). */
  statement: string;
  params: string[];
}

const annotation = (index: number) => demoUuid("annotation", index);
const document = (index: number) => demoUuid("document", index);
const comment = (index: number) => demoUuid("comment", index);

const DEFINITIONS: DivergenceDefinition[] = [
  {
    table: "annotations",
    primaryKey: { id: annotation(1234) },
    kind: "missing",
    field: null,
    description: "an annotation whose mirrored write never reached the target",
    statement: "delete from annotations where id = $1",
    params: [annotation(1234)],
  },
  {
    table: "annotations",
    primaryKey: { id: annotation(31337) },
    kind: "missing",
    field: null,
    description: "an annotation whose mirrored write never reached the target",
    statement: "delete from annotations where id = $1",
    params: [annotation(31337)],
  },
  {
    table: "comments",
    primaryKey: { id: comment(4242) },
    kind: "missing",
    field: null,
    description: "a comment lost on the target",
    statement: "delete from comments where id = $1",
    params: [comment(4242)],
  },
  {
    // Collaborator c = 777 is document 3c with user 1 + (c * 7919) % users (see the seed).
    table: "document_collaborators",
    primaryKey: { document_id: document(2331), user_id: demoUserId(1 + ((777 * 7919) % DEMO_ROW_COUNTS.users)) },
    kind: "missing",
    field: null,
    description: "a share of a document (composite key) missing on the target",
    statement: "delete from document_collaborators where document_id = $1 and user_id = $2",
    params: [document(2331), demoUserId(1 + ((777 * 7919) % DEMO_ROW_COUNTS.users))],
  },
  {
    table: "annotations",
    primaryKey: { id: annotation(DEMO_ROW_COUNTS.annotations + 1) },
    kind: "extra",
    field: null,
    description: "an annotation written to the target only",
    statement: `insert into annotations (id, document_id, author_id, kind, page, position, color, body, created_at, updated_at)
                select $1, document_id, author_id, kind, page, position, color, body, created_at, updated_at
                from annotations where id = $2`,
    params: [annotation(DEMO_ROW_COUNTS.annotations + 1), annotation(777)],
  },
  {
    table: "comments",
    primaryKey: { id: comment(DEMO_ROW_COUNTS.comments + 1) },
    kind: "extra",
    field: null,
    description: "a comment written to the target only",
    statement: `insert into comments (id, document_id, author_id, annotation_id, body, resolved, created_at)
                select $1, document_id, author_id, annotation_id, body, resolved, created_at from comments where id = $2`,
    params: [comment(DEMO_ROW_COUNTS.comments + 1), comment(777)],
  },
  {
    // Users above 12,000 have no enrollment, so this key cannot collide with a seeded row.
    table: "enrollments",
    primaryKey: { course_code: demoCourseCode(1), user_id: demoUserId(19_999) },
    kind: "extra",
    field: null,
    description: "an enrollment (text key with accents) on the target only",
    statement: "insert into enrollments (course_code, user_id, grade, enrolled_at) values ($1, $2, 77.25, '2020-09-01 08:00:00.123456+00')",
    params: [demoCourseCode(1), demoUserId(19_999)],
  },
  {
    table: "users",
    primaryKey: { id: demoUserId(42) },
    kind: "changed",
    field: "email",
    description: "an e-mail address upper-cased on the target",
    statement: "update users set email = upper(email) where id = $1",
    params: [demoUserId(42)],
  },
  {
    table: "users",
    primaryKey: { id: demoUserId(4321) },
    kind: "changed",
    field: "is_active",
    description: "a boolean flipped on the target",
    statement: "update users set is_active = not is_active where id = $1",
    params: [demoUserId(4321)],
  },
  {
    table: "documents",
    primaryKey: { id: document(100) },
    kind: "changed",
    field: "title",
    description: "a document renamed on the target only",
    statement: "update documents set title = title || ' (copy)' where id = $1",
    params: [document(100)],
  },
  {
    table: "documents",
    primaryKey: { id: document(2024) },
    kind: "changed",
    field: "tags",
    description: "a text[] with its elements in another order",
    statement: "update documents set tags = array[tags[2], tags[1]] where id = $1",
    params: [document(2024)],
  },
  {
    table: "documents",
    primaryKey: { id: document(555) },
    kind: "changed",
    field: "thumbnail",
    description: "a bytea with one extra trailing byte",
    statement: "update documents set thumbnail = thumbnail || '\\x00'::bytea where id = $1",
    params: [document(555)],
  },
  {
    table: "documents",
    primaryKey: { id: document(9001) },
    kind: "changed",
    field: "metadata",
    description: "a jsonb value changed (dpi 225 -> 72)",
    statement: "update documents set metadata = jsonb_set(metadata, '{dpi}', '72') where id = $1",
    params: [document(9001)],
  },
  {
    table: "courses",
    primaryKey: { code: demoCourseCode(5) },
    kind: "changed",
    field: "title",
    description: "accents lost on the target (Géographie -> Geographie)",
    statement: "update courses set title = translate(title, 'éèàçúñ', 'eeacun') where code = $1",
    params: [demoCourseCode(5)],
  },
  {
    table: "annotations",
    primaryKey: { id: annotation(2500) },
    kind: "timestamp_precision",
    field: "created_at",
    description: "created_at truncated to milliseconds on the target",
    statement: "update annotations set created_at = date_trunc('milliseconds', created_at) where id = $1",
    params: [annotation(2500)],
  },
  {
    table: "documents",
    primaryKey: { id: document(12345) },
    kind: "timestamp_precision",
    field: "updated_at",
    description: "updated_at truncated to milliseconds on the target",
    statement: "update documents set updated_at = date_trunc('milliseconds', updated_at) where id = $1",
    params: [document(12345)],
  },
  {
    // Enrollment e = 130 is course 1 + (e * 17) % courses with user e; its grade is 98.10 (see the seed).
    table: "enrollments",
    primaryKey: { course_code: demoCourseCode(1 + ((130 * 17) % DEMO_ROW_COUNTS.courses)), user_id: demoUserId(130) },
    kind: "numeric_scale",
    field: "grade",
    description: "grade 98.10 stored as 98.1 on the target",
    statement: "update enrollments set grade = trim_scale(grade) where course_code = $1 and user_id = $2",
    params: [demoCourseCode(1 + ((130 * 17) % DEMO_ROW_COUNTS.courses)), demoUserId(130)],
  },
  {
    table: "annotations",
    primaryKey: { id: annotation(3000) },
    kind: "json_key_order",
    field: "position",
    description: "position re-serialized with its keys reversed",
    statement: `update annotations
                set position = format('{"w": %s, "y": %s, "x": %s}', position->>'w', position->>'y', position->>'x')::json
                where id = $1`,
    params: [annotation(3000)],
  },
];

export const DEMO_DIVERGENCES: readonly DemoDivergence[] = DEFINITIONS.map(({ table, primaryKey, kind, field, description }) => ({
  table,
  primaryKey,
  kind,
  field,
  description,
}));

/** What the seed runs on the target after loading it. */
export const DIVERGENCE_STATEMENTS: readonly { statement: string; params: string[] }[] = DEFINITIONS.map(({ statement, params }) => ({ statement, params }));

/** True when a row is one of the seeded divergences: the simulator leaves those rows alone. */
export function isDemoDivergenceRow(table: AppTableName, primaryKey: Record<string, string>): boolean {
  return DEMO_DIVERGENCES.some((d) => d.table === table && Object.entries(d.primaryKey).every(([column, value]) => primaryKey[column] === value));
}
