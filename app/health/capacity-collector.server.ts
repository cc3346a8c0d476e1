import type postgres from "postgres";
import type { CockroachCapacity, CockroachNode, CockroachStore, PostgresCapacity } from "./capacity-snapshot";
import { parseHlcTimestamp } from "./capacity-snapshot";

const LARGEST_TABLES = 20;

export interface PostgresCapacityOptions {
  /**
   * Also read the database size and the largest tables. pg_database_size() stats every file of the database
   * (4+ per table: ~0.5 s at 10,000 tables), so the scheduler asks for sizes every few cycles, not every 30 s.
   */
  sizes?: boolean;
}

/** PostgreSQL capacity figures of the connected database: cheap counters always, sizes on request. */
export async function collectPostgresCapacity(sql: postgres.Sql, options: PostgresCapacityOptions = {}): Promise<PostgresCapacity> {
  const [counters, sizes] = await Promise.all([
    sql<{ database: string; connections: number; max_connections: number; reserved: number; commits: string; wal_bytes: string; in_recovery: boolean }[]>`
      select current_database() as database,
        (select count(*)::int from pg_stat_activity where backend_type = 'client backend') as connections,
        current_setting('max_connections')::int as max_connections,
        current_setting('superuser_reserved_connections')::int as reserved,
        (select sum(xact_commit)::int8 from pg_stat_database) as commits,
        (case when pg_is_in_recovery() then pg_last_wal_replay_lsn() else pg_current_wal_lsn() end
          - '0/0'::pg_lsn)::int8 as wal_bytes,
        pg_is_in_recovery() as in_recovery`,
    options.sizes
      ? sql<{ database_bytes: string; tables: { nspname: string; relname: string; total_bytes: number }[] | null }[]>`
          select pg_database_size(current_database())::int8 as database_bytes,
            -- relpages (kept by VACUUM/ANALYZE) picks candidates, so only a few tables' files are stat()ed.
            (select json_agg(t order by t.total_bytes desc) from (
                select n.nspname, c.relname, pg_total_relation_size(c.oid) as total_bytes
                from pg_class c join pg_namespace n on n.oid = c.relnamespace
                left join pg_class toast on toast.oid = c.reltoastrelid
                where c.relkind in ('r', 'm') and n.nspname not in ('pg_catalog', 'information_schema')
                order by c.relpages + coalesce(toast.relpages, 0) desc
                limit ${LARGEST_TABLES * 3}) t) as tables`
      : Promise.resolve(null),
  ]);
  const row = counters[0];
  const size = sizes?.[0];
  return {
    engine: "postgresql",
    collectedAt: Date.now(),
    database: row.database,
    databaseBytes: size ? Number(size.database_bytes) : null,
    tables: (size?.tables ?? []).slice(0, LARGEST_TABLES).map((t) => ({ schema: t.nspname, table: t.relname, totalBytes: Number(t.total_bytes) })),
    connections: row.connections,
    maxConnections: row.max_connections,
    reservedConnections: row.reserved,
    commitsTotal: Number(row.commits ?? 0),
    walBytesTotal: Number(row.wal_bytes ?? 0),
    inRecovery: row.in_recovery,
  };
}

/**
 * CockroachDB capacity per node and store from crdb_internal (needs admin or VIEWCLUSTERMETADATA there).
 * Checked only against the PostgreSQL stand-in (/work/shared/fixtures/crdb-standin.sql), never a real cluster:
 * the column names and value formats follow CockroachDB's source, the numbers are the stand-in's.
 * INT columns arrive as strings on both (int8), hence Number().
 */
export async function collectCockroachCapacity(sql: postgres.Sql): Promise<CockroachCapacity> {
  const [stores, nodes] = await Promise.all([
    sql<Record<string, string>[]>`
      select s.node_id, s.store_id, s.capacity, s.available, s.used, s.logical_bytes, s.range_count,
        s.lease_count, n.address, n.locality
      from crdb_internal.kv_store_status s
      left join crdb_internal.kv_node_status n on n.node_id = s.node_id
      order by s.node_id, s.store_id`,
    // Liveness is judged against the cluster's clock, not ours, so a skewed app server cannot mark nodes dead.
    sql<Record<string, string | boolean | null>[]>`
      select n.node_id, n.address, n.locality, l.expiration, l.draining, l.decommissioning, l.membership,
        (extract(epoch from now()) * 1000)::float8 as cluster_now
      from crdb_internal.kv_node_status n
      left join crdb_internal.gossip_liveness l on l.node_id = n.node_id
      order by n.node_id`,
  ]);
  return {
    engine: "cockroachdb",
    collectedAt: Date.now(),
    stores: stores.map((s): CockroachStore => {
      const capacityBytes = Number(s.capacity);
      const availableBytes = Number(s.available);
      return {
        nodeId: Number(s.node_id),
        storeId: Number(s.store_id),
        address: s.address ?? null,
        locality: s.locality ?? null,
        capacityBytes,
        availableBytes,
        usedBytes: Number(s.used),
        logicalBytes: Number(s.logical_bytes),
        ranges: Number(s.range_count),
        leases: Number(s.lease_count),
        availableRatio: capacityBytes > 0 ? availableBytes / capacityBytes : 0,
      };
    }),
    nodes: nodes.map((n): CockroachNode => {
      const expiresAt = typeof n.expiration === "string" ? parseHlcTimestamp(n.expiration) : null;
      return {
        nodeId: Number(n.node_id),
        address: (n.address as string | null) ?? null,
        locality: (n.locality as string | null) ?? null,
        live: expiresAt !== null && expiresAt > Number(n.cluster_now),
        livenessExpiresAt: expiresAt,
        draining: n.draining === true,
        decommissioning: n.decommissioning === true,
        membership: (n.membership as string | null) ?? null,
      };
    }),
  };
}
