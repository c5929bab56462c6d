/**
 * The verifier pool: per-job deadline, bounded queue (503 + Retry-After), a worker replaced after a
 * crash or a timeout, and no fallback to the calling thread.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProvenantError } from '../../src/errors.ts';
import { REKOR_DEFAULT_ALGORITHM_POLICY } from '../../src/crypto/verify.ts';
import { VerifierPool, type VerifierPoolOptions } from '../../src/log/kinds/verifier-pool.ts';
import { digestHex, hashedrekord, signForDigest, testKey } from './helpers.ts';

const faulty = new URL('./fixtures/faulty-worker.mjs', import.meta.url);
const bytes = (v: unknown) => Buffer.from(JSON.stringify(v));
const key = testKey('P-256');
let n = 0;
/** A valid hashedrekord entry, different each call. */
function valid(): Uint8Array {
  const m = Buffer.from(`artifact ${n++}`);
  return bytes(hashedrekord(key.pem, signForDigest(key, 'sha256', m), 'sha256', digestHex('sha256', m)));
}

const pools: VerifierPool[] = [];
function pool(o: Partial<VerifierPoolOptions> & { faults?: Array<[string, string]> }): VerifierPool {
  const faults = o.faults;
  const p = new VerifierPool({ size: 1, policy: REKOR_DEFAULT_ALGORITHM_POLICY, workerUrl: faulty, onWorkerFault: (what, detail) => faults?.push([what, detail]), ...o });
  pools.push(p);
  return p;
}
after(async () => {
  for (const p of pools) await p.close();
});

async function rejectsUnavailable(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ProvenantError, String(e));
    assert.equal(e.code, 'unavailable');
    assert.equal(e.retryAfterSeconds, 1);
    assert.match(e.message, re);
    return true;
  });
}

describe('verifier pool', () => {
  it('decodes on a worker: valid → the canonical entry; invalid → its ProvenantError', async () => {
    const p = pool({});
    const e = await p.decode(valid());
    assert.equal(e.kind, 'hashedrekord');
    assert.ok(e.body instanceof Uint8Array);
    await assert.rejects(p.decode(Buffer.from('{"kind":')), (err: unknown) => err instanceof ProvenantError && err.code === 'invalid_argument');
  });

  it('a job past its deadline gets 503 + Retry-After, its worker is terminated and a fresh one serves the next job', async () => {
    const faults: Array<[string, string]> = [];
    const p = pool({ jobDeadlineMs: 300, faults });
    await p.decode(valid()); // the worker is up: the deadline measures the job alone
    const t0 = performance.now();
    await rejectsUnavailable(p.decode(bytes('hang')), /did not finish within 300 ms/);
    const took = performance.now() - t0;
    assert.ok(took >= 290 && took < 1500, `timed out after ${took.toFixed(0)} ms`);
    assert.deepEqual(faults.map(([w]) => w), ['timeout']);
    assert.equal((await p.decode(valid())).kind, 'hashedrekord');
  });

  it('a crashed worker fails its job with 503 and is replaced', async () => {
    const faults: Array<[string, string]> = [];
    const p = pool({ faults });
    await p.decode(valid());
    await rejectsUnavailable(p.decode(bytes('crash')), /entry verifier stopped \(exit code 3\)/);
    assert.equal((await p.decode(valid())).kind, 'hashedrekord');
    // An uncaught exception kills the worker the same way.
    await rejectsUnavailable(p.decode(bytes('throw')), /entry verifier stopped \(exit code 1\)/);
    assert.equal((await p.decode(valid())).kind, 'hashedrekord');
    assert.deepEqual(faults, [
      ['crash', 'worker exited with code 3'],
      ['crash', 'worker exited with code 1: injected fault'],
    ]);
  });

  it('queue full → 503 with Retry-After; queued jobs still run once a worker is free', async () => {
    const p = pool({ maxQueuedJobs: 2, jobDeadlineMs: 400 });
    await p.decode(valid());
    const stuck = p.decode(bytes('hang')); // occupies the only worker until its deadline
    const queued = [p.decode(valid()), p.decode(valid())];
    await rejectsUnavailable(p.decode(valid()), /queue is full \(2 waiting\)/);
    await rejectsUnavailable(stuck, /did not finish/);
    for (const q of queued) assert.equal((await q).kind, 'hashedrekord');
  });

  it('never decodes in the calling thread when workers are gone; size 0 does so only when asked', async () => {
    // A worker script that cannot load: every job fails with 503, none is decoded here.
    const faults: Array<[string, string]> = [];
    const broken = pool({ workerUrl: new URL('./fixtures/does-not-exist.mjs', import.meta.url), faults });
    await rejectsUnavailable(broken.decode(valid()), /failed to start|stopped/);
    await rejectsUnavailable(broken.decode(valid()), /failed to start|stopped/);
    assert.ok(faults.length >= 2 && faults.every(([w]) => w === 'start'), JSON.stringify(faults));
    const inThread = pool({ size: 0 });
    assert.equal((await inThread.decode(valid())).kind, 'hashedrekord');
  });

  it('close() answers waiting jobs with 503 and refuses new ones', async () => {
    const p = pool({ jobDeadlineMs: 5000 });
    await p.decode(valid());
    const stuck = rejectsUnavailable(p.decode(bytes('hang')), /shutting down/);
    const waiting = rejectsUnavailable(p.decode(valid()), /shutting down/);
    await p.close();
    await stuck;
    await waiting;
    await rejectsUnavailable(p.decode(valid()), /shutting down/);
  });
});
