/**
 * Fault injection: a store wrapper fails at each step of the write path. After each failure no
 * caller is acknowledged for the failed batch, nothing half-written survives, the sequencer
 * recovers, and the stored log re-verifies from scratch (sunlight's CheckLog, tessera's fsck).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logStoreFor } from '../../src/db/log-store.ts';
import { ProvenantError } from '../../src/errors.ts';
import type { LogStore, WriterTx } from '../../src/log/store.ts';
import { hashLeaf } from '../../src/merkle/index.ts';
import { openTestLog } from '../helpers/log.ts';
import { refRoot } from '../helpers/ref.ts';
import { testDatabase } from '../helpers/db.ts';

const STEPS = ['lockHead', 'findByLeafHashes', 'insertEntries', 'insertTiles', 'setHead', 'insertCheckpoint', 'afterCommit'] as const;

class FaultyStore {
  failAt: (typeof STEPS)[number] | undefined;
  constructor(private readonly inner: LogStore) {
    return new Proxy(this, {
      get: (target, prop) => (prop in target ? (target as any)[prop] : (inner as any)[prop]?.bind(inner)),
    });
  }
  async withWriter<T>(treeId: any, fn: (tx: WriterTx) => Promise<T>): Promise<T> {
    const step = this.failAt;
    const out = await this.inner.withWriter(treeId, (tx) => {
      const wrapped = new Proxy(tx, {
        get: (t, p) => {
          const f = (t as any)[p];
          if (typeof f !== 'function') return f;
          return async (...args: unknown[]) => {
            if (p === step) throw new Error(`injected fault at ${String(p)}`);
            return f.apply(t, args);
          };
        },
      });
      return fn(wrapped);
    });
    if (step === 'afterCommit') throw new Error('injected fault after commit (connection lost during COMMIT)');
    return out;
  }
}

async function checkLog(store: LogStore, treeId: any, acked: Map<bigint, Buffer>) {
  const head = await store.head(treeId);
  const entries = await store.entriesByIndex(treeId, Array.from({ length: Number(head.size) }, (_, i) => BigInt(i)));
  entries.sort((a, b) => Number(a.leafIndex - b.leafIndex));
  assert.equal(entries.length, Number(head.size));
  for (const [i, e] of entries.entries()) {
    assert.equal(e.leafIndex, BigInt(i));
    assert.deepEqual(Buffer.from(e.leafHash), Buffer.from(hashLeaf(e.body)));
  }
  for (const [i, b] of acked) assert.deepEqual(Buffer.from(entries[Number(i)]!.body), b, `acknowledged entry ${i} moved`);
  const root = refRoot(entries.map((e) => e.body));
  assert.deepEqual(Buffer.from(head.root), root);
  const cp = await store.latestCheckpoint(treeId);
  assert.equal(cp!.size, head.size);
  assert.deepEqual(Buffer.from(cp!.root), root);
}

describe('fault injection on the write path', () => {
  for (const step of STEPS) {
    it(`fails at ${step}: nothing acknowledged, nothing half-written, recovers`, async () => {
      const db = await testDatabase();
      const faulty = new FaultyStore(logStoreFor(db.database)) as unknown as FaultyStore & LogStore;
      const t = await openTestLog({ store: faulty });
      const acked = new Map<bigint, Buffer>();
      try {
        // Some committed history first (crossing a tile boundary).
        for (const r of await Promise.all(Array.from({ length: 300 }, (_, i) => t.log.append({ body: Buffer.from(`a${i}`) })))) {
          acked.set(r.leafIndex, Buffer.from(`a${r.leafIndex}`));
        }
        faulty.failAt = step;
        // The batch holds a duplicate of a stored entry, so the dedupe path (findByLeafHashes) runs too.
        const bad = await Promise.allSettled([
          ...Array.from({ length: 40 }, (_, i) => t.log.append({ body: Buffer.from(`b${i}`) })),
          t.log.append({ body: Buffer.from('a0') }),
        ]);
        assert.ok(bad.every((r) => r.status === 'rejected'));
        for (const r of bad) {
          const e = (r as PromiseRejectedResult).reason;
          assert.ok(e instanceof ProvenantError && e.code === 'unavailable', String(e));
        }
        faulty.failAt = undefined;
        const sizeAfterFault = (await faulty.head(t.log.treeId)).size;
        if (step !== 'afterCommit') assert.equal(sizeAfterFault, 300n, 'a failed batch left rows behind');
        // Recovery: appends continue at the right index.
        const next = await t.log.append({ body: Buffer.from('after') });
        assert.equal(next.leafIndex, sizeAfterFault);
        acked.set(next.leafIndex, Buffer.from('after'));
        await checkLog(faulty, t.log.treeId, acked);
        // And a fresh process rebuilds the same state.
        const again = await t.reopen();
        assert.deepEqual(Buffer.from(again.checkpoint.root), Buffer.from(t.log.checkpoint.root));
      } finally {
        await t.cleanup();
        await db.cleanup();
      }
    });
  }
});
