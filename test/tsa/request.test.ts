import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { MessageImprint, TimeStampReq } from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { ProvenantError } from '../../src/errors.ts';
import { parseJsonTimestampRequest, parseTimeStampReq } from '../../src/tsa/index.ts';
import { bigIntToIntegerBytes, HASH_LENGTHS, HASH_OIDS, type HashName, integerBytesToBigInt, isMinimalInteger } from '../../src/x509/index.ts';

/** Parsers of attacker-controlled input: either a valid request or ProvenantError('invalid_argument'). */
function parsesOrRejects(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ProvenantError, `unexpected ${String(e)}`);
    assert.equal(e.code, 'invalid_argument');
  }
}

const hashName = fc.constantFrom<HashName>('sha256', 'sha384', 'sha512');
const oid = fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 8 }).map((arcs) => `1.3.${arcs.join('.')}`);
const requestParts = hashName.chain((hash) =>
  fc.record({
    hash: fc.constant(hash),
    digest: fc.uint8Array({ minLength: HASH_LENGTHS[hash], maxLength: HASH_LENGTHS[hash] }),
    nullParams: fc.boolean(),
    nonce: fc.option(fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }), { nil: undefined }),
    certReq: fc.boolean(),
    policy: fc.option(oid, { nil: undefined }),
  }),
);

interface Parts {
  hash: HashName;
  digest: Uint8Array;
  nullParams: boolean;
  nonce: bigint | undefined;
  certReq: boolean;
  policy: string | undefined;
}

function encode(p: Parts): Uint8Array {
  const req = new TimeStampReq({
    messageImprint: new MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: HASH_OIDS[p.hash], ...(p.nullParams ? { parameters: null } : {}) }),
      hashedMessage: new OctetString(p.digest),
    }),
    certReq: p.certReq,
  });
  if (p.nonce !== undefined) req.nonce = bigIntToIntegerBytes(p.nonce).slice().buffer;
  if (p.policy !== undefined) req.reqPolicy = p.policy;
  return new Uint8Array(AsnConvert.serialize(req));
}

describe('parseTimeStampReq', () => {
  it('accepts every well-formed request and returns exactly its fields', () => {
    fc.assert(
      fc.property(requestParts, (p) => {
        const r = parseTimeStampReq(encode(p));
        assert.equal(r.hashAlgorithm, p.hash);
        assert.equal(r.hashParameters, p.nullParams ? 'null' : 'absent');
        assert.deepEqual(Buffer.from(r.hashedMessage), Buffer.from(p.digest));
        assert.equal(r.nonce, p.nonce);
        assert.equal(r.certReq, p.certReq);
        assert.equal(r.policy, p.policy);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes never escape as anything but invalid_argument', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => parsesOrRejects(() => parseTimeStampReq(b))), { numRuns: 2000 });
  });

  it('mutated valid requests (flip, truncate, insert) parse to a valid request or invalid_argument', () => {
    fc.assert(
      fc.property(requestParts, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'truncate', 'insert'), (p, at, byte, how) => {
        const der = encode(p);
        const i = at % der.length;
        let m: Uint8Array;
        if (how === 'flip') {
          m = der.slice();
          m[i] = byte;
        } else if (how === 'truncate') m = der.slice(0, i);
        else m = new Uint8Array([...der.subarray(0, i), byte, ...der.subarray(i)]);
        parsesOrRejects(() => parseTimeStampReq(m));
      }),
      { numRuns: 2000 },
    );
  });

  it('copies its input (a pooled Buffer view with an offset parses the same)', () => {
    const der = encode({ hash: 'sha256', digest: new Uint8Array(32).fill(7), nullParams: true, nonce: 42n, certReq: true, policy: undefined });
    const pool = Buffer.alloc(der.length + 17, 0xaa);
    pool.set(der, 9);
    const r = parseTimeStampReq(pool.subarray(9, 9 + der.length));
    assert.equal(r.nonce, 42n);
    assert.equal(r.certReq, true);
  });
});

describe('parseJsonTimestampRequest', () => {
  const b64 = (n: number) => Buffer.alloc(n, 1).toString('base64');

  it('parses what sigstore-js sends', () => {
    const r = parseJsonTimestampRequest(JSON.stringify({ artifactHash: b64(32), hashAlgorithm: 'sha256' }));
    assert.deepEqual(
      { ...r, hashedMessage: Buffer.from(r.hashedMessage) },
      { hashAlgorithm: 'sha256', hashParameters: 'null', hashedMessage: Buffer.alloc(32, 1), nonce: undefined, certReq: false, policy: undefined },
    );
  });

  it('keeps every digit of a large nonce (JSON.parse alone would round it)', () => {
    const big = '340282366920938463463374607431768211457';
    const r = parseJsonTimestampRequest(`{ "nonce" : ${big} , "artifactHash": "${b64(48)}", "hashAlgorithm": "SHA384", "certificates": true, "tsaPolicyOID": "1.2.3" }`);
    assert.equal(r.nonce, BigInt(big));
    assert.equal(r.hashAlgorithm, 'sha384');
    assert.equal(r.certReq, true);
    assert.equal(r.policy, '1.2.3');
  });

  it('a key that appears inside a string value is not mistaken for a field', () => {
    const r = parseJsonTimestampRequest(`{"tsaPolicyOID":"","artifactHash":"${b64(32)}","hashAlgorithm":"sha256","nonce":7}`);
    assert.equal(r.nonce, 7n);
    assert.throws(() => parseJsonTimestampRequest(`{"artifactHash":"${b64(32)}","hashAlgorithm":"sha256\\",\\"nonce\\":1"}`), /unsupported hash algorithm/);
  });

  it('exactly 1024 bytes is accepted, 1025 is not', () => {
    const base = `{"artifactHash":"${b64(32)}","hashAlgorithm":"sha256"}`;
    const pad = (n: number) => base.replace('{', `{${' '.repeat(n - base.length)}`);
    parseJsonTimestampRequest(pad(1024));
    assert.throws(() => parseJsonTimestampRequest(pad(1025)), /too large/);
  });

  it('arbitrary JSON values and strings never escape as anything but invalid_argument', () => {
    fc.assert(fc.property(fc.json(), (s) => parsesOrRejects(() => parseJsonTimestampRequest(s))), { numRuns: 1000 });
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => parsesOrRejects(() => parseJsonTimestampRequest(s))), { numRuns: 1000 });
    fc.assert(
      fc.property(
        fc.record(
          {
            artifactHash: fc.oneof(fc.base64String(), fc.string(), fc.integer()),
            hashAlgorithm: fc.oneof(fc.constantFrom('sha256', 'sha384', 'sha512', 'sha1', 'SHA256'), fc.string()),
            nonce: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
            certificates: fc.oneof(fc.boolean(), fc.constant(null), fc.integer()),
            tsaPolicyOID: fc.oneof(oid, fc.string(), fc.constant(null)),
          },
          { requiredKeys: [] },
        ),
        (o) => parsesOrRejects(() => parseJsonTimestampRequest(JSON.stringify(o))),
      ),
      { numRuns: 1000 },
    );
  });
});

describe('INTEGER content octets', () => {
  it('bigint → bytes → bigint is the identity and the bytes are minimal', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 300n), max: 1n << 300n }), (n) => {
        const b = bigIntToIntegerBytes(n);
        assert.ok(isMinimalInteger(b));
        assert.equal(integerBytesToBigInt(b), n);
      }),
      { numRuns: 2000 },
    );
  });
  it('known encodings', () => {
    const hex = (n: bigint) => Buffer.from(bigIntToIntegerBytes(n)).toString('hex');
    assert.deepEqual([0n, 127n, 128n, 255n, 256n, -1n, -128n, -129n].map(hex), ['00', '7f', '0080', '00ff', '0100', 'ff', '80', 'ff7f']);
    assert.equal(isMinimalInteger(new Uint8Array([0, 0x7f])), false);
    assert.equal(isMinimalInteger(new Uint8Array([0xff, 0x80])), false);
    assert.equal(isMinimalInteger(new Uint8Array([])), false);
  });
});
