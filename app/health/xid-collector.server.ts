import type postgres from "postgres";
import type { RunningVacuum, XidBlocker, XidSnapshot } from "./xid-snapshot";

/**
 * The XID wraparound collector for PostgreSQL 12-18. Never run it against CockroachDB (no XIDs, no pg_stat_*
 * progress views): callers branch on detectEngine() first. Everything comes from one statement, so all parts
 * share one snapshot and one round-trip; none of it assigns an XID.
 */

const TOP_TABLES = 20;
const TOP_BACKENDS = 10;

interface RawSnapshot {
  next_xid: string;
  databases: { datname: string; xid_age: number; mxid_age: number; datallowconn: boolean }[] | null;
  tables: { nspname: string; relname: string; xid_age: number; mxid_age: number; toast_older: boolean }[] | null;
  catalogs: { count: number; xid_age: number | null; mxid_age: number | null } | null;
  backends: Record<string, unknown>[] | null;
  slots: Record<string, unknown>[] | null;
  prepared: Record<string, unknown>[] | null;
  standbys: Record<string, unknown>[] | null;
  settings: { name: string; setting: string }[] | null;
  vacuums: { progress: Record<string, unknown>; relation: string | null; query: string | null; started: string | null }[] | null;
}

export interface XidCollectorOptions {
  /** How many of the oldest tables to return (20 on the page; tests ask for more to find young tables). */
  topTables?: number;
  /** server_version_num, when the caller knows it already (collectHealth does); read otherwise. */
  serverVersionNum?: number;
}

/** What this version cannot show, said on the page instead of leaving a blank. */
export function unavailableOn(serverVersionNum: number): XidSnapshot["unavailable"] {
  const version = `PostgreSQL ${Math.floor(serverVersionNum / 10000)}`;
  return serverVersionNum < 140000
    ? [{ view: "vacuum_failsafe_age", reason: `${version} has no vacuum failsafe (it came in 14): the forecast leaves that horizon out` }]
    : [];
}

export async function collectXidSnapshot(sql: postgres.Sql, options: XidCollectorOptions = {}): Promise<XidSnapshot> {
  const topTables = options.topTables ?? TOP_TABLES;
  const versionNum = options.serverVersionNum ?? Number((await sql<{ v: string }[]>`select current_setting('server_version_num') as v`)[0].v);
  // pg_snapshot / pg_current_snapshot came in 13; the txid_ forms (12) are deprecated since but give the same
  // epoch-extended counter.
  const nextXid = sql.unsafe(versionNum >= 130000 ? "pg_snapshot_xmax(pg_current_snapshot())" : "txid_snapshot_xmax(txid_current_snapshot())");
  const [raw] = await sql<{ snapshot: RawSnapshot }[]>`
    select json_build_object(
      'next_xid', ${nextXid}::text,
      'databases', (select json_agg(json_build_object(
          'datname', datname, 'xid_age', age(datfrozenxid), 'mxid_age', mxid_age(datminmxid),
          'datallowconn', datallowconn) order by age(datfrozenxid) desc)
        from pg_database),
      -- The oldest tables counting their TOAST tables: one pass over pg_class ranks every heap and TOAST
      -- relation by age; a table's combined age is the greater of its two, so the top 2N relations hold the
      -- top N tables, and only those are mapped to their owners. (Joining every table to its TOAST table first
      -- costs twice as much at 10,000 tables.) Partitioned parents (relkind p, relfrozenxid 0) never qualify.
      -- Only the application's tables: initdb's catalogs (and their TOAST tables) all have OIDs below
      -- FirstNormalObjectId (16384), are all about as old as the database and are counted apart below.
      'tables', (select json_agg(t order by t.xid_age desc) from (
          select n.nspname, c.relname,
            greatest(age(c.relfrozenxid), coalesce(age(toast.relfrozenxid), 0)) as xid_age,
            greatest(mxid_age(c.relminmxid), coalesce(mxid_age(toast.relminmxid), 0)) as mxid_age,
            coalesce(age(toast.relfrozenxid) > age(c.relfrozenxid), false) as toast_older
          from (
            select distinct coalesce(owner.oid, o.oid) as oid
            from (select r.oid, r.relkind from pg_class r
                  where r.relkind in ('r', 'm', 't') and not r.relfrozenxid = '0'::xid and r.oid >= 16384
                  order by age(r.relfrozenxid) desc
                  limit ${2 * topTables}) o
            left join pg_class owner on o.relkind = 't' and owner.reltoastrelid = o.oid
          ) candidates
          join pg_class c on c.oid = candidates.oid
          join pg_namespace n on n.oid = c.relnamespace
          left join pg_class toast on toast.oid = c.reltoastrelid
          where c.relkind in ('r', 'm')
          order by 3 desc
          limit ${topTables}) t),
      'catalogs', (select json_build_object('count', count(*) filter (where relkind <> 't'),
            'xid_age', max(age(relfrozenxid)), 'mxid_age', max(mxid_age(relminmxid)))
          from pg_class where relkind in ('r', 'm', 't') and not relfrozenxid = '0'::xid and oid < 16384),
      'backends', (select json_agg(b) from (
          select pid, datname, usename, application_name, state,
            backend_xid::text as xid, backend_xmin::text as xmin,
            greatest(coalesce(age(backend_xid), 0), coalesce(age(backend_xmin), 0)) as age,
            xact_start, query_start, left(query, 500) as query
          from pg_stat_activity
          where (backend_xid is not null or backend_xmin is not null) and pid <> pg_backend_pid()
          order by 8 desc
          limit ${TOP_BACKENDS}) b),
      'slots', (select json_agg(s) from (
          select slot_name, slot_type, database, active, xmin::text as xmin, catalog_xmin::text as catalog_xmin,
            greatest(coalesce(age(xmin), 0), coalesce(age(catalog_xmin), 0)) as age
          from pg_replication_slots
          where xmin is not null or catalog_xmin is not null) s),
      'prepared', (select json_agg(p) from (
          select gid, database, owner, prepared, transaction::text as xid, age(transaction) as age
          from pg_prepared_xacts) p),
      'standbys', (select json_agg(r) from (
          select pid, application_name, client_addr::text as client_addr, state, backend_xmin::text as xmin,
            age(backend_xmin) as age
          from pg_stat_replication where backend_xmin is not null) r),
      'settings', (select json_agg(json_build_object('name', name, 'setting', setting)) from pg_settings
        where name in ('autovacuum_freeze_max_age', 'autovacuum_multixact_freeze_max_age',
                       'vacuum_failsafe_age', 'vacuum_multixact_failsafe_age')),
      -- to_jsonb keeps whatever columns this version has: 17 renamed the dead-tuple ones, 18 added delay_time.
      'vacuums', (select json_agg(json_build_object('progress', to_jsonb(v), 'relation',
            case when v.datname = current_database() then n.nspname || '.' || c.relname end,
            'query', a.query, 'started', a.xact_start))
          from pg_stat_progress_vacuum v
          left join pg_class c on c.oid = v.relid and v.datname = current_database()
          left join pg_namespace n on n.oid = c.relnamespace
          left join pg_stat_activity a on a.pid = v.pid)
    ) as snapshot`;
  return { ...parseSnapshot(raw.snapshot, Date.now()), unavailable: unavailableOn(versionNum) };
}

function num(value: unknown): number {
  return typeof value === "number" ? value : Number(value ?? 0);
}
function str(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function parseSnapshot(raw: RawSnapshot, collectedAt: number): Omit<XidSnapshot, "unavailable"> {
  const setting = (name: string) => {
    const found = raw.settings?.find((s) => s.name === name);
    return found ? Number(found.setting) : null;
  };
  const blockers: XidBlocker[] = [
    ...(raw.backends ?? []).map((b): XidBlocker => ({
      kind: "backend",
      pid: num(b.pid),
      database: str(b.datname),
      user: str(b.usename),
      application: str(b.application_name),
      state: str(b.state),
      age: num(b.age),
      xid: str(b.xid),
      xmin: str(b.xmin),
      transactionStart: str(b.xact_start),
      queryStart: str(b.query_start),
      query: str(b.query),
    })),
    ...(raw.slots ?? []).map((s): XidBlocker => ({
      kind: "replication_slot",
      slot: String(s.slot_name),
      slotType: String(s.slot_type),
      database: str(s.database),
      active: Boolean(s.active),
      age: num(s.age),
      xmin: str(s.xmin),
      catalogXmin: str(s.catalog_xmin),
    })),
    ...(raw.prepared ?? []).map((p): XidBlocker => ({
      kind: "prepared_transaction",
      gid: String(p.gid),
      database: String(p.database),
      owner: String(p.owner),
      prepared: String(p.prepared),
      age: num(p.age),
      xid: String(p.xid),
    })),
    ...(raw.standbys ?? []).map((r): XidBlocker => ({
      kind: "standby_feedback",
      pid: num(r.pid),
      application: str(r.application_name),
      clientAddress: str(r.client_addr),
      state: str(r.state),
      age: num(r.age),
      xmin: String(r.xmin),
    })),
  ].sort((a, b) => b.age - a.age);

  return {
    collectedAt,
    nextXid: Number(raw.next_xid),
    databases: (raw.databases ?? []).map((d) => ({
      database: d.datname,
      xidAge: d.xid_age,
      mxidAge: d.mxid_age,
      allowsConnections: d.datallowconn,
    })),
    tables: (raw.tables ?? []).map((t) => ({
      schema: t.nspname,
      table: t.relname,
      xidAge: t.xid_age,
      mxidAge: t.mxid_age,
      toastIsOlder: t.toast_older,
    })),
    catalogs:
      raw.catalogs && raw.catalogs.count > 0
        ? { count: num(raw.catalogs.count), xidAge: num(raw.catalogs.xid_age), mxidAge: num(raw.catalogs.mxid_age) }
        : null,
    blockers,
    settings: {
      autovacuumFreezeMaxAge: setting("autovacuum_freeze_max_age") ?? 200_000_000,
      autovacuumMultixactFreezeMaxAge: setting("autovacuum_multixact_freeze_max_age") ?? 400_000_000,
      // PostgreSQL 13 has no failsafe: null, and the forecast leaves that horizon out.
      vacuumFailsafeAge: setting("vacuum_failsafe_age"),
      vacuumMultixactFailsafeAge: setting("vacuum_multixact_failsafe_age"),
    },
    vacuums: (raw.vacuums ?? []).map((v) => parseVacuum(v.progress, v.relation, v.query, v.started)),
  };
}

/** pg_stat_progress_vacuum across 12-18: the heap columns are stable, the dead-tuple ones were renamed in 17. */
export function parseVacuum(progress: Record<string, unknown>, relation: string | null, query: string | null, startedAt: string | null): RunningVacuum {
  return {
    pid: num(progress.pid),
    database: String(progress.datname ?? ""),
    relation: relation ?? `oid ${String(progress.relid)}`,
    phase: String(progress.phase ?? "unknown"),
    heapBlocksTotal: num(progress.heap_blks_total),
    heapBlocksScanned: num(progress.heap_blks_scanned),
    heapBlocksVacuumed: num(progress.heap_blks_vacuumed),
    indexVacuumCount: num(progress.index_vacuum_count),
    antiWraparound: (query ?? "").includes("to prevent wraparound"),
    startedAt,
  };
}
