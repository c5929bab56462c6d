import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { MessageImprint, TimeStampReq } from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier, Extension, Extensions } from '@peculiar/asn1-x509';
import Fastify from 'fastify';
import { installErrorHandler } from '../../src/api/errors.ts';
import { registerTsaRoutes } from '../../src/api/routes/tsa.ts';
import { counting, EXTRA_POLICY, makeTsa, ManualClock, postTimestamp, type Server, startServer } from './helpers.ts';

const SHA256 = '2.16.840.1.101.3.4.2.1';
const digest = (alg: string) => createHash(alg).update('artifact').digest();

function derRequest(opts: { alg?: string; hash?: Uint8Array; policy?: string; nonce?: Uint8Array; certReq?: boolean; extensions?: boolean; params?: ArrayBuffer | null } = {}): Uint8Array {
  const req = new TimeStampReq({
    messageImprint: new MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: opts.alg ?? SHA256, parameters: opts.params === undefined ? null : opts.params }),
      hashedMessage: new OctetString(opts.hash ?? digest('sha256')),
    }),
    certReq: opts.certReq ?? false,
  });
  if (opts.policy !== undefined) req.reqPolicy = opts.policy;
  if (opts.nonce !== undefined) req.nonce = opts.nonce.slice().buffer;
  if (opts.extensions) req.extensions = new Extensions([new Extension({ extnID: '1.2.3', critical: false, extnValue: new OctetString(new Uint8Array([5, 0])) })]);
  return new Uint8Array(AsnConvert.serialize(req));
}

const json = (o: unknown) => JSON.stringify(o);
const goodJson = { artifactHash: digest('sha256').toString('base64'), hashAlgorithm: 'sha256' };

describe('POST /api/v1/timestamp rejects bad input with {code, message} and issues nothing', () => {
  let server: Server;
  let tsa: ReturnType<typeof counting>;
  before(async () => {
    tsa = counting(makeTsa());
    server = await startServer(tsa);
  });
  after(() => server.close());

  const valid = derRequest();
  const cases: [string, string | undefined, Uint8Array | string, number, RegExp][] = [
    ['garbage DER', 'application/timestamp-query', new Uint8Array([0xde, 0xad, 0xbe, 0xef]), 400, /TimeStampReq/],
    ['empty DER body', 'application/timestamp-query', new Uint8Array(), 400, /empty/],
    ['trailing bytes', 'application/timestamp-query', new Uint8Array([...valid, 0]), 400, /trailing data/],
    ['BER long-form length', 'application/timestamp-query', new Uint8Array([0x30, 0x81, valid[1]!, ...valid.subarray(2)]), 400, /not DER/],
    ['indefinite length', 'application/timestamp-query', new Uint8Array([0x30, 0x80, ...valid.subarray(2), 0, 0]), 400, /DER|TimeStampReq/],
    ['deep nesting', 'application/timestamp-query', new Uint8Array(Array.from({ length: 8000 }, (_, i) => (i % 2 ? 0x80 : 0x30))), 400, /TimeStampReq/],
    ['explicit certReq FALSE', 'application/timestamp-query', new Uint8Array([0x30, valid[1]! + 3, ...valid.subarray(2), 0x01, 0x01, 0x00]), 400, /not DER/],
    ['SHA-1', 'application/timestamp-query', derRequest({ alg: '1.3.14.3.2.26', hash: digest('sha1') }), 400, /Weak hash algorithm/],
    ['MD5', 'application/timestamp-query', derRequest({ alg: '1.2.840.113549.2.5', hash: digest('md5') }), 400, /Weak hash algorithm/],
    ['unknown hash OID', 'application/timestamp-query', derRequest({ alg: '1.2.3.4' }), 400, /unsupported hash algorithm/],
    ['SHA-224 (unsupported)', 'application/timestamp-query', derRequest({ alg: '2.16.840.1.101.3.4.2.4', hash: digest('sha224') }), 400, /unsupported hash algorithm/],
    ['digest too short', 'application/timestamp-query', derRequest({ hash: new Uint8Array(31) }), 400, /incorrect length/],
    ['sha512 OID with sha256 digest', 'application/timestamp-query', derRequest({ alg: '2.16.840.1.101.3.4.2.3' }), 400, /incorrect length/],
    ['hash parameters not NULL', 'application/timestamp-query', derRequest({ params: new Uint8Array([0x02, 0x01, 0x01]).buffer }), 400, /parameters/],
    ['policy not accepted', 'application/timestamp-query', derRequest({ policy: '1.2.3.4.6' }), 400, /unaccepted policy/],
    ['request extensions', 'application/timestamp-query', derRequest({ extensions: true }), 400, /unaccepted extension/],
    ['non-minimal nonce', 'application/timestamp-query', derRequest({ nonce: new Uint8Array([0, 1]) }), 400, /nonce/],
    ['JSON over 1 KiB', 'application/json', json({ ...goodJson, nonce: 1 }).replace('"nonce":1', `"nonce":${'9'.repeat(1100)}`), 400, /too large/],
    ['JSON bad base64', 'application/json', json({ ...goodJson, artifactHash: 'not base64!' }), 400, /base64/],
    ['JSON unpadded base64', 'application/json', json({ ...goodJson, artifactHash: goodJson.artifactHash.replace(/=+$/, '') }), 400, /base64/],
    ['JSON unknown field', 'application/json', json({ ...goodJson, extra: 1 }), 400, /unknown field "extra"/],
    ['JSON key in other case', 'application/json', json({ artifacthash: goodJson.artifactHash, hashAlgorithm: 'sha256' }), 400, /unknown field/],
    ['JSON duplicate field', 'application/json', `{"artifactHash":"${goodJson.artifactHash}","hashAlgorithm":"sha1","hashAlgorithm":"sha256"}`, 400, /more than once/],
    ['JSON sha1', 'application/json', json({ artifactHash: digest('sha1').toString('base64'), hashAlgorithm: 'sha1' }), 400, /Weak hash algorithm/],
    ['JSON unknown algorithm', 'application/json', json({ ...goodJson, hashAlgorithm: 'sha3-256' }), 400, /unsupported hash algorithm/],
    ['JSON digest length', 'application/json', json({ ...goodJson, hashAlgorithm: 'sha384' }), 400, /incorrect length/],
    ['JSON policy not accepted', 'application/json', json({ ...goodJson, tsaPolicyOID: '1.2.3.4.6' }), 400, /unaccepted policy/],
    ['JSON policy not an OID', 'application/json', json({ ...goodJson, tsaPolicyOID: 'policy' }), 400, /OID/],
    ['JSON fractional nonce', 'application/json', json({ ...goodJson, nonce: 1.5 }), 400, /nonce/],
    ['JSON string nonce', 'application/json', json({ ...goodJson, nonce: '1' }), 400, /nonce/],
    ['JSON certificates not boolean', 'application/json', json({ ...goodJson, certificates: 'yes' }), 400, /certificates/],
    ['JSON not an object', 'application/json', '[1,2]', 400, /JSON object/],
    ['JSON syntax error', 'application/json', '{"artifactHash":', 400, /JSON/],
    ['JSON empty body', 'application/json', '', 400, /JSON|empty/],
    ['JSON invalid UTF-8', 'application/json', new Uint8Array([0x7b, 0xff, 0x7d]), 400, /UTF-8/],
    ['text/plain', 'text/plain', 'hello', 415, /unsupported media type/],
    ['application/octet-stream', 'application/octet-stream', valid, 415, /unsupported media type/],
    ['multipart with a JSON-looking parameter', 'multipart/form-data; boundary=application/json', json(goodJson), 415, /unsupported media type/],
    ['no content type, empty body', undefined, new Uint8Array(), 415, /unsupported media type: none/],
    ['no content type, DER body', undefined, valid, 415, /unsupported media type/],
  ];

  for (const [name, contentType, body, status, message] of cases) {
    it(`${name} → ${status}`, async () => {
      const issuedBefore = tsa.issued;
      const res = await postTimestamp(server.url, contentType, body);
      assert.equal(res.status, status, Buffer.from(res.bytes).toString());
      assert.match(res.contentType ?? '', /^application\/json/);
      const err = JSON.parse(Buffer.from(res.bytes).toString()) as { code: number; message: string };
      assert.equal(err.code, status);
      assert.match(err.message, message);
      assert.equal(tsa.issued, issuedBefore, 'no token may be issued');
    });
  }

  it('a body over the route limit → 413 {code, message}', async () => {
    const res = await postTimestamp(server.url, 'application/timestamp-query', new Uint8Array(20_000));
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(Buffer.from(res.bytes).toString()).code, 413);
  });

  it('the same valid inputs are accepted (the cases above fail for the stated reason only)', async () => {
    for (const [ct, body] of [
      ['application/timestamp-query', valid],
      ['application/timestamp-query', derRequest({ policy: EXTRA_POLICY, nonce: new Uint8Array([0x7f]), certReq: true })],
      ['application/timestamp-query', derRequest({ params: undefined as unknown as null })],
      ['application/json', json(goodJson)],
      ['application/json; charset=utf-8', json({ ...goodJson, hashAlgorithm: 'SHA256', nonce: null, tsaPolicyOID: '', certificates: false })],
      ['application/json', json({ ...goodJson, nonce: -5, tsaPolicyOID: EXTRA_POLICY, certificates: true })],
    ] as const) {
      const res = await postTimestamp(server.url, ct, body);
      assert.equal(res.status, 200, `${ct}: ${Buffer.from(res.bytes).toString()}`);
      assert.equal(res.contentType, 'application/timestamp-reply');
    }
  });

  it('GET /api/v1/timestamp/certchain serves the PEM chain, leaf first', async () => {
    const res = await fetch(`${server.url}/api/v1/timestamp/certchain`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pem-certificate-chain');
    const pem = await res.text();
    assert.equal(pem, tsa.chainPem);
    assert.equal(pem.match(/-----BEGIN CERTIFICATE-----/g)?.length, 3);
  });
});

describe('route registration', () => {
  it('is encapsulated: the rest of the app keeps fastify\'s JSON parser; error handler order does not matter', async () => {
    const app = Fastify();
    registerTsaRoutes(app, makeTsa());
    installErrorHandler(app); // after the TSA routes this time
    app.post('/echo', async (request) => request.body);
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const echo = await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
      assert.deepEqual(await echo.json(), { a: 1 });
      const bad = await postTimestamp(url, 'application/json', '{}');
      assert.equal(bad.status, 400);
      assert.equal(JSON.parse(Buffer.from(bad.bytes).toString()).code, 400);
      const ok = await postTimestamp(url, 'application/json', JSON.stringify(goodJson));
      assert.equal(ok.status, 200);
    } finally {
      await app.close();
    }
  });
});

describe('clock faults over HTTP', () => {
  it('a clock that goes backwards → 503 refuse_to_sign; the same second and later are fine', async () => {
    const clock = new ManualClock(new Date('2030-01-01T00:00:10.900Z'));
    const tsa = counting(makeTsa({ clock }));
    const server = await startServer(tsa);
    try {
      const body = JSON.stringify(goodJson);
      assert.equal((await postTimestamp(server.url, 'application/json', body)).status, 200);
      clock.set(new Date('2030-01-01T00:00:10.000Z')); // same whole second: still monotonic
      assert.equal((await postTimestamp(server.url, 'application/json', body)).status, 200);
      clock.set(new Date('2030-01-01T00:00:09.999Z'));
      const res = await postTimestamp(server.url, 'application/json', body);
      assert.equal(res.status, 503);
      const err = JSON.parse(Buffer.from(res.bytes).toString()) as { code: number; message: string };
      assert.equal(err.code, 503);
      assert.match(err.message, /clock went backwards/);
      assert.equal(tsa.issued, 2);
      clock.set(new Date('2030-01-01T00:00:11.000Z'));
      assert.equal((await postTimestamp(server.url, 'application/json', body)).status, 200);
    } finally {
      await server.close();
    }
  });
});
