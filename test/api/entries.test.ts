import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer, type Services } from '../../src/api/server.ts';
import { hashLeaf, verifyInclusion } from '../../src/merkle/index.ts';
import { parseCheckpoint } from '../../src/encoding/checkpoint.ts';
import { openTestLog, type TestLog } from '../helpers/log.ts';
import { buildCert, certPem, digestHex, hashedrekord, sanDer, signForDigest, testKey } from '../kinds/helpers.ts';

const key = testKey('P-256');
function entryFor(msg: string, k = key, hash: 'sha256' | 'sha384' | 'sha512' = 'sha256', pem = k.pem) {
  const m = Buffer.from(msg);
  return hashedrekord(pem, signForDigest(k, hash, m), hash, digestHex(hash, m));
}

describe('Rekor v1 entries API', () => {
  let t: TestLog;
  let app: FastifyInstance;
  const s: Services = {};
  before(async () => {
    t = await openTestLog();
    s.log = t.log;
    app = buildServer(s, { maxEntryBodyBytes: 64 * 1024, verifyWorkers: Number(process.env.TEST_VERIFY_WORKERS ?? 1) });
  });
  after(async () => {
    await app.close();
    await t.cleanup();
  });

  const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });
  let created: { uuid: string; entry: any; proposed: unknown };

  it('POST creates a hashedrekord entry: 201, Location, ETag, canonical body, SET and proof that verify', async () => {
    const proposed = entryFor('hello');
    const r = await post('/api/v1/log/entries', proposed);
    assert.equal(r.statusCode, 201, r.body);
    const j = r.json();
    const [uuid] = Object.keys(j);
    assert.match(uuid!, /^[0-9a-f]{80}$/);
    assert.equal(r.headers.etag, uuid);
    assert.equal(r.headers.location, `/api/v1/log/entries/${uuid}`);
    const e = j[uuid!];
    const body = Buffer.from(e.body, 'base64');
    assert.equal(uuid!.slice(0, 16), t.log.treeId.toString(16).padStart(16, '0'));
    assert.equal(uuid!.slice(16), Buffer.from(hashLeaf(body)).toString('hex'));
    assert.deepEqual(Object.keys(JSON.parse(body.toString())), ['apiVersion', 'kind', 'spec']);
    assert.equal(e.logID, t.log.signer.logId);
    assert.equal(typeof e.integratedTime, 'number');
    // SET over RFC 8785 {body, integratedTime, logID, logIndex}
    const payload = JSON.stringify({ body: e.body, integratedTime: e.integratedTime, logID: e.logID, logIndex: e.logIndex });
    const pub = createPublicKey({ key: Buffer.from(t.log.signer.publicKeyDer), format: 'der', type: 'spki' });
    assert.ok(verify('sha256', Buffer.from(payload), { key: pub, dsaEncoding: 'der' }, Buffer.from(e.verification.signedEntryTimestamp, 'base64')));
    const p = e.verification.inclusionProof;
    assert.ok(verifyInclusion(BigInt(p.logIndex), BigInt(p.treeSize), hashLeaf(body), p.hashes.map((h: string) => Buffer.from(h, 'hex')), Buffer.from(p.rootHash, 'hex')));
    const cp = parseCheckpoint(p.checkpoint);
    assert.equal(cp.size, BigInt(p.treeSize));
    assert.equal(Buffer.from(cp.rootHash).toString('hex'), p.rootHash);
    created = { uuid: uuid!, entry: e, proposed };
  });

  it('the same entry again → 409 with Location and Rekor message; nothing appended', async () => {
    const before = t.log.size;
    const r = await post('/api/v1/log/entries', created.proposed);
    assert.equal(r.statusCode, 409);
    assert.equal(r.headers.location, `/api/v1/log/entries/${created.uuid}`);
    assert.deepEqual(r.json(), { code: 409, message: `an equivalent entry already exists in the transparency log with UUID ${created.uuid}` });
    assert.equal(t.log.size, before);
  });

  it('reads by index, by 80- and 64-hex UUID; unknown → 404 with an empty body', async () => {
    for (const url of [`/api/v1/log/entries?logIndex=${created.entry.logIndex}`, `/api/v1/log/entries/${created.uuid}`, `/api/v1/log/entries/${created.uuid.slice(16)}`]) {
      const r = await app.inject(url);
      assert.equal(r.statusCode, 200, url);
      const j = r.json();
      assert.deepEqual(Object.keys(j), [created.uuid]);
      assert.equal(j[created.uuid].body, created.entry.body);
      assert.equal(j[created.uuid].verification.signedEntryTimestamp, created.entry.verification.signedEntryTimestamp);
    }
    for (const url of ['/api/v1/log/entries?logIndex=999999', `/api/v1/log/entries/${'ab'.repeat(32)}`, `/api/v1/log/entries/${'0'.repeat(16)}${created.uuid.slice(16)}`]) {
      const r = await app.inject(url);
      assert.equal(r.statusCode, 404, url);
      assert.equal(r.body, '');
    }
    for (const url of ['/api/v1/log/entries/xyz', '/api/v1/log/entries?logIndex=-1', '/api/v1/log/entries?logIndex=abc', '/api/v1/log/entries']) {
      const r = await app.inject(url);
      assert.equal(r.statusCode, 400, url);
      assert.equal(r.json().code, 400);
    }
  });

  it('POST /api/v1/log/entries/retrieve by UUID, index and proposed entry; limits → 422', async () => {
    await post('/api/v1/log/entries', entryFor('second'));
    const r = await post('/api/v1/log/entries/retrieve', { entryUUIDs: [created.uuid], logIndexes: [1, 12345], entries: [created.proposed] });
    assert.equal(r.statusCode, 200, r.body);
    const list = r.json();
    assert.equal(list.length, 3);
    assert.deepEqual(Object.keys(list[0]), [created.uuid]);
    assert.deepEqual(Object.keys(list[1]), [created.uuid]);
    assert.equal(Object.values(list[2] as object)[0].logIndex, 1);
    for (const bad of [{ logIndexes: Array.from({ length: 11 }, (_, i) => i) }, { entryUUIDs: Array(6).fill(created.uuid), logIndexes: [0, 1, 2, 3, 4] }, { logIndexes: [] }, { logIndexes: ['x'] }, { entryUUIDs: ['nothex'] }, [], { other: 1 }]) {
      const b = await post('/api/v1/log/entries/retrieve', bad);
      assert.equal(b.statusCode, 422, JSON.stringify(bad));
      assert.equal(b.json().code, 422);
    }
  });

  it('POST /api/v1/index/retrieve finds entries right after 201 by hash, public key and email', async () => {
    const m = Buffer.from('indexed artifact');
    const ca = testKey('P-384');
    const cert = buildCert({ subjectKey: key.publicKey, issuerKey: ca.privateKey, san: sanDer({ emails: ['Alice@Example.com'] }) });
    const r = await post('/api/v1/log/entries', hashedrekord(certPem(cert), signForDigest(key, 'sha256', m), 'sha256', digestHex('sha256', m)));
    assert.equal(r.statusCode, 201, r.body);
    const uuid = Object.keys(r.json())[0];
    const search = async (q: unknown) => {
      const x = await post('/api/v1/index/retrieve', q);
      assert.equal(x.statusCode, 200, x.body);
      return x.json() as string[];
    };
    const sha = createHash('sha256').update(m).digest('hex');
    assert.deepEqual(await search({ hash: `sha256:${sha}` }), [uuid]);
    assert.deepEqual(await search({ hash: sha.toUpperCase() }), [uuid]);
    assert.deepEqual(await search({ email: 'alice@example.com' }), [uuid]);
    assert.deepEqual(await search({ email: 'alice@example.com', hash: `sha256:${sha}`, operator: 'and' }), [uuid]);
    assert.deepEqual(await search({ email: 'alice@example.com', hash: `sha256:${'0'.repeat(64)}`, operator: 'and' }), []);
    assert.ok((await search({ email: 'alice@example.com', hash: `sha256:${'0'.repeat(64)}`, operator: 'or' })).includes(uuid!));
    const byKey = await search({ publicKey: { format: 'x509', content: Buffer.from(key.pem).toString('base64') } });
    assert.ok(byKey.includes(created.uuid));
    const byCert = await search({ publicKey: { format: 'x509', content: Buffer.from(certPem(cert)).toString('base64') } });
    assert.deepEqual(byCert, [uuid]);
    for (const bad of [{}, { hash: 'sha256:xyz' }, { email: 'no-at' }, { operator: 'xor', hash: sha }, { publicKey: { format: 'x509', content: 'bm90IGEga2V5' } }, { publicKey: { format: 'pgp', content: 'AA==' } }, []]) {
      const x = await post('/api/v1/index/retrieve', bad);
      assert.ok(x.statusCode === 400 || x.statusCode === 422, `${JSON.stringify(bad)} → ${x.statusCode}`);
      assert.equal(x.json().code, x.statusCode);
    }
  });

  describe('bad input gets {code, message} and changes nothing', () => {
    const otherKey = testKey('P-384');
    const m = Buffer.from('x');
    const good = () => entryFor('bad-input');
    const cases: Array<[string, () => { payload: string | object; headers?: Record<string, string> }, number]> = [
      ['malformed JSON', () => ({ payload: '{"kind": ', headers: { 'content-type': 'application/json' } }), 400],
      ['not an object', () => ({ payload: '[1,2]', headers: { 'content-type': 'application/json' } }), 422],
      ['missing kind', () => ({ payload: { apiVersion: '0.0.1', spec: {} } }), 422],
      ['unknown kind', () => ({ payload: { ...good(), kind: 'nope' } }), 422],
      ['unknown apiVersion', () => ({ payload: { ...good(), apiVersion: '9.9.9' } }), 400],
      ['signature that does not verify', () => {
        const e = good() as any;
        e.spec.signature.content = Buffer.from(signForDigest(key, 'sha256', Buffer.from('other'))).toString('base64');
        return { payload: e };
      }, 400],
      ['wrong hash length', () => {
        const e = good() as any;
        e.spec.data.hash.value = 'abcd';
        return { payload: e };
      }, 400],
      ['non-PEM key', () => {
        const e = good() as any;
        e.spec.signature.publicKey.content = Buffer.from('not a pem').toString('base64');
        return { payload: e };
      }, 400],
      ['truncated DER in PEM', () => {
        const e = good() as any;
        const der = key.spkiDer.subarray(0, key.spkiDer.length - 5);
        e.spec.signature.publicKey.content = Buffer.from(`-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`).toString('base64');
        return { payload: e };
      }, 400],
      ['trailing garbage after DER', () => {
        const e = good() as any;
        const der = Buffer.concat([key.spkiDer, Buffer.from([0, 0, 1])]);
        e.spec.signature.publicKey.content = Buffer.from(`-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`).toString('base64');
        return { payload: e };
      }, 400],
      ['bad base64', () => {
        const e = good() as any;
        e.spec.signature.content = '!!!notbase64';
        return { payload: e };
      }, 400],
      ['P-256 key with a SHA-512 digest (not in the allow-list)', () => ({ payload: entryFor('p256-sha512', key, 'sha512') }), 400],
      ['P-384 key with SHA-384 from another key', () => ({ payload: hashedrekord(otherKey.pem, signForDigest(key, 'sha384', m), 'sha384', digestHex('sha384', m)) }), 400],
      ['body over the limit', () => ({ payload: { ...good(), pad: 'x'.repeat(70 * 1024) } }), 413],
      ['wrong content type', () => ({ payload: 'kind=hashedrekord', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415],
    ];
    for (const [name, make, status] of cases) {
      it(`${name} → ${status}`, async () => {
        const before = t.log.size;
        const { payload, headers } = make();
        const r = await app.inject({ method: 'POST', url: '/api/v1/log/entries', payload, headers });
        assert.equal(r.statusCode, status, r.body);
        const j = r.json();
        assert.equal(j.code, status);
        assert.equal(typeof j.message, 'string');
        assert.ok(j.message.length > 0);
        assert.equal(t.log.size, before);
        assert.equal((await t.store.head(t.log.treeId)).size, before);
      });
    }
  });
});
