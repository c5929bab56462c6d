/**
 * Proof generation and verification against the RFC 6962 §2.1 reference
 * (reference.ts): exhaustively for small trees, with fast-check for sizes up
 * to a few thousand. Mutated proofs must be rejected; for mutated sizes (which
 * can legitimately still verify, e.g. index 0 in sizes 3 and 4 share a proof
 * shape) we require agreement with the RFC 9162 §2.1.3.2 / §2.1.4.2 reference
 * verifiers instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  buildProof,
  consistencyProofNodes,
  decompInclProof,
  inclusionProofNodes,
  nodeRange,
  rangeNodes,
  rootFromConsistencyProof,
  rootFromInclusionProof,
  rootFromNodes,
  rootNodes,
  verifyConsistency,
  verifyInclusion,
  type NodeId,
} from '../../src/merkle/index.ts';
import { RefTree, makeLeaves, refLeafHash, refVerifyConsistency, refVerifyInclusion } from './reference.ts';
import { flipBit, hex, hexList } from './helpers.ts';

const MAX = 4096;
const ref = new RefTree(makeLeaves(MAX, 0x5a5a));
const leafHash = (i: number): Uint8Array => refLeafHash(ref.leaves[i]!);
const get = (id: NodeId): Uint8Array => ref.node(id.level, id.index);
const root = (n: number): Uint8Array => ref.mth(0, n);
const extra = new Uint8Array(32).fill(0xab);

function genInclusion(i: number, n: number): Uint8Array[] {
  return buildProof(inclusionProofNodes(BigInt(i), BigInt(n)), get);
}
function genConsistency(m: number, n: number): Uint8Array[] {
  return buildProof(consistencyProofNodes(BigInt(m), BigInt(n)), get);
}

/** Structural facts about node-id proofs that the hash comparison would not pinpoint. */
function checkElements(elements: NodeId[][], size: number): void {
  for (const e of elements) {
    assert.ok(e.length >= 1);
    for (let j = 0; j < e.length; j++) {
      const { end } = nodeRange(e[j]!);
      assert.ok(end <= BigInt(size), 'every node lies inside the tree');
      if (j > 0) {
        assert.equal(nodeRange(e[j]!).begin, nodeRange(e[j - 1]!).end, 'element nodes are adjacent');
        assert.ok(e[j]!.level < e[j - 1]!.level, 'element nodes shrink left to right');
      }
    }
  }
}

function checkInclusion(i: number, n: number): void {
  const I = BigInt(i);
  const N = BigInt(n);
  const elements = inclusionProofNodes(I, N);
  checkElements(elements, n);
  const proof = buildProof(elements, get);
  assert.deepEqual(hexList(proof), hexList(ref.path(i, 0, n)), `PATH(${i}, D[${n}])`);
  const { inner, border } = decompInclProof(I, N);
  assert.equal(proof.length, inner + border);
  const r = root(n);
  const lh = leafHash(i);
  assert.equal(hex(rootFromInclusionProof(I, N, lh, proof)), hex(r));
  assert.ok(verifyInclusion(I, N, lh, proof, r));
  assert.ok(refVerifyInclusion(I, N, lh, proof, r), 'the RFC 9162 verifier agrees');

  // Mutations that must always fail.
  for (let k = 0; k < proof.length; k++) assert.ok(!verifyInclusion(I, N, lh, flipBit(proof, k, (k * 37) % 256), r), `bit flip in ${k}`);
  if (proof.length > 0) assert.ok(!verifyInclusion(I, N, lh, proof.slice(0, -1), r), 'truncated');
  assert.ok(!verifyInclusion(I, N, lh, [...proof, extra], r), 'extra hash appended');
  assert.ok(!verifyInclusion(I, N, lh, [extra, ...proof], r), 'extra hash prepended');
  assert.ok(!verifyInclusion(I, N, lh, [...proof, r], r), 'root appended');
  assert.ok(!verifyInclusion(I, N, flipBit([lh], 0, 5)[0]!, proof, r), 'wrong leaf');
  assert.ok(!verifyInclusion(I, N, lh, proof, flipBit([r], 0, 200)[0]!), 'wrong root');
  for (const j of [i - 1, i + 1, i ^ 2, i ^ 1]) {
    if (j >= 0 && j < n && j !== i) assert.ok(!verifyInclusion(BigInt(j), N, lh, proof, r), `wrong index ${j}`);
  }
  for (const [j, s] of [[i, n + 1], [i, n - 1], [i, n * 2], [i, n >> 1], [i + 1, n + 1]] as const) {
    const want = j < s && refVerifyInclusion(BigInt(j), BigInt(s), lh, proof, r);
    assert.equal(verifyInclusion(BigInt(j), BigInt(s), lh, proof, r), want, `index ${j} size ${s}`);
  }
}

function checkConsistency(m: number, n: number): void {
  const M = BigInt(m);
  const N = BigInt(n);
  const elements = consistencyProofNodes(M, N);
  checkElements(elements, n);
  const proof = buildProof(elements, get);
  assert.deepEqual(hexList(proof), hexList(ref.proof(m, n)), `PROOF(${m}, D[${n}])`);
  const r1 = root(m);
  const r2 = root(n);
  assert.ok(verifyConsistency(M, N, proof, r1, r2));
  assert.equal(hex(rootFromConsistencyProof(M, N, proof, r1)), hex(r2));
  if (m === n) {
    assert.equal(proof.length, 0);
    assert.ok(!verifyConsistency(M, N, [extra], r1, r2), 'non-empty proof for equal sizes');
    return;
  }
  assert.ok(refVerifyConsistency(M, N, r1, r2, proof), 'the RFC 9162 verifier agrees');

  for (let k = 0; k < proof.length; k++) assert.ok(!verifyConsistency(M, N, flipBit(proof, k, (k * 53) % 256), r1, r2), `bit flip in ${k}`);
  assert.ok(!verifyConsistency(M, N, proof.slice(0, -1), r1, r2), 'truncated');
  assert.ok(!verifyConsistency(M, N, [], r1, r2), 'empty');
  assert.ok(!verifyConsistency(M, N, [...proof, extra], r1, r2), 'extra hash appended');
  assert.ok(!verifyConsistency(M, N, [proof[0]!, ...proof], r1, r2), 'proof[0] repeated');
  assert.ok(!verifyConsistency(M, N, proof, r2, r1), 'swapped roots');
  assert.ok(!verifyConsistency(M, N, proof, flipBit([r1], 0, 9)[0]!, r2), 'wrong root1');
  assert.ok(!verifyConsistency(M, N, proof, r1, flipBit([r2], 0, 9)[0]!), 'wrong root2');
  for (const [a, b] of [[m - 1, n], [m + 1, n], [m ^ 2, n], [m, n + 1], [m, n - 1], [m, n * 2], [m, n >> 1]] as const) {
    if (a === m && b === n) continue;
    const want = 0 < a && a < b && refVerifyConsistency(BigInt(a), BigInt(b), r1, r2, proof);
    assert.equal(verifyConsistency(BigInt(a), BigInt(b), proof, r1, r2), want, `sizes ${a}, ${b}`);
  }
}

test('rootNodes / rootFromNodes / rangeNodes against MTH', () => {
  for (let n = 0; n <= 300; n++) {
    const ids = rootNodes(BigInt(n));
    assert.equal(ids.length, n.toString(2).split('1').length - 1, 'one node per set bit');
    assert.equal(hex(rootFromNodes(BigInt(n), get)), hex(root(n)), `size ${n}`);
  }
  for (let b = 0; b < 70; b++) {
    for (let e = b; e < 140; e++) {
      const ids = rangeNodes(BigInt(b), BigInt(e));
      let at = BigInt(b);
      for (const id of ids) {
        const r = nodeRange(id);
        assert.equal(r.begin, at);
        at = r.end;
      }
      assert.equal(at, BigInt(e));
    }
  }
});

test('inclusion: every index of every size up to 96', () => {
  for (let n = 1; n <= 96; n++) for (let i = 0; i < n; i++) checkInclusion(i, n);
});

test('consistency: every pair of sizes up to 64', () => {
  for (let n = 1; n <= 64; n++) for (let m = 1; m <= n; m++) checkConsistency(m, n);
});

test('inclusion: random sizes up to 4096 (fast-check)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: MAX }), fc.nat(), (n, x) => checkInclusion(x % n, n)),
    { numRuns: 400 },
  );
  // Both borders of large trees.
  for (const n of [4095, 4096, 2049, 3000]) for (const i of [0, 1, n - 2, n - 1]) checkInclusion(i, n);
});

test('consistency: random pairs of sizes up to 4096 (fast-check)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: MAX }), fc.integer({ min: 1, max: MAX }), (a, b) =>
      checkConsistency(Math.min(a, b), Math.max(a, b)),
    ),
    { numRuns: 400 },
  );
  for (const [m, n] of [[1, 4096], [4095, 4096], [2048, 4096], [2047, 2049], [1023, 3071]] as const) checkConsistency(m, n);
});

test('differential: our verifiers agree with the RFC 9162 algorithms on arbitrary (size, index, proof) guesses', () => {
  // Proofs of small trees replayed against every nearby (index, size): the
  // accept set of ours and of the RFC algorithm must be identical.
  for (let n = 1; n <= 12; n++) {
    for (let i = 0; i < n; i++) {
      const proof = genInclusion(i, n);
      const lh = leafHash(i);
      const r = root(n);
      for (let s = 1; s <= 20; s++) {
        for (let j = 0; j < s; j++) {
          assert.equal(verifyInclusion(BigInt(j), BigInt(s), lh, proof, r), refVerifyInclusion(BigInt(j), BigInt(s), lh, proof, r), `${i}/${n} as ${j}/${s}`);
        }
      }
    }
    for (let m = 1; m < n; m++) {
      const proof = genConsistency(m, n);
      for (let a = 1; a <= 20; a++) {
        for (let b = a + 1; b <= 20; b++) {
          assert.equal(
            verifyConsistency(BigInt(a), BigInt(b), proof, root(m), root(n)),
            refVerifyConsistency(BigInt(a), BigInt(b), root(m), root(n), proof),
            `${m}->${n} as ${a}->${b}`,
          );
        }
      }
    }
  }
});
