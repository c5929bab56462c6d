/**
 * The signed-state record (src/log/signed-state.ts): never backwards, durable before a checkpoint
 * is served, and never silently off — an unreadable or corrupt record stops start-up unless the
 * operator re-seeds it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ProvenantError } from '../../src/errors.ts';
import { SignedStateGuard } from '../../src/log/signed-state.ts';
import { openTestLog } from '../helpers/log.ts';
import { readRecord, recordPath } from '../helpers/rollback.ts';

const refuses = (e: unknown) => e instanceof ProvenantError && e.code === 'refuse_to_sign';
const root = (b: number) => new Uint8Array(32).fill(b);

describe('the signed-state record', () => {
  it('starts empty (ENOENT only), records durably, and never moves backwards or sideways', async () => {
    const path = recordPath();
    const g = new SignedStateGuard(path);
    assert.equal(g.load(), undefined);
    await g.record({ size: 10n, root: root(1) });
    assert.deepEqual(readRecord(path), { size: '10', root: '01'.repeat(32) });
    const again = new SignedStateGuard(path);
    assert.equal(again.load()?.size, 10n);
    await assert.rejects(again.record({ size: 9n, root: root(1) }), refuses);
    await assert.rejects(again.record({ size: 10n, root: root(2) }), refuses);
    await again.record({ size: 10n, root: root(1) }); // the same head: nothing to do
    await again.record({ size: 11n, root: root(3) });
    assert.deepEqual(readRecord(path), { size: '11', root: '03'.repeat(32) });
  });

  it('a corrupt record stops start-up with a message naming the file and the override', async () => {
    for (const text of ['', '{"size":"10"', '{"size":10,"root":"00"}', `{"size":"-1","root":"${'00'.repeat(32)}"}`, 'null']) {
      const path = recordPath();
      writeFileSync(path, text);
      assert.throws(
        () => new SignedStateGuard(path).load(),
        (e: unknown) => refuses(e) && (e as Error).message.includes(path) && (e as Error).message.includes('PROVENANT_RESEED_SIGNED_STATE=1') && /corrupt/.test((e as Error).message),
        JSON.stringify(text),
      );
    }
  });

  it('an unreadable record stops start-up too (only a missing file means "no record yet")', () => {
    const path = recordPath();
    mkdirSync(path); // EISDIR on read
    assert.throws(
      () => new SignedStateGuard(path).load(),
      (e: unknown) => refuses(e) && (e as Error).message.includes(path) && /cannot be read/.test((e as Error).message),
    );
  });

  it('a log with a corrupt record refuses to open; the override re-seeds it from storage', async () => {
    const path = recordPath();
    const t = await openTestLog({ guard: new SignedStateGuard(path) });
    try {
      await Promise.all(Array.from({ length: 5 }, (_, i) => t.log.append({ body: Buffer.from(`c${i}`) })));
      assert.deepEqual(readRecord(path), { size: '5', root: Buffer.from(t.log.checkpoint.root).toString('hex') });
      await t.log.close();
      writeFileSync(path, '{"size":"5","root":"trunc');
      await assert.rejects(t.reopen({ guard: new SignedStateGuard(path) }), (e: unknown) => refuses(e) && (e as Error).message.includes(path));
      const reseeded = await t.reopen({ guard: new SignedStateGuard(path, { reseed: true }) });
      assert.equal(reseeded.size, 5n);
      assert.deepEqual(readRecord(path), { size: '5', root: Buffer.from(t.log.checkpoint.root).toString('hex') });
      await reseeded.close();
      // Re-seeded: a normal start works again.
      const normal = await t.reopen({ guard: new SignedStateGuard(path) });
      assert.equal(normal.size, 5n);
    } finally {
      await t.cleanup();
    }
  });

  it('a log reopened on a database restored from an older backup refuses to start', async () => {
    const path = recordPath();
    const t = await openTestLog({ guard: new SignedStateGuard(path) });
    try {
      await Promise.all(Array.from({ length: 5 }, (_, i) => t.log.append({ body: Buffer.from(`g${i}`) })));
      await t.log.close();
      // "Restore" an empty database: a fresh store with the same key and the same record.
      const fresh = await openTestLog({ guard: new SignedStateGuard(path) }).then(
        (x) => x,
        (e) => e,
      );
      if (fresh instanceof Error) {
        assert.ok(refuses(fresh), String(fresh));
        assert.match(fresh.message, /PROVENANT_RESEED_SIGNED_STATE=1/);
      } else {
        await fresh.cleanup();
        assert.fail('a store behind the signed record was accepted');
      }
    } finally {
      await t.cleanup();
    }
  });

  it('a record that cannot be written: the committed batch is not acknowledged, nothing newer is served, and it recovers', async () => {
    const path = recordPath();
    const t = await openTestLog({ guard: new SignedStateGuard(path) });
    try {
      await t.log.append({ body: Buffer.from('w0') });
      const good = t.log.checkpoint;
      mkdirSync(`${path}.tmp`); // the temporary file cannot be created: EISDIR
      await assert.rejects(t.log.append({ body: Buffer.from('w1') }), (e: unknown) => refuses(e) && /signed-state record/.test((e as Error).message));
      assert.equal(t.log.checkpoint, good, 'the checkpoint the record does not cover is not served');
      assert.deepEqual(readRecord(path), { size: '1', root: Buffer.from(good.root).toString('hex') });
      // The next batch cannot sign beyond a committed head the record does not cover either.
      await assert.rejects(t.log.append({ body: Buffer.from('w2') }), refuses);
      assert.equal((await t.store.head(t.log.treeId)).size, 2n, 'at most one unrecorded batch in storage');
      rmdirSync(`${path}.tmp`);
      // Recovered: the retried entry is found (it was committed), the new one appended.
      const [w1, w2] = await Promise.all([t.log.append({ body: Buffer.from('w1') }), t.log.append({ body: Buffer.from('w2') })]);
      assert.equal(w1!.duplicate, true);
      assert.equal(w1!.leafIndex, 1n);
      assert.equal(w2!.leafIndex, 2n);
      assert.ok(w1!.checkpoint.size > w1!.leafIndex, 'a duplicate comes with a checkpoint that includes it');
      assert.equal(readRecord(path).size, '3');
    } finally {
      await t.cleanup();
    }
  });
});
