import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parseCheckpoint, verifyCheckpoint } from '../../src/encoding/checkpoint.ts';
import { ProvenantError } from '../../src/errors.ts';
import { hashLeaf, verifyConsistency, verifyInclusion } from '../../src/merkle/index.ts';
import { openTestLog, type TestLog, testOptions } from '../helpers/log.ts';
import { refRoot } from '../helpers/ref.ts';

const body = (i: number) => Buffer.from(`{"entry":${i}}`);

function verifyNote(note: string, t: TestLog) {
  const pub = createPublicKey({ key: Buffer.from(t.log.signer.publicKeyDer), format: 'der', type: 'spki' });
  return verifyCheckpoint(note, 'log.example.test', t.log.signer.publicKeyDer, (m, s) => verify('sha256', m, { key: pub, dsaEncoding: 'der' }, s));
}

describe('transparency log', () => {
  let t: TestLog;
  before(async () => {
    t = await openTestLog({ options: testOptions({ maxBatchSize: 50 }) });
  });
  after(() => t.cleanup());

  it('starts empty with a signed size-0 checkpoint', () => {
    assert.equal(t.log.size, 0n);
    const cp = verifyNote(t.log.checkpoint.note, t);
    assert.equal(cp.size, 0n);
    assert.equal(cp.origin, `log.example.test - ${t.log.treeId}`);
  });

  it('appends concurrently, resolves after commit with contiguous indices, dedupes', async () => {
    const n = 600;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => t.log.append({ body: body(i), kind: 'test', indexKeys: [`k${i % 7}`] })));
    const indices = results.map((r) => Number(r.leafIndex)).sort((a, b) => a - b);
    assert.deepEqual(indices, Array.from({ length: n }, (_, i) => i));
    assert.ok(results.every((r) => !r.duplicate && r.setSig !== null));
    assert.equal(t.log.size, BigInt(n));
    // Root equals the reference root over the leaves in index order.
    const byIndex: Buffer[] = [];
    results.forEach((r, i) => (byIndex[Number(r.leafIndex)] = body(i)));
    assert.deepEqual(Buffer.from(t.log.checkpoint.root), refRoot(byIndex));
    // Duplicates: same body again resolves to the existing index, nothing appended.
    const dup = await Promise.all([t.log.append({ body: body(5) }), t.log.append({ body: body(5) })]);
    assert.ok(dup.every((d) => d.duplicate));
    assert.equal(dup[0]!.leafIndex, results[5]!.leafIndex);
    assert.equal(t.log.size, BigInt(n));
    // Same body twice in one new batch: one entry, one duplicate.
    const twin = await Promise.all([t.log.append({ body: body(10_000) }), t.log.append({ body: body(10_000) })]);
    assert.equal(twin.filter((d) => d.duplicate).length, 1);
    assert.equal(twin[0]!.leafIndex, twin[1]!.leafIndex);
    assert.equal(t.log.size, BigInt(n + 1));
  });

  it('serves inclusion and consistency proofs that verify', async () => {
    const size = t.log.size;
    const root = t.log.checkpoint.root;
    for (const i of [0n, 1n, 255n, 256n, 300n, size - 1n]) {
      const [e] = await t.store.entriesByIndex(t.log.treeId, [i]);
      const proof = await t.log.inclusionProof(i, size);
      assert.ok(verifyInclusion(i, size, hashLeaf(e!.body), proof, root), `index ${i}`);
    }
    for (const m of [1n, 2n, 255n, 256n, 257n, 511n, size]) {
      const proof = await t.log.consistencyProof(m, size);
      assert.ok(verifyConsistency(m, size, proof, await t.log.rootAt(m), root), `size ${m}`);
    }
  });

  it('stores every checkpoint and SETs that verify', async () => {
    const [e] = await t.store.entriesByIndex(t.log.treeId, [3n]);
    const payload = `{"body":"${Buffer.from(e!.body).toString('base64')}","integratedTime":${e!.integratedTime},"logID":"${t.log.signer.logId}","logIndex":3}`;
    const pub = createPublicKey({ key: Buffer.from(t.log.signer.publicKeyDer), format: 'der', type: 'spki' });
    assert.ok(verify('sha256', Buffer.from(payload), { key: pub, dsaEncoding: 'der' }, e!.setSig!));
    const latest = await t.store.latestCheckpoint(t.log.treeId);
    assert.equal(latest!.note, t.log.checkpoint.note);
    assert.equal(parseCheckpoint(latest!.note).size, t.log.size);
  });

  it('reopens from storage with the same root (edge rebuilt from tiles and last leaves)', async () => {
    const again = await t.reopen();
    assert.equal(again.size, t.log.size);
    assert.deepEqual(Buffer.from(again.checkpoint.root), Buffer.from(t.log.checkpoint.root));
    await t.log.close();
    const r = await again.append({ body: body(99_999) });
    assert.equal(r.leafIndex, t.log.size);
    const proof = await again.inclusionProof(r.leafIndex, again.size);
    assert.ok(verifyInclusion(r.leafIndex, again.size, hashLeaf(body(99_999)), proof, again.checkpoint.root));
  });

  it('rejects bad proof requests with typed errors', async () => {
    await assert.rejects(t.log.inclusionProof(5n, 5n), ProvenantError);
    await assert.rejects(t.log.inclusionProof(0n, 10n ** 12n), ProvenantError);
    await assert.rejects(t.log.consistencyProof(5n, 4n), ProvenantError);
  });
});

describe('refuses to sign when storage is behind', () => {
  it('a checkpoint newer than the head stops start-up', async () => {
    const t = await openTestLog();
    try {
      await t.log.append({ body: body(1) });
      await t.log.close();
      // Simulate a restored old backup: the head goes back while the signed checkpoint remains.
      await t.store.withWriter(t.log.treeId, async (tx) => {
        await tx.lockHead();
        await tx.setHead({ size: 0n, root: (await import('../../src/merkle/index.ts')).emptyRoot() });
      });
      await assert.rejects(t.reopen(), (e: unknown) => e instanceof ProvenantError && e.code === 'refuse_to_sign');
    } finally {
      await t.cleanup();
    }
  });
});
