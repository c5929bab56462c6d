import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startLive, type LiveInstance } from '../helpers/instance.ts';

describe('a whole instance over loopback HTTP', () => {
  let live: LiveInstance;
  before(async () => {
    live = await startLive();
  });
  after(() => live.stop());

  it('is ready and serves the log read API', async () => {
    assert.equal((await fetch(`${live.url}/healthz`)).status, 200);
    const info = (await (await fetch(`${live.url}/api/v1/log`)).json()) as any;
    assert.equal(info.treeSize, 0);
    assert.ok(info.signedTreeHead.startsWith(`${new URL(live.url).host} - ${info.treeID}\n`));
    const pem = await (await fetch(`${live.url}/api/v1/log/publicKey`)).text();
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----/);
  });

  it('issues a timestamp for the JSON form sigstore-js sends and records its genTime', async () => {
    const digest = createHash('sha256').update('hello').digest('base64');
    const r = await fetch(`${live.url}/api/v1/timestamp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ artifactHash: digest, hashAlgorithm: 'sha256' }),
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/timestamp-reply');
    assert.ok((await r.arrayBuffer()).byteLength > 100);
    const row = await live.instance.database.db.selectFrom('tsa_state').selectAll().executeTakeFirst();
    assert.ok(row && Math.abs(row.last_gen_time.getTime() - Date.now()) < 5000);
    const chain = await (await fetch(`${live.url}/api/v1/timestamp/certchain`)).text();
    assert.equal(chain.match(/BEGIN CERTIFICATE/g)?.length, 3);
  });

  it('answers 503 {code,message} for services that are not attached yet', async () => {
    const tsa = live.services.tsa;
    live.services.tsa = undefined;
    try {
      const r = await fetch(`${live.url}/api/v1/timestamp/certchain`);
      assert.equal(r.status, 503);
      assert.equal(((await r.json()) as any).code, 503);
    } finally {
      live.services.tsa = tsa;
    }
  });
});
