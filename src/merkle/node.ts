/**
 * Node addressing (transparency-dev/merkle `compact.NodeID`): the node at
 * (level, index) is the root of the complete subtree of 2^level leaves
 * [index·2^level, (index+1)·2^level). Level 0 nodes are leaf hashes.
 *
 * Only complete (perfect) subtrees have a NodeId. The "ephemeral" nodes on the
 * right border of a non-perfect tree (RFC 6962 §2.1: MTH(D[k:n]) with n-k not a
 * power of two) are represented by the list of complete subtrees covering the
 * same leaves, see `rangeNodes` and `combineNodes` (proof.ts).
 */
import { MerkleError } from './errors.ts';
import { bitLength, trailingZeros } from './bits.ts';
import { describe } from './check.ts';

export interface NodeId {
  readonly level: number;
  readonly index: bigint;
}

/** Levels 0..64 are meaningful for uint64 tree sizes. */
export const MAX_LEVEL = 64;

export function isNodeId(id: unknown): id is NodeId {
  if (typeof id !== 'object' || id === null) return false;
  const { level, index } = id as { level?: unknown; index?: unknown };
  return (
    typeof level === 'number' &&
    Number.isInteger(level) &&
    level >= 0 &&
    level <= MAX_LEVEL &&
    typeof index === 'bigint' &&
    index >= 0n &&
    index < 1n << BigInt(64 - level)
  );
}

/** Throws `invalid_argument` unless `id` is a well-formed node id inside the uint64 leaf range. */
export function assertNodeId(id: unknown): asserts id is NodeId {
  if (!isNodeId(id)) {
    const o = (typeof id === 'object' && id !== null ? id : {}) as { level?: unknown; index?: unknown };
    throw new MerkleError('invalid_argument', `invalid node id (level ${describe(o.level)}=${String(o.level)}, index ${describe(o.index)})`);
  }
}

export function nodeId(level: number, index: bigint): NodeId {
  const id = { level, index };
  assertNodeId(id);
  return id;
}

/** The leaf range [begin, end) covered by the node. */
export function nodeRange(id: NodeId): { begin: bigint; end: bigint } {
  const l = BigInt(id.level);
  return { begin: id.index << l, end: (id.index + 1n) << l };
}

/**
 * The compact range of [begin, end): the unique shortest list of complete
 * subtrees, left to right, that exactly covers the leaves begin..end-1 (each
 * node is as large as its alignment and the remaining length allow).
 * Requires 0 <= begin <= end; [0, n) gives the binary decomposition of n.
 */
export function rangeNodes(begin: bigint, end: bigint): NodeId[] {
  if (typeof begin !== 'bigint' || typeof end !== 'bigint' || begin < 0n || end < begin) {
    throw new MerkleError('invalid_argument', `invalid range [${describe(begin)}, ${describe(end)})`);
  }
  const out: NodeId[] = [];
  while (begin < end) {
    let level = bitLength(end - begin) - 1; // largest fitting size
    if (begin !== 0n) level = Math.min(level, trailingZeros(begin)); // alignment
    out.push({ level, index: begin >> BigInt(level) });
    begin += 1n << BigInt(level);
  }
  return out;
}
