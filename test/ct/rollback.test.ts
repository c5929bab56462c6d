/**
 * The CT log over storage rolled back while it runs: no SCT or STH for a tree behind or beside
 * what was signed; get-sth keeps serving the last good signed tree head. PGlite and Postgres.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCertificateTransparencyLog } from '../../src/ct/log.ts';
import { ProvenantError } from '../../src/errors.ts';
import { SignedStateGuard } from '../../src/log/signed-state.ts';
import { caMaterial, ctSigner } from '../ca/helpers.ts';
import { openTestLog } from '../helpers/log.ts';
import { readRecord, recordPath, restore, rollBack } from '../helpers/rollback.ts';

const refuses = (e: unknown) => e instanceof ProvenantError && e.code === 'refuse_to_sign';

describe('the CT log over storage rolled back while running', () => {
  it('refuses SCTs (503), keeps the last STH, answers missing entries 503, and resumes when storage catches up', async () => {
    const path = recordPath('signed-state-ct.json');
    const clock = { now: () => new Date() };
    const t = await openTestLog({ purpose: 'ct', name: '127.0.0.1/ct', signer: ctSigner(), signSets: false, clock, guard: new SignedStateGuard(path) });
    const ct = createCertificateTransparencyLog({ log: t.log, clock, chain: caMaterial().chain });
    // The CA vouches for what it logs; these bytes only need to be distinct entries.
    const precert = (i: number) => ({ precertificate: Uint8Array.of(0x30, 1, i), tbsCertificate: Uint8Array.of(0x30, 2, i, i) });
    try {
      for (let i = 0; i < 3; i++) await ct.logIssuedPrecertificate(precert(i));
      const sth3 = ct.getSth();
      for (let i = 3; i < 5; i++) await ct.logIssuedPrecertificate(precert(i));
      const sth5 = ct.getSth();
      assert.equal(sth5.treeSize, 5n);
      const saved = await rollBack(t.db.database, t.log, 3n);
      assert.deepEqual((await t.store.head(t.log.treeId)).root, sth3.rootHash);

      await assert.rejects(ct.logIssuedPrecertificate(precert(5)), refuses);
      await assert.rejects(ct.logIssuedPrecertificate(precert(6)), refuses);
      assert.equal(ct.getSth(), sth5, 'the last good STH is served: same size, same root, same signature');
      assert.equal(ct.size, 5n);
      assert.equal(readRecord(path).size, '5', 'the record did not move backwards');
      // Entries the STH covers but storage lost: 503, not a 500.
      await assert.rejects(ct.getEntries(0n, 4n), (e: unknown) => e instanceof ProvenantError && e.code === 'unavailable');
      assert.equal((await ct.getEntries(0n, 2n)).length, 3);

      await restore(t.db.database, t.log, saved);
      await ct.logIssuedPrecertificate(precert(5));
      const sth6 = ct.getSth();
      assert.equal(sth6.treeSize, 6n);
      assert.ok(sth6.timestamp >= sth5.timestamp);
    } finally {
      await t.cleanup();
    }
  });
});
