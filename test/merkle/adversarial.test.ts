/**
 * Attacker-controlled input: verifiers return false (never throw), throwing
 * entry points throw MerkleError and nothing else, and oversized input is
 * rejected in O(1) before any hashing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MerkleError,
  buildProof,
  combineNodes,
  consistencyProofNodes,
  decompInclProof,
  hashChildren,
  inclusionProofNodes,
  nodeId,
  rangeNodes,
  rootFromConsistencyProof,
  rootFromInclusionProof,
  rootFromNodes,
  rootNodes,
  tileCoordsForNode,
  verifyConsistency,
  verifyInclusion,
  type NodeId,
} from '../../src/merkle/index.ts';
import { RefTree, makeLeaves, refLeafHash } from './reference.ts';
import { isMerkleError } from './helpers.ts';

const U64 = (1n << 64n) - 1n;
const ref = new RefTree(makeLeaves(64, 3));
const get = (id: NodeId): Uint8Array => ref.node(id.level, id.index);
const lh = refLeafHash(ref.leaves[5]!);
const proof = buildProof(inclusionProofNodes(5n, 13n), get);
const root = ref.mth(0, 13);
const cproof = buildProof(consistencyProofNodes(6n, 13n), get);
const root6 = ref.mth(0, 6);
const h32 = new Uint8Array(32).fill(1);

/** Calls f; it may return, or throw a MerkleError; any other throw fails the test. */
function onlyMerkleErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof MerkleError)) throw new Error(`threw a non-MerkleError: ${String(e)}`, { cause: e });
  }
}

test('sanity: the untampered proofs verify', () => {
  assert.ok(verifyInclusion(5n, 13n, lh, proof, root));
  assert.ok(verifyConsistency(6n, 13n, cproof, root6, root));
});

test('inclusion: out-of-range and mistyped indices and sizes', () => {
  const cases: Array<[unknown, unknown]> = [
    [-1n, 13n], [5n, -1n], [13n, 13n], [14n, 13n], [5n, 0n], [0n, 0n], [U64, U64], [U64 + 1n, U64 + 2n], [5n, 1n << 64n],
    [5, 13n], [5n, 13], [5, 13], ['5', 13n], [null, 13n], [undefined, undefined], [5.5, 13n], [Number.NaN, 13n], [{}, 13n],
  ];
  for (const [i, s] of cases) {
    assert.equal(verifyInclusion(i as bigint, s as bigint, lh, proof, root), false, `${String(i)}/${String(s)}`);
    assert.throws(() => rootFromInclusionProof(i as bigint, s as bigint, lh, proof), isMerkleError('invalid_argument'));
    assert.throws(() => inclusionProofNodes(i as bigint, s as bigint), isMerkleError('invalid_argument'));
    assert.throws(() => decompInclProof(i as bigint, s as bigint), isMerkleError('invalid_argument'));
  }
});

test('inclusion: wrong hash sizes and shapes', () => {
  const badHashes: unknown[] = [new Uint8Array(0), new Uint8Array(31), new Uint8Array(33), new Uint8Array(64), 'a'.repeat(32), Array(32).fill(0), null, undefined, 7, new Uint16Array(16)];
  for (const b of badHashes) {
    assert.equal(verifyInclusion(5n, 13n, b as Uint8Array, proof, root), false, 'leaf');
    assert.equal(verifyInclusion(5n, 13n, lh, proof, b as Uint8Array), false, 'root');
    assert.throws(() => rootFromInclusionProof(5n, 13n, b as Uint8Array, proof), isMerkleError('invalid_argument'));
    for (let k = 0; k < proof.length; k++) {
      const p = [...proof] as unknown[];
      p[k] = b;
      assert.equal(verifyInclusion(5n, 13n, lh, p as Uint8Array[], root), false, `proof[${k}]`);
      assert.throws(() => rootFromInclusionProof(5n, 13n, lh, p as Uint8Array[]), isMerkleError('invalid_proof'));
    }
  }
  for (const p of [null, undefined, 'abc', proof[0], { length: proof.length }, new Set(proof)]) {
    assert.equal(verifyInclusion(5n, 13n, lh, p as unknown as Uint8Array[], root), false);
    assert.throws(() => rootFromInclusionProof(5n, 13n, lh, p as unknown as Uint8Array[]), isMerkleError());
  }
  // Holes and accessors that throw.
  const holey = [...proof];
  delete holey[1];
  assert.equal(verifyInclusion(5n, 13n, lh, holey, root), false);
  const trap = [...proof];
  Object.defineProperty(trap, 2, { get: () => { throw new TypeError('boom'); } });
  assert.equal(verifyInclusion(5n, 13n, lh, trap, root), false);
});

test('huge proof arrays are rejected in O(1)', () => {
  const huge = new Array<Uint8Array>(1_000_000).fill(h32);
  const start = performance.now();
  assert.equal(verifyInclusion(5n, 13n, lh, huge, root), false);
  assert.equal(verifyConsistency(6n, 13n, huge, root6, root), false);
  assert.throws(() => rootFromInclusionProof(5n, 13n, lh, huge), isMerkleError('invalid_proof'));
  assert.throws(() => rootFromConsistencyProof(6n, 13n, huge, root6), isMerkleError('invalid_proof'));
  assert.ok(performance.now() - start < 100, 'no hashing of the oversized proof');
  const sparse = new Array<Uint8Array>(2 ** 31);
  assert.equal(verifyInclusion(5n, 13n, lh, sparse, root), false);
});

test('inclusion at the uint64 boundary works and stays bounded', () => {
  const size = U64;
  for (const index of [0n, 1n, size - 2n, size - 1n, 1n << 63n]) {
    const { inner, border } = decompInclProof(index, size);
    assert.ok(inner + border <= 64);
    const p = Array<Uint8Array>(inner + border).fill(h32);
    const r = rootFromInclusionProof(index, size, lh, p);
    assert.equal(r.length, 32);
    assert.ok(verifyInclusion(index, size, lh, p, r));
    assert.ok(!verifyInclusion(index, size, lh, p, h32));
    assert.equal(inclusionProofNodes(index, size).length, inner + border);
  }
});

test('consistency: bad sizes, shapes and hashes', () => {
  const sizes: Array<[unknown, unknown]> = [[-1n, 13n], [6n, -1n], [14n, 13n], [0n, 13n], [0n, 0n], [6n, 1n << 64n], [6, 13n], [6n, 13], ['6', '13'], [null, null], [U64 + 1n, U64 + 1n]];
  for (const [a, b] of sizes) {
    assert.equal(verifyConsistency(a as bigint, b as bigint, cproof, root6, root), false, `${String(a)}->${String(b)}`);
    assert.throws(() => rootFromConsistencyProof(a as bigint, b as bigint, cproof, root6), isMerkleError());
    assert.throws(() => consistencyProofNodes(a as bigint, b as bigint), isMerkleError('invalid_argument'));
  }
  for (const b of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(0), null, 'x', 3]) {
    assert.equal(verifyConsistency(6n, 13n, cproof, b as Uint8Array, root), false, 'root1');
    assert.equal(verifyConsistency(6n, 13n, cproof, root6, b as Uint8Array), false, 'root2');
    for (let k = 0; k < cproof.length; k++) {
      const p = [...cproof] as unknown[];
      p[k] = b;
      assert.equal(verifyConsistency(6n, 13n, p as Uint8Array[], root6, root), false);
      assert.throws(() => rootFromConsistencyProof(6n, 13n, p as Uint8Array[], root6), isMerkleError());
    }
  }
  for (const p of [null, undefined, 'abc', cproof[0], { length: 3 }]) {
    assert.equal(verifyConsistency(6n, 13n, p as unknown as Uint8Array[], root6, root), false);
    assert.equal(verifyConsistency(6n, 6n, p as unknown as Uint8Array[], root6, root6), false);
  }
  // Equal sizes: empty proof and identical roots only.
  assert.ok(verifyConsistency(6n, 6n, [], root6, root6));
  assert.ok(verifyConsistency(U64, U64, [], root6, root6));
  assert.ok(!verifyConsistency(6n, 6n, [], root6, root));
  assert.ok(!verifyConsistency(6n, 6n, [root6], root6, root6));
  assert.throws(() => rootFromConsistencyProof(6n, 13n, cproof, root), isMerkleError('root_mismatch'));
});

test('node ids, ranges and proof elements', () => {
  for (const [l, i] of [[-1, 0n], [65, 0n], [1.5, 0n], [0, -1n], [0, 1n << 64n], [1, 1n << 63n], [64, 1n], [0, 0], [Number.NaN, 0n]] as const) {
    assert.throws(() => nodeId(l, i as bigint), isMerkleError('invalid_argument'), `${l}/${String(i)}`);
    assert.throws(() => tileCoordsForNode({ level: l, index: i as bigint }), isMerkleError('invalid_argument'));
  }
  assert.deepEqual(nodeId(64, 0n), { level: 64, index: 0n });
  for (const [b, e] of [[-1n, 3n], [5n, 3n], [0, 3n]] as const) assert.throws(() => rangeNodes(b as bigint, e), isMerkleError('invalid_argument'));
  for (const s of [-1n, 1n << 64n, 3]) {
    assert.throws(() => rootNodes(s as bigint), isMerkleError('invalid_argument'));
    assert.throws(() => rootFromNodes(s as bigint, get), isMerkleError('invalid_argument'));
  }
  assert.throws(() => combineNodes([], get), isMerkleError('invalid_argument'));
  assert.throws(() => buildProof([[]], get), isMerkleError('invalid_argument'));
  assert.throws(() => combineNodes([{ level: 1, index: 0n }, { level: 0, index: 2n }], () => new Uint8Array(31)), isMerkleError('invalid_argument'));
  assert.throws(() => hashChildren(new Uint8Array(32), new Uint8Array(33)), isMerkleError('invalid_argument'));
});

test('arbitrary garbage never makes the verifiers throw (fast-check)', () => {
  const anyBig = fc.oneof(fc.bigInt({ min: -5n, max: 70n }), fc.bigInt(), fc.constantFrom(U64, U64 + 1n, -1n));
  const hashish = fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 40 }), fc.constantFrom(lh, root, root6));
  const anything = fc.oneof(fc.anything(), hashish);
  const proofArb = fc.oneof(fc.array(hashish, { maxLength: 70 }), fc.anything());
  fc.assert(
    fc.property(fc.oneof(anyBig, fc.anything()), fc.oneof(anyBig, fc.anything()), anything, proofArb, anything, (i, s, leaf, p, r) => {
      assert.equal(typeof verifyInclusion(i as bigint, s as bigint, leaf as Uint8Array, p as Uint8Array[], r as Uint8Array), 'boolean');
      assert.equal(typeof verifyConsistency(i as bigint, s as bigint, p as Uint8Array[], leaf as Uint8Array, r as Uint8Array), 'boolean');
      onlyMerkleErrors(() => rootFromInclusionProof(i as bigint, s as bigint, leaf as Uint8Array, p as Uint8Array[]));
      onlyMerkleErrors(() => rootFromConsistencyProof(i as bigint, s as bigint, p as Uint8Array[], leaf as Uint8Array));
      onlyMerkleErrors(() => inclusionProofNodes(i as bigint, s as bigint));
      onlyMerkleErrors(() => consistencyProofNodes(i as bigint, s as bigint));
    }),
    { numRuns: 3000 },
  );
});

test('random well-formed proofs for random sizes are rejected (fast-check)', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 1n, max: U64 }), fc.bigInt({ min: 0n, max: U64 }), fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 64 }), (size, x, p) => {
      const index = x % size;
      assert.equal(verifyInclusion(index, size, lh, p, root), false);
      assert.equal(verifyConsistency(index === 0n ? 1n : index, size, p, root6, root), false);
    }),
    { numRuns: 1000 },
  );
});
