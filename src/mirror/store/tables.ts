/**
 * The mirror's tables, as Kysely sees them. One schema serves SQLite and PostgreSQL; every instant is epoch
 * milliseconds in a 64-bit integer (the Postgres pool parses int8 as a number: they all fit in 2^53).
 */
import type { Generated } from 'kysely';

/** Sort keys store a missing instant as one of these, so "nulls last" is plain index order in both directions. */
export const NULL_LAST_ASC = Number.MAX_SAFE_INTEGER;
export const NULL_LAST_DESC = -Number.MAX_SAFE_INTEGER;
/** `valid_to` of a row version that is still current. */
export const CURRENT = Number.MAX_SAFE_INTEGER;

/** One mirror: a vendor's copy made with one origin, one set of credentials and one mapping. */
export interface MirrorsTable {
  id: Generated<number>;
  vendor: string;
  /** Hash of origin, credentials and fixed parameters: what the copy was read with. */
  identity: string;
  /** Hash of the mapping (response fields, includes, keepRaw): what the stored conversations were made with. */
  mapping: string;
  /** The vendor origin, for display (never credentials). */
  origin: string;
  created_at: number;
  /** 0 until the first full read completes (warming), then 1: only then is it served. */
  ready: Generated<number>;
  /** The current revision: every write that changes rows makes a new one (cursors read as of one). */
  rev: Generated<number>;
  /** Versions older than this revision have been collected; a cursor pinned before it can't be honoured. */
  min_rev: Generated<number>;
  /** Current conversations. */
  rows: Generated<number>;
  /** The instant as of which the copy is known complete (start of the last full or change-covering pass). */
  synced_at: number | null;
  /** Highest update (or creation) instant seen: where the next incremental or head pass starts. */
  hwm_updated: number | null;
  hwm_created: number | null;
  /** Number of full reads started, the current one included. */
  runs: Generated<number>;
  /** JSON: the unfinished full read (id, next page token, start, items seen, totals) a restart resumes. */
  run: string | null;
  /** JSON: the last pass of each kind (start, duration, calls, items, error). */
  last_full: string | null;
  last_pass: string | null;
  next_sync_at: number | null;
}

/**
 * Conversation versions. A write that changes a conversation closes its current version (`valid_to`) and
 * adds one: a cursor pinned to revision R reads the versions with valid_from <= R < valid_to.
 */
export interface RowsTable {
  mirror_id: number;
  id: string;
  valid_from: number;
  valid_to: number;
  /** Sort keys per order field and direction: the instant, or NULL_LAST_* when there is none. */
  la_asc: number;
  la_desc: number;
  cr_asc: number;
  cr_desc: number;
  up_asc: number;
  up_desc: number;
  status: string | null;
  channel: string | null;
  agent_id: string | null;
  /** Lower-cased, as the filters compare them. */
  lead_id: string | null;
  visitor_id: string | null;
  user_id: string | null;
  /** Lower-cased text `search` looks in. */
  search: string;
  /** The conversation as JSON, without messages and include-only fields. */
  doc: string;
  /** JSON of what include=messages adds or changes (messages, counts); null when nothing. */
  extra: string | null;
  /** The vendor's item as JSON, when the mirror keeps it. */
  raw: string | null;
  /** Content hash: a write of an unchanged conversation makes no new version. */
  hash: string;
  /** The last full read that saw it. */
  seen_run: number;
  /** When a pass last saw it (our clock). */
  seen_at: number;
  /** Consecutive full reads that did not see it (one that can't be sure it saw everything counts). */
  missed: number;
}

export interface RevsTable {
  mirror_id: number;
  rev: number;
  /** When the revision was made. */
  at: number;
  /** The mirror's synced_at while this revision was current. */
  synced_at: number | null;
}

export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

export interface MirrorDatabase {
  mirrors: MirrorsTable;
  mirror_rows: RowsTable;
  mirror_revs: RevsTable;
  mirror_leases: LeasesTable;
}

export type SortColumn = 'la_asc' | 'la_desc' | 'cr_asc' | 'cr_desc' | 'up_asc' | 'up_desc';
