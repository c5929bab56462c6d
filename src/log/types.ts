/**
 * Distinct number types. Rekor's shard bugs came from mixing these, so they are branded:
 * - LeafIndex: position within one tree (what inclusion proofs use);
 * - LogIndex: Rekor's global index across shards (equal to LeafIndex while there is one shard);
 * - EntryUUID: 16-hex tree id + 64-hex leaf hash (Rekor's "entryID").
 */
export type TreeId = bigint & { readonly __brand: 'TreeId' };
export type LeafIndex = bigint & { readonly __brand: 'LeafIndex' };
export type LogIndex = bigint & { readonly __brand: 'LogIndex' };
export type EntryUUID = string & { readonly __brand: 'EntryUUID' };

export const asTreeId = (n: bigint) => n as TreeId;
export const asLeafIndex = (n: bigint) => n as LeafIndex;
/** One shard: the global index is the leaf index. */
export const logIndexOf = (i: LeafIndex) => i as bigint as LogIndex;
export const leafIndexOf = (i: LogIndex) => i as bigint as LeafIndex;

export function entryUUID(treeId: TreeId, leafHash: Uint8Array): EntryUUID {
  return (treeId.toString(16).padStart(16, '0') + Buffer.from(leafHash).toString('hex')) as EntryUUID;
}

export interface SignedCheckpoint {
  readonly size: bigint;
  readonly root: Uint8Array;
  /** The signed note exactly as stored and served. */
  readonly note: string;
}

export { type Clock, systemClock } from '../clock.ts';
