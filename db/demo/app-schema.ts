/**
 * The demo application's schema: a small ed-tech product (schools, users, documents, annotations, ...),
 * created identically on the source and the target. It is the *migrated* application's schema, not Cutover's
 * own control-plane store (that one lives in db/schema and is managed by drizzle).
 *
 * Split so the seed can load rows before the keys, indexes and foreign keys exist (one sorted index build and
 * one bulk validation per constraint instead of work per row); the final state is the same either way.
 */

export const APP_TYPES_SQL = `
create type plan_tier as enum ('free', 'teacher', 'school', 'district');
create type user_role as enum ('student', 'teacher', 'school_admin');
create type collaborator_role as enum ('viewer', 'commenter', 'editor');
create type annotation_kind as enum ('highlight', 'ink', 'text_box', 'sticker', 'comment_pin');
`;

export const APP_TABLES_SQL = `
create table schools (
  id integer not null,
  name text not null,
  region text not null,
  country char(2) not null,
  timezone text not null,
  plan plan_tier not null,
  seats integer not null,
  created_at timestamptz not null
);

-- Ids are strings such as 'u_000123': the rollout evaluates users by id string.
create table users (
  id text not null,
  email text not null,
  display_name text not null,
  role user_role not null,
  region text not null,
  country char(2) not null,
  school_id integer,
  plan plan_tier not null,
  is_active boolean not null default true,
  preferences jsonb not null default '{}',
  created_at timestamptz not null,
  last_seen_at timestamptz
);

-- Human course codes: mixed case and accents, so byte-wise and collation-wise orders differ.
create table courses (
  code text not null,
  school_id integer not null,
  title text not null,
  credits numeric(4,1) not null,
  created_at timestamptz not null
);

-- grade is an unconstrained numeric on purpose: it keeps the scale it was written with (98.10 vs 98.1).
create table enrollments (
  course_code text not null,
  user_id text not null,
  grade numeric,
  enrolled_at timestamptz not null
);

create table documents (
  id uuid not null,
  owner_id text not null,
  course_code text,
  title text not null,
  page_count integer not null,
  tags text[] not null default '{}',
  is_template boolean not null default false,
  metadata jsonb not null default '{}',
  thumbnail bytea,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create table document_collaborators (
  document_id uuid not null,
  user_id text not null,
  role collaborator_role not null,
  added_at timestamptz not null
);

-- position is json, not jsonb: json keeps keys in the order they were written, jsonb normalizes it.
create table annotations (
  id uuid not null,
  document_id uuid not null,
  author_id text not null,
  kind annotation_kind not null,
  page integer not null,
  position json not null,
  color text not null,
  body text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create table comments (
  id uuid not null,
  document_id uuid not null,
  author_id text not null,
  annotation_id uuid,
  body text not null,
  resolved boolean not null default false,
  created_at timestamptz not null
);
`;

export const APP_CONSTRAINTS_SQL = `
alter table schools add constraint schools_pkey primary key (id);
alter table users add constraint users_pkey primary key (id);
alter table courses add constraint courses_pkey primary key (code);
alter table enrollments add constraint enrollments_pkey primary key (course_code, user_id);
alter table documents add constraint documents_pkey primary key (id);
alter table document_collaborators add constraint document_collaborators_pkey primary key (document_id, user_id);
alter table annotations add constraint annotations_pkey primary key (id);
alter table comments add constraint comments_pkey primary key (id);
alter table users add constraint users_email_key unique (email);
alter table users add constraint users_school_id_fkey foreign key (school_id) references schools (id);
alter table courses add constraint courses_school_id_fkey foreign key (school_id) references schools (id);
alter table enrollments add constraint enrollments_course_code_fkey foreign key (course_code) references courses (code);
alter table enrollments add constraint enrollments_user_id_fkey foreign key (user_id) references users (id);
alter table documents add constraint documents_owner_id_fkey foreign key (owner_id) references users (id);
alter table documents add constraint documents_course_code_fkey foreign key (course_code) references courses (code);
alter table document_collaborators add constraint document_collaborators_document_id_fkey
  foreign key (document_id) references documents (id) on delete cascade;
alter table document_collaborators add constraint document_collaborators_user_id_fkey
  foreign key (user_id) references users (id);
alter table annotations add constraint annotations_document_id_fkey
  foreign key (document_id) references documents (id) on delete cascade;
alter table annotations add constraint annotations_author_id_fkey foreign key (author_id) references users (id);
alter table comments add constraint comments_document_id_fkey
  foreign key (document_id) references documents (id) on delete cascade;
alter table comments add constraint comments_author_id_fkey foreign key (author_id) references users (id);
alter table comments add constraint comments_annotation_id_fkey
  foreign key (annotation_id) references annotations (id) on delete set null;
create index users_school_id_idx on users (school_id);
create index documents_owner_id_idx on documents (owner_id);
create index document_collaborators_user_id_idx on document_collaborators (user_id);
create index annotations_document_id_idx on annotations (document_id, created_at);
create index comments_document_id_idx on comments (document_id, created_at);
`;

/** The whole schema, in the order it can be applied to an empty database. */
export const APP_SCHEMA_SQL = APP_TYPES_SQL + APP_TABLES_SQL + APP_CONSTRAINTS_SQL;

/** The application's tables in foreign-key order (parents first), with their primary-key columns. */
export const APP_TABLES = [
  { name: "schools", primaryKey: ["id"] },
  { name: "users", primaryKey: ["id"] },
  { name: "courses", primaryKey: ["code"] },
  { name: "enrollments", primaryKey: ["course_code", "user_id"] },
  { name: "documents", primaryKey: ["id"] },
  { name: "document_collaborators", primaryKey: ["document_id", "user_id"] },
  { name: "annotations", primaryKey: ["id"] },
  { name: "comments", primaryKey: ["id"] },
] as const;

export type AppTableName = (typeof APP_TABLES)[number]["name"];
