/**
 * Storage rolled back under a running log (a restore, or a failover to a lagging replica): the log
 * must refuse to sign, keep serving the last good checkpoint (never a smaller one, never another
 * root for a signed size), keep its signed-state record, and resume once storage catches up.
 * Runs on PGlite and, with DATABASE_URL, on real Postgres.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProvenantError } from '../../src/errors.ts';
import { SignedStateGuard } from '../../src/log/signed-state.ts';
import { verifyConsistency, verifyInclusion, hashLeaf } from '../../src/merkle/index.ts';
import { fixedClock, openTestLog } from '../helpers/log.ts';
import { readRecord, recordPath, restore, rollBack } from '../helpers/rollback.ts';

const refuses = (e: unknown) => e instanceof ProvenantError && e.code === 'refuse_to_sign';
const body = (s: string, i: number) => Buffer.from(`{"${s}":${i}}`);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');


describe('storage rolled back under a running log', () => {
  it('refuses to sign, keeps serving the last good checkpoint and record, logs once, and resumes when storage catches up', async () => {
    const path = recordPath();
    const refusals: ProvenantError[] = [];
    const errors: unknown[] = [];
    let resumed = 0;
    const t = await openTestLog({
      guard: new SignedStateGuard(path),
      onRefusal: (e) => refusals.push(e),
      onError: (e) => errors.push(e),
      onResume: () => resumed++,
    });
    try {
      // 600 entries in several batches: two full level-0 tiles and a partial one.
      for (let b = 0; b < 3; b++) await Promise.all(Array.from({ length: 200 }, (_, i) => t.log.append({ body: body('a', b * 200 + i) })));
      const good = t.log.checkpoint;
      assert.equal(good.size, 600n);
      const recorded = { size: '600', root: hex(good.root) };

      const saved = await rollBack(t.db.database, t.log, 400n); // a size signed before (batches of 200)
      for (let i = 0; i < 3; i++) {
        await assert.rejects(t.log.append({ body: body('b', i) }), (e: unknown) => refuses(e) && /behind/.test((e as Error).message));
      }
      // Concurrent writers all get the refusal.
      const many = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => t.log.append({ body: body('c', i) })));
      assert.ok(many.every((r) => r.status === 'rejected' && refuses(r.reason)));
      assert.equal(refusals.length, 1, 'the refusal is logged once, not once per batch');
      assert.match(refusals[0]!.message, /600/);
      assert.deepEqual(errors, []);

      // Still serving the last good checkpoint: same size, same root, same note.
      assert.equal(t.log.checkpoint, good);
      assert.equal(t.log.size, 600n);
      assert.deepEqual(readRecord(path), recorded, 'the record holds the last good head and did not move backwards');
      const head = await t.store.head(t.log.treeId);
      assert.equal(head.size, 400n, 'nothing was written to the rolled-back storage');
      assert.equal((await t.store.latestCheckpoint(t.log.treeId))!.size, 400n);
      // Proofs in the signed tree: from the in-memory edge and cached tiles, or 503 when storage lacks them.
      const [e5] = await t.store.entriesByIndex(t.log.treeId, [5n]);
      assert.ok(verifyInclusion(5n, 600n, hashLeaf(e5!.body), await t.log.inclusionProof(5n, 600n), good.root));
      assert.ok(verifyConsistency(400n, 600n, await t.log.consistencyProof(400n, 600n), await t.log.rootAt(400n), good.root));

      // The replica catches up (or the newer backup is restored): signing resumes where it was.
      await restore(t.db.database, t.log, saved);
      const r = await t.log.append({ body: body('d', 0) });
      assert.equal(r.leafIndex, 600n);
      assert.equal(r.checkpoint.size, 601n);
      assert.equal(resumed, 1);
      assert.equal(readRecord(path).size, '601');
      assert.ok(verifyConsistency(600n, 601n, await t.log.consistencyProof(600n, 601n), good.root, r.checkpoint.root));
    } finally {
      await t.cleanup();
    }
  });

  it('refuses a fork: storage rolled back and grown past the signed size with other entries', async () => {
    const path = recordPath();
    const t = await openTestLog({ guard: new SignedStateGuard(path) });
    try {
      await Promise.all(Array.from({ length: 300 }, (_, i) => t.log.append({ body: body('a', i) })));
      const good = t.log.checkpoint;
      await rollBack(t.db.database, t.log, 100n);
      // Another writer (same key, no record) appends different entries past 300.
      const other = await t.reopen({ guard: undefined });
      await Promise.all(Array.from({ length: 250 }, (_, i) => other.append({ body: body('x', i) })));
      assert.equal(other.size, 350n);
      await assert.rejects(t.log.append({ body: body('b', 0) }), (e: unknown) => refuses(e) && /does not extend/.test((e as Error).message));
      assert.equal(t.log.checkpoint, good);
      assert.deepEqual(readRecord(path), { size: '300', root: hex(good.root) });
      // And a restart on that storage refuses too.
      await assert.rejects(t.reopen({ guard: new SignedStateGuard(path) }), refuses);
    } finally {
      await t.cleanup();
    }
  });

  it('without a record, the in-memory guard alone still refuses a rollback at the same size with another root', async () => {
    const t = await openTestLog();
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => t.log.append({ body: body('a', i) })));
      const good = t.log.checkpoint;
      await rollBack(t.db.database, t.log, 10n);
      const other = await t.reopen();
      await Promise.all(Array.from({ length: 10 }, (_, i) => other.append({ body: body('y', i) })));
      assert.equal(other.size, 20n);
      await assert.rejects(t.log.append({ body: body('b', 0) }), (e: unknown) => refuses(e) && /same size/.test((e as Error).message));
      assert.equal(t.log.checkpoint, good);
    } finally {
      await t.cleanup();
    }
  });

  it('accepts storage that moved ahead consistently (another writer) and serves its checkpoint', async () => {
    const path = recordPath();
    const t = await openTestLog({ guard: new SignedStateGuard(path) });
    try {
      await Promise.all(Array.from({ length: 10 }, (_, i) => t.log.append({ body: body('a', i) })));
      const other = await t.reopen({ guard: undefined });
      await Promise.all(Array.from({ length: 5 }, (_, i) => other.append({ body: body('o', i) })));
      const r = await t.log.append({ body: body('a', 99) });
      assert.equal(r.leafIndex, 15n);
      assert.equal(t.log.checkpoint.size, 16n);
      assert.equal(readRecord(path).size, '16');
    } finally {
      await t.cleanup();
    }
  });
});

describe('integratedTime never goes backwards', () => {
  it('a clock behind the newest integrated entry refuses to sign (503), then recovers', async () => {
    const clock = fixedClock(Date.UTC(2030, 0, 1, 0, 0, 10, 500));
    const refusals: ProvenantError[] = [];
    const t = await openTestLog({ clock, onRefusal: (e) => refusals.push(e) });
    try {
      const a = await t.log.append({ body: body('t', 0) });
      assert.equal(a.integratedTime, BigInt(Date.UTC(2030, 0, 1, 0, 0, 10) / 1000));
      clock.set(Date.UTC(2030, 0, 1, 0, 0, 10, 0)); // the same second: fine
      await t.log.append({ body: body('t', 1) });
      const good = t.log.checkpoint;
      clock.set(Date.UTC(2030, 0, 1, 0, 0, 9, 999));
      await assert.rejects(t.log.append({ body: body('t', 2) }), (e: unknown) => refuses(e) && /clock went backwards/.test((e as Error).message));
      await assert.rejects(t.log.append({ body: body('t', 3) }), refuses);
      assert.equal(refusals.length, 1);
      assert.equal(t.log.checkpoint, good);
      // A duplicate needs no new time: still answered.
      assert.equal((await t.log.append({ body: body('t', 0) })).duplicate, true);
      clock.set(Date.UTC(2030, 0, 1, 0, 0, 11));
      assert.equal((await t.log.append({ body: body('t', 2) })).leafIndex, 2n);
    } finally {
      await t.cleanup();
    }
  });

  it('is seeded at start-up from the newest stored entry', async () => {
    const clock = fixedClock(Date.UTC(2030, 0, 1, 0, 1, 0));
    const t = await openTestLog({ clock });
    try {
      await t.log.append({ body: body('s', 0) });
      await t.log.close();
      const behind = fixedClock(Date.UTC(2030, 0, 1, 0, 0, 59));
      const again = await t.reopen({ clock: behind });
      await assert.rejects(again.append({ body: body('s', 1) }), (e: unknown) => refuses(e) && /clock went backwards/.test((e as Error).message));
      behind.set(Date.UTC(2030, 0, 1, 0, 1, 0));
      assert.equal((await again.append({ body: body('s', 1) })).leafIndex, 1n);
    } finally {
      await t.cleanup();
    }
  });
});

/** A property of `target`, methods bound to it (a Proxy must not become their `this`). */
const pass = (target: object, prop: string | symbol) => {
  const v = (target as Record<string | symbol, unknown>)[prop];
  return typeof v === 'function' ? v.bind(target) : v;
};

describe('the start-up checkpoint', () => {
  it('a failed insert stops start-up instead of being ignored', async () => {
    const t = await openTestLog();
    try {
      await t.log.append({ body: body('u', 0) });
      await t.log.close();
      // No checkpoint stored for the head (e.g. pruned): start-up signs and stores one, and the store fails.
      await t.db.database.db.deleteFrom('checkpoints').where('tree_id', '=', t.log.treeId).where('size', '=', 1n).execute();
      const failing = new Proxy(t.store, {
        get: (s, prop) =>
          prop === 'withWriter'
            ? (id: never, fn: (tx: unknown) => Promise<unknown>) =>
                s.withWriter(id, (tx) =>
                  fn(new Proxy(tx, { get: (x, p) => (p === 'insertCheckpoint' ? async () => Promise.reject(new Error('disk full')) : pass(x as object, p)) })),
                )
            : pass(s, prop),
      });
      await assert.rejects(t.reopen({ store: failing }), /disk full/);
      // Without the fault it is stored (on Postgres this insert used to fail silently).
      const ok = await t.reopen();
      assert.equal((await t.store.checkpointAt(t.log.treeId, 1n))?.note, ok.checkpoint.note);
    } finally {
      await t.cleanup();
    }
  });

  it('a unique violation is accepted only for the same root', async () => {
    const t = await openTestLog();
    try {
      await t.log.append({ body: body('v', 0) });
      await t.log.close();
      const stored = (await t.store.latestCheckpoint(t.log.treeId))!;
      await t.db.database.db.deleteFrom('checkpoints').where('tree_id', '=', t.log.treeId).where('size', '=', 1n).execute();
      const racing = (root: Uint8Array) =>
        new Proxy(t.store, {
          get: (s, prop) => {
            if (prop === 'checkpointAt') return async () => ({ ...stored, root });
            if (prop !== 'withWriter') return pass(s, prop);
            return (id: never, fn: (tx: unknown) => Promise<unknown>) =>
              s.withWriter(id, (tx) =>
                fn(
                  new Proxy(tx, {
                    get: (x, p) =>
                      p === 'insertCheckpoint'
                        ? async () => Promise.reject(Object.assign(new Error('duplicate key value violates unique constraint "checkpoints_pkey"'), { code: '23505', constraint: 'checkpoints_pkey' }))
                        : pass(x as object, p),
                  }),
                ),
              );
          },
        });
      await assert.rejects(t.reopen({ store: racing(new Uint8Array(32).fill(9)) }), (e: unknown) => refuses(e) && /another root/.test((e as Error).message));
      const same = await t.reopen({ store: racing(stored.root) });
      assert.equal(same.size, 1n);
    } finally {
      await t.cleanup();
    }
  });
});
