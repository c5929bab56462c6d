/**
 * Inclusion proofs (RFC 6962 §2.1.1 "Merkle Audit Paths", RFC 9162 §2.1.3).
 * Verification follows transparency-dev/merkle proof/verify.go function by
 * function (decompInclProof, chainInner, chainInnerRight, chainBorderRight) so
 * it can be checked line by line; it is equivalent to RFC 9162 §2.1.3.2.
 *
 * Trust: index, size, leafHash, proof and root passed to the verifiers are
 * attacker-controlled. Sizes and indices are uint64 (bigint in [0, 2^64)).
 */
import { MerkleError } from './errors.ts';
import { HASH_SIZE, bytesEqual, hashChildren } from './hasher.ts';
import { rangeNodes, type NodeId } from './node.ts';
import { bitLength, popCount, splitPoint } from './bits.ts';
import { assertHash, assertProofHashes, assertU64 } from './check.ts';

/**
 * Splits the inclusion proof of leaf `index` in a tree of `size` leaves at the
 * level where the paths to `index` and `size-1` diverge: `inner` hashes below
 * (left or right siblings, all of complete subtrees) and `border` hashes above
 * (left siblings only, one per set bit of index >> inner). inner + border is
 * the proof length. Requires 0 <= index < size < 2^64.
 */
export function decompInclProof(index: bigint, size: bigint): { inner: number; border: number } {
  assertIndexInSize(index, size);
  const inner = bitLength(index ^ (size - 1n));
  const border = popCount(index >> BigInt(inner));
  return { inner, border };
}

/**
 * Chains `seed` (the hash of the node at position `index` on its level) with
 * proof hashes from lower to upper levels: bit i of index says whether the
 * i-th sibling is on the right (0) or on the left (1).
 */
export function chainInner(seed: Uint8Array, proof: readonly Uint8Array[], index: bigint): Uint8Array {
  for (let i = 0; i < proof.length; i++) {
    const h = proof[i]!;
    seed = ((index >> BigInt(i)) & 1n) === 0n ? hashChildren(seed, h) : hashChildren(h, seed);
  }
  return seed;
}

/**
 * Like chainInner but only uses the left siblings: yields the hash of the
 * earlier version of the subtree that ends at the seed (used by consistency
 * verification to rebuild the old root).
 */
export function chainInnerRight(seed: Uint8Array, proof: readonly Uint8Array[], index: bigint): Uint8Array {
  for (let i = 0; i < proof.length; i++) {
    if (((index >> BigInt(i)) & 1n) === 1n) seed = hashChildren(proof[i]!, seed);
  }
  return seed;
}

/** Chains along the right border of the tree: every proof hash is a left sibling. */
export function chainBorderRight(seed: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  for (const h of proof) seed = hashChildren(h, seed);
  return seed;
}

/**
 * The root implied by an inclusion proof (RFC 9162 §2.1.3.2). Requires
 * 0 <= index < size < 2^64, a 32-byte leafHash and exactly inner+border proof
 * hashes of 32 bytes each; throws MerkleError otherwise. The proof length is
 * checked before any hash is touched, so oversized proof arrays cost O(1).
 */
export function rootFromInclusionProof(
  index: bigint,
  size: bigint,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array {
  const { inner, border } = decompInclProof(index, size);
  assertHash(leafHash, 'leafHash', 'invalid_argument');
  if (!Array.isArray(proof)) throw new MerkleError('invalid_proof', 'proof must be an array');
  if (proof.length !== inner + border) {
    throw new MerkleError('invalid_proof', `wrong proof size ${proof.length}, want ${inner + border}`);
  }
  assertProofHashes(proof);
  const res = chainInner(leafHash, proof.slice(0, inner), index);
  return chainBorderRight(res, proof.slice(inner));
}

/**
 * True iff `proof` proves that `leafHash` is the leaf at `index` in the tree of
 * `size` leaves with root `root`. Never throws: any malformed input is false.
 */
export function verifyInclusion(
  index: bigint,
  size: bigint,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  try {
    if (!(root instanceof Uint8Array) || root.length !== HASH_SIZE) return false;
    return bytesEqual(rootFromInclusionProof(index, size, leafHash, proof), root);
  } catch {
    return false;
  }
}

/**
 * Node ids of the inclusion proof of leaf `index` in the tree of `size` leaves:
 * RFC 6962 §2.1.1 PATH(m, D[n]) in the element convention of proof.ts (leaf→root,
 * each element one complete subtree, or several for an ephemeral right-border
 * node). Requires 0 <= index < size < 2^64.
 */
export function inclusionProofNodes(index: bigint, size: bigint): NodeId[][] {
  assertIndexInSize(index, size);
  const out: NodeId[][] = [];
  // Invariant: the remaining subtree is D[begin : begin+n] and the leaf is at
  // offset m in it; the elements pushed so far are PATH's suffix, root first.
  let begin = 0n;
  let n = size;
  let m = index;
  while (n > 1n) {
    const k = splitPoint(n); // k < n <= 2k, begin is a multiple of 2k
    if (m < k) {
      // PATH(m, D[0:k]) : MTH(D[k:n]) — the right part may be non-perfect.
      out.push(rangeNodes(begin + k, begin + n));
      n = k;
    } else {
      // PATH(m-k, D[k:n]) : MTH(D[0:k]) — the left part is a complete subtree.
      const level = bitLength(k) - 1;
      out.push([{ level, index: begin >> BigInt(level) }]);
      m -= k;
      begin += k;
      n -= k;
    }
  }
  return out.reverse();
}

function assertIndexInSize(index: bigint, size: bigint): void {
  assertU64(index, 'index');
  assertU64(size, 'size');
  if (index >= size) throw new MerkleError('invalid_argument', `index ${index} is beyond size ${size}`);
}
