/**
 * Turning node-id proofs (from inclusionProofNodes / consistencyProofNodes)
 * into hash proofs, and tree roots from complete subtrees.
 *
 * Element convention: a proof is a list of elements, leaf→root order; each
 * element is a non-empty list of complete subtrees, left to right, whose
 * combined hash is one proof hash. An element with several nodes stands for an
 * "ephemeral" node on the right border of a non-perfect tree (RFC 6962 §2.1:
 * MTH(D[k:n]) when n-k is not a power of two); its hash is MTH of those leaves,
 * which RFC 6962's recursion yields by folding the decomposition from the right:
 *   h = hash(last); for earlier ids, right to left: h = hashChildren(hash(id), h).
 */
import { MerkleError } from './errors.ts';
import { copyBytes, emptyRoot, hashChildren } from './hasher.ts';
import { rangeNodes, type NodeId } from './node.ts';
import { assertHash, assertU64 } from './check.ts';

export type NodeGetter = (id: NodeId) => Uint8Array;

/**
 * Combined hash of one proof element (see the file comment). Requires a
 * non-empty element whose nodes are adjacent complete subtrees in decreasing
 * size order (as produced by rangeNodes); `get` must return 32-byte hashes.
 * Always returns a fresh array: `get` typically hands out views into a shared
 * tile cache (TileHashes.node), which must not leak into responses.
 */
export function combineNodes(element: readonly NodeId[], get: NodeGetter): Uint8Array {
  const last = element[element.length - 1];
  if (last === undefined) throw new MerkleError('invalid_argument', 'empty proof element');
  if (element.length === 1) {
    const h = get(last);
    assertHash(h, `hash of node ${last.level}/${last.index}`, 'invalid_argument');
    return copyBytes(h);
  }
  let h = get(last);
  for (let i = element.length - 2; i >= 0; i--) h = hashChildren(get(element[i]!), h);
  return h;
}

/** The hash proof for a node-id proof: one combined hash per element, same order. */
export function buildProof(elements: readonly (readonly NodeId[])[], get: NodeGetter): Uint8Array[] {
  return elements.map((e) => combineNodes(e, get));
}

/**
 * The complete subtrees that make up a tree of `size` leaves, left to right:
 * one node of level j for every set bit j of size, highest first.
 * Requires 0 <= size < 2^64.
 */
export function rootNodes(size: bigint): NodeId[] {
  assertU64(size, 'size');
  return rangeNodes(0n, size);
}

/**
 * RFC 6962 §2.1 MTH of the first `size` leaves, from the hashes of rootNodes(size)
 * folded from the right (the empty tree hashes to SHA-256("")).
 * Requires 0 <= size < 2^64; `get` must return 32-byte hashes.
 */
export function rootFromNodes(size: bigint, get: NodeGetter): Uint8Array {
  assertU64(size, 'size');
  return size === 0n ? emptyRoot() : combineNodes(rootNodes(size), get);
}
