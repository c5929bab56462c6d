/**
 * What the log needs from storage. Implemented once over Kysely (src/db/log-store.ts), which runs
 * on both Postgres and PGlite. Test wrappers inject faults at each step.
 */
import type { FullTile } from '../merkle/index.ts';
import type { LeafIndex, SignedCheckpoint, TreeId } from './types.ts';

export interface TreeRecord {
  treeId: TreeId;
  purpose: string;
  origin: string;
  publicKey: Uint8Array;
  createdAt: Date;
}

export interface Head {
  size: bigint;
  root: Uint8Array;
}

export interface StoredEntry {
  leafIndex: LeafIndex;
  leafHash: Uint8Array;
  body: Uint8Array;
  kind: string | null;
  integratedTime: bigint;
  setSig: Uint8Array | null;
  /** Stored with the entry, not hashed (CT extra_data); null otherwise. */
  extraData: Uint8Array | null;
}

export interface NewEntry extends StoredEntry {
  indexKeys: readonly string[];
}

/** insertEntries found a leaf hash that is already stored (unique violation): retry with dedupe. */
export class DuplicateLeafError extends Error {
  override name = 'DuplicateLeafError';
}

/** True for a Postgres/PGlite unique violation (23505) on a constraint whose name contains `constraint`. */
export function isUniqueViolation(e: unknown, constraint: string): boolean {
  const err = e as { code?: string; constraint?: string; message?: string } | null;
  return err?.code === '23505' && (err.constraint ?? err.message ?? '').includes(constraint);
}

/** Maps a unique violation on (tree_id, leaf_hash) to DuplicateLeafError; rethrows anything else. */
export function rethrowDuplicateLeaf(e: unknown): never {
  if (isUniqueViolation(e, 'leaf_hash')) throw new DuplicateLeafError('leaf hash already stored', { cause: e });
  throw e;
}

export interface StoredTile {
  /** 256 concatenated hashes. */
  hashes: Uint8Array;
  /** Their 255 internal nodes (TileHashes.innerBytes()). */
  inner: Uint8Array;
}

export interface TileCoord {
  level: number;
  index: bigint;
}

/** Operations inside the single writer's transaction; the lock is held from head() to commit. */
export interface WriterTx {
  /** Locks and returns the head row. MUST be called first. */
  lockHead(): Promise<Head>;
  /** Size and root of the newest stored checkpoint (read under the lock), if any. */
  newestCheckpoint(): Promise<Head | undefined>;
  /** Full tiles as of this transaction (for the consistency proof checked before signing). */
  readTiles(coords: readonly TileCoord[]): Promise<Map<string, StoredTile>>;
  /** Existing entries among these leaf hashes, keyed by hex leaf hash. */
  findByLeafHashes(hashes: readonly Uint8Array[]): Promise<Map<string, StoredEntry>>;
  /** Throws DuplicateLeafError when a leaf hash is already stored (nothing is then committed). */
  insertEntries(rows: readonly NewEntry[]): Promise<void>;
  /** Full tiles are immutable: inserting an existing tile fails the transaction. */
  insertTiles(tiles: readonly FullTile[]): Promise<void>;
  setHead(head: Head): Promise<void>;
  insertCheckpoint(cp: SignedCheckpoint): Promise<void>;
}

export interface LogStore {
  getTree(purpose: string): Promise<TreeRecord | undefined>;
  /** Creates the tree, its empty head and its first (size 0) checkpoint, atomically. */
  createTree(tree: Omit<TreeRecord, 'createdAt'>, head: Head, checkpoint: SignedCheckpoint): Promise<void>;
  head(treeId: TreeId): Promise<Head>;
  latestCheckpoint(treeId: TreeId): Promise<SignedCheckpoint | undefined>;
  /** The stored checkpoint for exactly this size, if any. */
  checkpointAt(treeId: TreeId, size: bigint): Promise<SignedCheckpoint | undefined>;
  readTiles(treeId: TreeId, coords: readonly TileCoord[]): Promise<Map<string, StoredTile>>;
  /** Leaf hashes of [from, to), in order. */
  leafHashes(treeId: TreeId, from: bigint, to: bigint): Promise<Uint8Array[]>;
  entriesByIndex(treeId: TreeId, indices: readonly bigint[]): Promise<StoredEntry[]>;
  entriesByLeafHash(treeId: TreeId, hashes: readonly Uint8Array[]): Promise<StoredEntry[]>;
  /**
   * Leaf indices whose index rows match: each group is a set of alternative keys; 'or' matches
   * any key of any group, 'and' needs a key of every group. Ascending, at most `limit`.
   */
  searchIndex(treeId: TreeId, groups: readonly (readonly string[])[], op: 'and' | 'or', limit: number): Promise<bigint[]>;
  /** Runs fn in one transaction; commits when it resolves, rolls back when it throws. */
  withWriter<T>(treeId: TreeId, fn: (tx: WriterTx) => Promise<T>): Promise<T>;
}

export const tileKey = (level: number, index: bigint) => `${level}/${index}`;
