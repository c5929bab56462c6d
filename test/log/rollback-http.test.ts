/**
 * A whole running instance (HTTP, the composition root) whose database is rolled back behind its
 * back: writers get 503 refuse_to_sign, GET /api/v1/log keeps the last good checkpoint, the
 * signed-state record (on the Postgres pass, where it is on disk) stays. PGlite and Postgres.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PG_URL } from '../helpers/db.ts';
import { startLive, type LiveInstance } from '../helpers/instance.ts';
import { restore, rollBack } from '../helpers/rollback.ts';
import { digestHex, hashedrekord, signForDigest, testKey } from '../kinds/helpers.ts';

const key = testKey('P-256');
const entry = (msg: string) => {
  const m = Buffer.from(msg);
  return hashedrekord(key.pem, signForDigest(key, 'sha256', m), 'sha256', digestHex('sha256', m));
};

describe('rollback under a running server', () => {
  let live: LiveInstance;
  before(async () => {
    live = await startLive();
  });
  after(() => live.stop());

  const post = (msg: string) => fetch(`${live.url}/api/v1/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(entry(msg)) });
  const info = async () => (await (await fetch(`${live.url}/api/v1/log`)).json()) as { treeSize: number; rootHash: string; signedTreeHead: string };

  it('refuses to sign (503) and never serves a smaller checkpoint or another root', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await post(`before ${i}`)).status, 201);
    const good = await info();
    assert.equal(good.treeSize, 5);
    const records = readdirSync(live.config.dataDir).filter((f) => f.startsWith('signed-state-rekor'));
    assert.equal(records.length, PG_URL ? 1 : 0, 'a record on disk on the Postgres pass (PGlite runs in memory)');
    const record = () => readFileSync(join(live.config.dataDir, records[0]!), 'utf8');
    const recorded = records.length > 0 ? record() : undefined;

    const saved = await rollBack(live.instance.database, live.instance.log, 3n);
    for (let i = 0; i < 3; i++) {
      const r = await post(`after ${i}`);
      assert.equal(r.status, 503);
      assert.equal(r.headers.get('retry-after'), '1');
      const b = (await r.json()) as { code: number; message: string };
      assert.equal(b.code, 503);
      assert.match(b.message, /refusing to sign/);
    }
    assert.deepEqual(await info(), good);
    if (recorded !== undefined) assert.equal(record(), recorded, 'the signed-state record did not move backwards');
    // Entries the checkpoint covers are still served with proofs to it.
    const e = await fetch(`${live.url}/api/v1/log/entries?logIndex=1`);
    assert.equal(e.status, 200);

    await restore(live.instance.database, live.instance.log, saved);
    assert.equal((await post('after 0')).status, 201);
    assert.equal((await info()).treeSize, 6);
  });
});
