/** Row types of every table (Kysely's `interface DB`). int8 columns are bigint (see pg.ts parsers). */
import type { ColumnType } from 'kysely';

export interface TreesTable {
  tree_id: bigint;
  /** What the tree is for: 'rekor' (the entries log), 'ct' (the CA's certificate-transparency log). */
  purpose: string;
  /** Signed-note origin line, e.g. "log.example.com - 1234". */
  origin: string;
  /** DER SubjectPublicKeyInfo of the key that signs this tree's checkpoints. */
  public_key: Uint8Array;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface LogHeadTable {
  tree_id: bigint;
  size: bigint;
  root: Uint8Array;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface EntriesTable {
  tree_id: bigint;
  leaf_index: bigint;
  leaf_hash: Uint8Array;
  /** The exact canonical bytes that were hashed and signed. Never re-serialised. */
  body: Uint8Array;
  kind: string | null;
  integrated_time: bigint;
  /** Signed entry timestamp (DER signature), when the tree signs SETs. */
  set_sig: Uint8Array | null;
  /** Data stored with the entry but not hashed (RFC 6962 extra_data for CT entries). */
  extra_data: Uint8Array | null;
}

export interface EntryIndexTable {
  tree_id: bigint;
  key: string;
  leaf_index: bigint;
}

export interface TilesTable {
  tree_id: bigint;
  level: number;
  idx: bigint;
  /** 256 concatenated 32-byte hashes; immutable once written. */
  hashes: Uint8Array;
  /** The 255 internal nodes (heights 1..8), derived from hashes when the tile is written. */
  nodes: Uint8Array;
}

export interface CheckpointsTable {
  tree_id: bigint;
  size: bigint;
  root: Uint8Array;
  /** The signed note exactly as served. */
  note: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface TsaStateTable {
  id: number;
  /** The newest genTime the TSA issued: the clock may never go behind it. */
  last_gen_time: Date;
}

export interface TrustMaterialTable {
  /** hex SHA-256 of the material. */
  id: string;
  /** 'tlog' | 'ctlog' | 'ca' | 'tsa' */
  purpose: string;
  /** DER SPKI of a key, or the concatenated DER certificates of a chain (each length-prefixed). */
  material: Uint8Array;
  /** When this instance began signing with it: validFor.start, never later than its first signature. */
  created_at: Date;
  /** When it stopped being used: validFor.end (old signatures stay verifiable). */
  retired_at: Date | null;
}

export interface DB {
  trees: TreesTable;
  log_head: LogHeadTable;
  entries: EntriesTable;
  entry_index: EntryIndexTable;
  tiles: TilesTable;
  checkpoints: CheckpointsTable;
  tsa_state: TsaStateTable;
  trust_material: TrustMaterialTable;
}
