/**
 * Consistency proofs (RFC 6962 §2.1.2, RFC 9162 §2.1.4). Verification follows
 * transparency-dev/merkle proof/verify.go (RootFromConsistencyProof); it is
 * equivalent to RFC 9162 §2.1.4.2.
 *
 * Trust: sizes, proof and roots passed to the verifiers are attacker-controlled.
 */
import { MerkleError } from './errors.ts';
import { bytesEqual } from './hasher.ts';
import { rangeNodes, type NodeId } from './node.ts';
import { bitLength, splitPoint, trailingZeros } from './bits.ts';
import { assertHash, assertProofHashes, assertU64 } from './check.ts';
import { chainBorderRight, chainInner, chainInnerRight, decompInclProof } from './inclusion.ts';

/**
 * The root of the tree of `size2` leaves implied by a consistency proof from
 * the tree of `size1` leaves with root `root1`, after checking that the proof
 * also rebuilds root1. Requires 0 < size1 <= size2 < 2^64 (a proof from the
 * empty tree is meaningless: every tree extends it); throws MerkleError
 * otherwise, on a malformed proof, or (`root_mismatch`) if root1 is not rebuilt.
 *
 * size1 == size2: the proof must be empty and root1 is returned unchanged (no
 * hashing happens, so its length is not checked — the upstream vectors accept
 * equal non-32-byte roots here).
 */
export function rootFromConsistencyProof(
  size1: bigint,
  size2: bigint,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
): Uint8Array {
  assertU64(size1, 'size1');
  assertU64(size2, 'size2');
  if (!Array.isArray(proof)) throw new MerkleError('invalid_proof', 'proof must be an array');
  if (size2 < size1) throw new MerkleError('invalid_argument', `size2 (${size2}) < size1 (${size1})`);
  if (size1 === 0n) throw new MerkleError('invalid_argument', 'consistency proof from the empty tree is meaningless');
  if (size1 === size2) {
    if (proof.length > 0) throw new MerkleError('invalid_proof', 'size1 == size2 but the proof is not empty');
    if (!(root1 instanceof Uint8Array)) throw new MerkleError('invalid_argument', 'root1 must be a Uint8Array');
    return root1;
  }
  if (proof.length === 0) throw new MerkleError('invalid_proof', 'empty proof');
  assertHash(root1, 'root1', 'invalid_argument');

  // The proof is a suffix of the inclusion proof of leaf size1-1 in the size2
  // tree, starting at level `shift`: the root of the largest complete subtree
  // ending at size1 (its hash is proof[0], unless that subtree is the whole
  // size1 tree, whose hash the verifier already knows as root1).
  const d = decompInclProof(size1 - 1n, size2);
  const shift = trailingZeros(size1);
  const inner = d.inner - shift; // shift < d.inner because size1 < size2
  const border = d.border;
  let seed: Uint8Array | undefined = proof[0];
  let start = 1;
  if (size1 === 1n << BigInt(shift)) {
    seed = root1;
    start = 0;
  }
  if (proof.length !== start + inner + border) {
    throw new MerkleError('invalid_proof', `wrong proof size ${proof.length}, want ${start + inner + border}`);
  }
  assertProofHashes(proof);
  const path = proof.slice(start);
  const innerPath = path.slice(0, inner);
  const borderPath = path.slice(inner);
  const mask = (size1 - 1n) >> BigInt(shift); // position of the seed on level `shift`

  // Old root: only the left siblings existed in the size1 tree.
  const hash1 = chainBorderRight(chainInnerRight(seed!, innerPath, mask), borderPath);
  if (!bytesEqual(hash1, root1)) throw new MerkleError('root_mismatch', 'proof does not rebuild root1');

  // New root: all siblings.
  return chainBorderRight(chainInner(seed!, innerPath, mask), borderPath);
}

/**
 * True iff `proof` proves that the tree of size2 leaves with root2 extends the
 * tree of size1 leaves with root1. Never throws: malformed input is false.
 * Rejects size1 == 0 (see rootFromConsistencyProof); size1 == size2 requires an
 * empty proof and root1 == root2.
 */
export function verifyConsistency(
  size1: bigint,
  size2: bigint,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  try {
    if (!(root2 instanceof Uint8Array)) return false;
    return bytesEqual(rootFromConsistencyProof(size1, size2, proof, root1), root2);
  } catch {
    return false;
  }
}

/**
 * Node ids of the consistency proof between sizes size1 and size2: RFC 6962
 * §2.1.2 PROOF(m, D[n]) = SUBPROOF(m, D[n], true), in the element convention of
 * proof.ts (leaf→root order; several nodes for an ephemeral right-border node).
 * Requires 0 < size1 <= size2 < 2^64; size1 == size2 gives [].
 */
export function consistencyProofNodes(size1: bigint, size2: bigint): NodeId[][] {
  assertU64(size1, 'size1');
  assertU64(size2, 'size2');
  if (size1 === 0n || size1 > size2) {
    throw new MerkleError('invalid_argument', `consistency proof needs 0 < size1 <= size2, got ${size1}, ${size2}`);
  }
  const out: NodeId[][] = [];
  // Invariant: we are computing SUBPROOF(m, D[begin : begin+n], b); the
  // elements pushed so far are its suffix, root first.
  let begin = 0n;
  let n = size2;
  let m = size1;
  let b = true;
  while (m !== n) {
    const k = splitPoint(n); // k < n <= 2k
    if (m <= k) {
      // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
      out.push(rangeNodes(begin + k, begin + n));
      n = k;
    } else {
      // SUBPROOF(m-k, D[k:n], false) : MTH(D[0:k])
      const level = bitLength(k) - 1;
      out.push([{ level, index: begin >> BigInt(level) }]);
      m -= k;
      begin += k;
      n -= k;
      b = false;
    }
  }
  // SUBPROOF(m, D[m], false) = [MTH(D[m])]. Here n is a power of two (the loop
  // can only stop right after n = k), so this is a single complete subtree.
  if (!b) out.push(rangeNodes(begin, begin + n));
  return out.reverse();
}
