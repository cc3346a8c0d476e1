import type { FreezeSettings } from "./xid-limits";

/** What one XID collector cycle reads from a PostgreSQL server (shapes shared by the collector, models and UI). */

export interface DatabaseXidAge {
  database: string;
  xidAge: number;
  mxidAge: number;
  allowsConnections: boolean;
}

export interface TableXidAge {
  schema: string;
  table: string;
  /** Greatest of the table's and its TOAST table's age(relfrozenxid). */
  xidAge: number;
  mxidAge: number;
  /** Whether the TOAST table is the older half (vacuuming only the heap would not help). */
  toastIsOlder: boolean;
}

export type XidBlocker =
  | {
      kind: "backend";
      pid: number;
      database: string | null;
      user: string | null;
      application: string | null;
      state: string | null;
      /** Age of the XID it holds (a writing transaction) or of its snapshot's xmin, whichever is older. */
      age: number;
      xid: string | null;
      xmin: string | null;
      transactionStart: string | null;
      queryStart: string | null;
      query: string | null;
    }
  | {
      kind: "replication_slot";
      slot: string;
      slotType: string;
      database: string | null;
      active: boolean;
      age: number;
      xmin: string | null;
      catalogXmin: string | null;
    }
  | { kind: "prepared_transaction"; gid: string; database: string; owner: string; prepared: string; age: number; xid: string }
  | { kind: "standby_feedback"; pid: number; application: string | null; clientAddress: string | null; state: string | null; age: number; xmin: string };

export interface RunningVacuum {
  pid: number;
  database: string;
  /** schema.table when it runs in the collector's database; other databases only give an oid. */
  relation: string;
  phase: string;
  heapBlocksTotal: number;
  heapBlocksScanned: number;
  heapBlocksVacuumed: number;
  indexVacuumCount: number;
  /** Anti-wraparound vacuums say so in their query text ("(to prevent wraparound)"). */
  antiWraparound: boolean;
  startedAt: string | null;
}

export interface XidSnapshot {
  collectedAt: number;
  /** pg_snapshot_xmax(pg_current_snapshot()) (txid_ forms on 12): the next XID to be assigned, read without assigning one. */
  nextXid: number;
  databases: DatabaseXidAge[];
  /** The oldest application tables of the database the collector is connected to (pg_class is per database). */
  tables: TableXidAge[];
  /** The system catalogs, folded: how many, and the oldest ages among them (with their TOAST tables).
   * Absent from readings stored before it existed (their `tables` held the catalogs too). */
  catalogs?: { count: number; xidAge: number; mxidAge: number } | null;
  blockers: XidBlocker[];
  settings: FreezeSettings;
  vacuums: RunningVacuum[];
  /** Figures this server's version cannot give (which setting or view, and why); empty on 14 and later.
   * Absent from readings stored before it existed. */
  unavailable?: { view: string; reason: string }[];
}
