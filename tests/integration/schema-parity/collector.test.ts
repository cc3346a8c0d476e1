import { readFile } from "node:fs/promises";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePrometheusText } from "../../../app/metrics/prometheus-parse";
import { startTestApp, type TestApp } from "../../support/app-server";

/**
 * Schema parity between a PostgreSQL source and, as the target, the CockroachDB stand-in
 * (/work/shared/fixtures/crdb-standin.sql plus tests/support/fixtures/crdb-standin-catalog.sql): the target's
 * tables are written the way CockroachDB would hold the source's after a migration (INT8, STRING, JSONB,
 * unique_rowid(), a hidden rowid), so nothing is drift until the source changes.
 */
let app: TestApp;
let cohortId: string;

const SOURCE = `
  create type plan_kind as enum ('free', 'pro');
  create table users (id text primary key, region text, country char(2), school_id integer, plan plan_kind, name varchar(100) collate "C");
  create table documents (id serial primary key, owner_id text not null references users (id), title varchar(200), meta json,
    score numeric(10,2), created_at timestamptz not null default now());
  create index documents_owner_idx on documents (owner_id);
  create table audit_events (id bigint generated always as identity primary key, body jsonb, at timestamp(3));
  create table notes (body text)`;

// What CockroachDB makes of it: INT is INT8, VARCHAR without a length and STRING are TEXT, JSON is JSONB,
// SERIAL and identity become unique_rowid(), a table without a key gets a hidden rowid; index names differ.
const TARGET = `
  set search_path = public, crdb_standin, pg_catalog;
  create type plan_kind as enum ('free', 'pro');
  create table users (id text primary key, region text, country char(2), school_id int8, plan plan_kind, name text);
  create table documents (id int8 primary key default unique_rowid(), owner_id text not null references users (id), title varchar(200),
    meta jsonb, score numeric(10,2), created_at timestamptz not null default now());
  create index documents_owner_id_idx on documents (owner_id);
  create table audit_events (id int8 primary key default unique_rowid(), body jsonb, at timestamp(6));
  create table notes (body text, rowid int8 not null default unique_rowid() primary key)`;

beforeAll(async () => {
  process.env.NODE_ENV = "production";
  app = await startTestApp({
    async prepare({ source, target }) {
      await source.sql.unsafe(SOURCE);
      const loader = postgres(target.url, { max: 1, onnotice: () => {} });
      await loader.unsafe(await readFile("/work/shared/fixtures/crdb-standin.sql", "utf8"));
      await loader.unsafe(await readFile("tests/support/fixtures/crdb-standin-catalog.sql", "utf8"));
      await loader.unsafe(`alter database "${target.name}" set search_path = public, crdb_standin, pg_catalog`);
      await loader.unsafe(TARGET);
      await loader.end();
    },
  });
  [{ id: cohortId }] = await app.control.sql<{ id: string }[]>`
    insert into cohorts (name, priority, mode, percent_basis_points, salt, constraints)
    values ('EU pilot', 1, 'dual_write', 1000, 'eu', '{"regions": ["eu"]}') returning id`;
}, 120_000);

afterAll(async () => {
  await app?.close();
});

const raise = () => ({
  cohortId,
  cohortName: "EU pilot",
  fromMode: "dual_write" as const,
  toMode: "dual_write" as const,
  fromBasisPoints: 1000,
  toBasisPoints: 5000,
});

describe("schema parity", () => {
  it("reads the stand-in as CockroachDB and reports nothing inside the type mapping", async () => {
    const { collectSchemaParity } = await import("../../../app/models/schema-parity.server");
    const { readCatalogSnapshot } = await import("../../../app/reconciliation/catalog-snapshot");
    const target = await readCatalogSnapshot(postgres(app.target.url, { max: 1 }));
    expect(target.dialect).toBe("cockroach");
    const notes = target.tables.find((t) => t.name === "notes")!;
    // the hidden rowid is not the application's: no column, no key
    expect(notes.columns.map((c) => c.name)).toEqual(["body"]);
    expect(notes.primaryKey).toEqual([]);

    const collection = await collectSchemaParity();
    expect(collection.ok).toBe(true);
    expect(collection.sourceTables).toBe(4);
    expect(collection.drift.map((d) => d.detail)).toEqual([]);
    const { schemaDriftGate } = await import("../../../app/gates/schema-drift.server");
    expect(await schemaDriftGate.check(raise())).toEqual({ passed: true, reason: "no breaking drift in the 2 tables the cohort writes" });
  });

  it("shows a source migration as drift within one collection and blocks the cohort writing that table", async () => {
    await app.source.sql.unsafe(`
      alter table documents add column summary text;
      alter table documents alter column title type text;
      drop index documents_owner_idx`);
    const { collectSchemaParity } = await import("../../../app/models/schema-parity.server");
    const collection = await collectSchemaParity();
    const drift = collection.drift.map((d) => ({ table: d.table, kind: d.kind, object: d.object, onlyOn: d.onlyOn, breaking: d.breaking }));
    expect(drift).toEqual([
      { table: "public.documents", kind: "column_type", object: "title", onlyOn: "both", breaking: true },
      { table: "public.documents", kind: "column_missing", object: "summary", onlyOn: "source", breaking: true },
      { table: "public.documents", kind: "index", object: "documents_owner_id_idx", onlyOn: "target", breaking: false },
    ]);
    const summary = collection.drift.find((d) => d.object === "summary")!;
    expect(summary.breaks).toEqual(["mirrored_writes", "shadow_reads", "reconciliation", "backfill"]);
    expect(summary.ddl).toBe('ALTER TABLE "public"."documents" ADD COLUMN "summary" STRING;');
    expect(collection.drift.find((d) => d.object === "title")!.ddl).toContain('ALTER TABLE "public"."documents" ALTER COLUMN "title" SET DATA TYPE STRING;');

    const { checkGates } = await import("../../../app/gates/index.server");
    const gate = (await checkGates(raise())).find((g) => g.gate === "schema-drift")!;
    expect(gate.passed).toBe(false);
    expect(gate.reason).toBe(
      "breaking schema drift in public.documents: column title: text → character varying(200) would reject strings longer than 200; " +
        "column summary (text) is missing on the target: a write naming it fails there",
    );
    // moving back (or staying on the source) is never held by drift
    const back = await checkGates({ ...raise(), toBasisPoints: 0, toMode: "source_only" });
    expect(back.find((g) => g.gate === "schema-drift")!.passed).toBe(true);
  });

  it("a changed enum blocks the tables using it; a table the cohort does not write does not block it", async () => {
    await app.source.sql.unsafe(`alter type plan_kind add value 'school'; alter table audit_events add column actor text`);
    const { collectSchemaParity } = await import("../../../app/models/schema-parity.server");
    const collection = await collectSchemaParity();
    const enumDrift = collection.drift.find((d) => d.kind === "enum_labels")!;
    expect(enumDrift).toMatchObject({ table: "public.users", object: "plan", breaking: true, ddl: `ALTER TYPE "public"."plan_kind" ADD VALUE 'school';` });
    expect(collection.drift.some((d) => d.table === "public.audit_events" && d.breaking)).toBe(true);
    const { schemaDriftGate } = await import("../../../app/gates/schema-drift.server");
    const verdict = await schemaDriftGate.check(raise());
    expect(verdict.reason).toMatch(/^breaking schema drift in public\.documents, public\.users:/);
    expect(verdict.reason).not.toContain("audit_events");
  });

  it("the Schema page lists the drift with its fix, and /metrics counts it", async () => {
    const viewer = await app.login("viewer");
    const response = await fetch(`${app.baseUrl}/schema`, { headers: { Cookie: viewer } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("public.documents");
    expect(html).toContain("Blocks <!-- -->EU pilot<!-- --> from moving forward: the cohort writes this table.");
    expect(html).toContain("ADD COLUMN &quot;summary&quot; STRING;");
    expect(html).not.toContain("Compare now");
    // a viewer cannot trigger a collection; an engineer can
    const refused = await fetch(`${app.baseUrl}/schema?index`, {
      method: "POST",
      headers: { Cookie: viewer, Origin: app.baseUrl },
      body: new URLSearchParams({ intent: "collect" }),
    });
    expect(refused.status).toBe(403);
    const engineer = await app.login("engineer");
    const bad = await fetch(`${app.baseUrl}/schema?index`, {
      method: "POST",
      headers: { Cookie: engineer, Origin: app.baseUrl },
      body: new URLSearchParams({ intent: "drop" }),
    });
    expect(bad.status).toBe(400);

    const metrics = parsePrometheusText(await (await fetch(`${app.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${app.token}` } })).text());
    expect(metrics.types.get("cutover_schema_drift_items")).toBe("gauge");
    const breaking = metrics.samples.find((s) => s.name === "cutover_schema_drift_items" && s.labels.severity === "breaking");
    expect(breaking?.value).toBe(4);
  });

  it("reads each column's type, default, identity and collation in column order, whatever the catalog's row order", async () => {
    const { readCatalogSnapshot } = await import("../../../app/reconciliation/catalog-snapshot");
    // a dropped column leaves a gap in attnum; an array, a collation and an identity each take another path
    await app.source.sql.unsafe(`
      create schema probe;
      create table probe.shape (gone int, tags text[], label varchar(20) collate "C" not null default 'x',
        n bigint generated by default as identity, at timestamptz default now());
      alter table probe.shape drop column gone`);
    const sql = postgres(app.source.url, { max: 4, onnotice: () => {} });
    try {
      const snapshot = await readCatalogSnapshot(sql, { schema: "probe", table: "shape" });
      expect(snapshot.tables).toHaveLength(1);
      expect(
        snapshot.tables[0].columns.map(({ name, type, typeName, elementTypeName, kind, nullable, position, default: def, identity, collation }) => ({
          name,
          type,
          typeName,
          elementTypeName,
          kind,
          nullable,
          position,
          def,
          identity,
          collation,
        })),
      ).toEqual([
        {
          name: "tags",
          type: "text[]",
          typeName: "_text",
          elementTypeName: "text",
          kind: "b",
          nullable: true,
          position: 2,
          def: null,
          identity: false,
          collation: null,
        },
        {
          name: "label",
          type: "character varying(20)",
          typeName: "varchar",
          elementTypeName: null,
          kind: "b",
          nullable: false,
          position: 3,
          def: "'x'::character varying",
          identity: false,
          collation: "C",
        },
        {
          name: "n",
          type: "bigint",
          typeName: "int8",
          elementTypeName: null,
          kind: "b",
          nullable: false,
          position: 4,
          def: null,
          identity: true,
          collation: null,
        },
        {
          name: "at",
          type: "timestamp with time zone",
          typeName: "timestamptz",
          elementTypeName: null,
          kind: "b",
          nullable: true,
          position: 5,
          def: "now()",
          identity: false,
          collation: null,
        },
      ]);
      // the whole-database read describes the table the same way
      const whole = await readCatalogSnapshot(sql);
      expect(whole.tables.find((t) => t.schema === "probe" && t.name === "shape")).toEqual(snapshot.tables[0]);
    } finally {
      await sql.end();
      await app.source.sql.unsafe(`drop schema probe cascade`);
    }
  });
});
