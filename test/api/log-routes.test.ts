import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer, type Services } from '../../src/api/server.ts';
import { verifyConsistency } from '../../src/merkle/index.ts';
import { openTestLog, type TestLog } from '../helpers/log.ts';

describe('Rekor v1 log read API', () => {
  let t: TestLog;
  let app: FastifyInstance;
  const services: Services = {};
  before(async () => {
    t = await openTestLog();
    services.log = t.log;
    app = buildServer(services);
    await Promise.all(Array.from({ length: 300 }, (_, i) => t.log.append({ body: Buffer.from(`e${i}`) })));
  });
  after(async () => {
    await app.close();
    await t.cleanup();
  });

  it('GET /api/v1/log answers LogInfo', async () => {
    const r = await app.inject('/api/v1/log');
    assert.equal(r.statusCode, 200);
    const j = r.json();
    assert.deepEqual(Object.keys(j).sort(), ['rootHash', 'signedTreeHead', 'treeID', 'treeSize']);
    assert.equal(j.treeSize, 300);
    assert.equal(typeof j.treeID, 'string');
    assert.equal(j.treeID, t.log.treeId.toString());
    assert.match(j.rootHash, /^[0-9a-f]{64}$/);
    assert.equal(j.signedTreeHead, t.log.checkpoint.note);
    assert.ok(j.signedTreeHead.startsWith(`log.example.test - ${j.treeID}\n300\n`));
  });

  it('GET /api/v1/log/proof answers a consistency proof that verifies', async () => {
    const info = (await app.inject('/api/v1/log')).json();
    for (const first of [1, 7, 256, 299, 300]) {
      const r = await app.inject(`/api/v1/log/proof?firstSize=${first}&lastSize=300`);
      assert.equal(r.statusCode, 200, r.body);
      const j = r.json();
      assert.equal(j.rootHash, info.rootHash);
      const old = await t.log.rootAt(BigInt(first));
      assert.ok(verifyConsistency(BigInt(first), 300n, j.hashes.map((h: string) => Buffer.from(h, 'hex')), old, Buffer.from(j.rootHash, 'hex')));
    }
    const noFirst = await app.inject('/api/v1/log/proof?lastSize=10');
    assert.equal(noFirst.statusCode, 200);
  });

  for (const [q, why] of [
    ['', 'lastSize missing'],
    ['?lastSize=abc', 'non-numeric'],
    ['?lastSize=-1', 'negative'],
    ['?lastSize=0', 'zero'],
    ['?firstSize=10&lastSize=5', 'firstSize > lastSize'],
    ['?firstSize=1&lastSize=301', 'lastSize beyond the tree'],
    ['?firstSize=1.5&lastSize=3', 'fractional'],
    ['?lastSize=99999999999999999999999', 'overflow'],
    ['?lastSize=3&treeID=12', 'unknown treeID'],
    ['?lastSize[]=3', 'array'],
  ] as const) {
    it(`GET /api/v1/log/proof rejects ${why} with 400 {code,message}`, async () => {
      const before = t.log.size;
      const r = await app.inject(`/api/v1/log/proof${q}`);
      assert.equal(r.statusCode, 400, r.body);
      const j = r.json();
      assert.equal(j.code, 400);
      assert.equal(typeof j.message, 'string');
      assert.ok(j.message.length > 0);
      assert.equal(t.log.size, before);
    });
  }

  it('GET /api/v1/log/publicKey answers PEM', async () => {
    const r = await app.inject('/api/v1/log/publicKey');
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^application\/x-pem-file/);
    assert.equal(r.body, t.log.signer.publicKeyPem);
    assert.equal((await app.inject(`/api/v1/log/publicKey?treeID=${t.log.treeId}`)).statusCode, 200);
    assert.equal((await app.inject('/api/v1/log/publicKey?treeID=x')).statusCode, 400);
  });

  it('unknown routes and methods answer {code,message}', async () => {
    const r = await app.inject('/api/v1/nope');
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().code, 404);
  });

  it('/healthz is 503 until the log is ready', async () => {
    const s: Services = { notReady: 'starting' };
    const a = buildServer(s);
    assert.equal((await a.inject('/healthz')).statusCode, 503);
    assert.equal((await a.inject('/api/v1/log')).statusCode, 503);
    s.log = t.log;
    s.notReady = undefined;
    assert.equal((await a.inject('/healthz')).statusCode, 200);
    await a.close();
  });
});
