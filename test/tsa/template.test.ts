import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createTokenEncoder, type TokenFields } from '../../src/tsa/index.ts';
import { locateField, timeDigits } from '../../src/tsa/template.ts';
import { generateTsaChain, HASH_LENGTHS, type HashName, signingAlgorithmFor, type TsaMaterial } from '../../src/x509/index.ts';
import { material } from './helpers.ts';

/**
 * The template path must produce exactly the bytes of the reference asn1-schema encoder. The
 * signature is replaced by a deterministic function of the signed attributes (of a length chosen
 * per run, covering every length a DER ECDSA or RSA signature can have), so equal signed
 * attributes give equal signatures and the two outputs can be compared byte for byte.
 */
function encoders(m: TsaMaterial, includeChainInResponse: boolean) {
  let sigLength = 72;
  let referencePaths = 0;
  const sign = (data: Uint8Array) => {
    const h = createHash('sha512').update(data).digest();
    return new Uint8Array(Buffer.concat([h, h, h]).subarray(0, sigLength));
  };
  const signer = { chain: m.chain, privateKey: m.privateKey, algorithm: signingAlgorithmFor(m.privateKey), includeChainInResponse };
  return {
    fast: createTokenEncoder(signer, { sign, onReferencePath: () => referencePaths++ }),
    reference: createTokenEncoder(signer, { sign, templates: false }),
    setSigLength: (n: number) => (sigLength = n),
    referencePaths: () => referencePaths,
  };
}

const hashName = fc.constantFrom<HashName>('sha256', 'sha384', 'sha512');
const serial = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((s) => {
  s[0] = (s[0]! & 0x7f) || 1;
  return s;
});
const second = (from: string, to: string) => fc.integer({ min: Date.parse(from) / 1000, max: Date.parse(to) / 1000 }).map((s) => new Date(s * 1000));
const fields = (policies: string[]) =>
  hashName.chain((hash) =>
    fc.record({
      request: fc.record({
        hashAlgorithm: fc.constant(hash),
        hashParameters: fc.constantFrom<'null' | 'absent'>('null', 'absent'),
        hashedMessage: fc.uint8Array({ minLength: HASH_LENGTHS[hash], maxLength: HASH_LENGTHS[hash] }),
        nonce: fc.option(fc.oneof(fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }), fc.bigInt({ min: -(1n << 600n), max: 1n << 600n })), { nil: undefined }),
        certReq: fc.boolean(),
        policy: fc.constant(undefined),
      }),
      policy: fc.constantFrom(...policies),
      genTime: fc.oneof({ weight: 4, arbitrary: second('1950-01-01T00:00:00Z', '2049-12-31T23:59:59Z') }, { weight: 1, arbitrary: second('1000-01-01T00:00:00Z', '9999-12-31T23:59:59Z') }),
      serialNumber: fc.oneof({ weight: 9, arbitrary: serial }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 21 }) }),
      accuracySeconds: fc.constantFrom(1, 5),
    }),
  ) as fc.Arbitrary<TokenFields>;

describe('template encoder = reference encoder, byte for byte', () => {
  for (const [name, mat, chain] of [
    ['P-256 leaf', () => material(), false],
    ['P-256 leaf, chain embedded', () => material(), true],
    ['P-384 leaf', () => generateTsaChain({ now: new Date(), leafCurve: 'P-384' }), false],
  ] as const) {
    it(name, () => {
      const e = encoders(mat(), chain);
      fc.assert(
        fc.property(fields(['1.3.6.1.4.1.57264.2', '1.2.3.4.5', '2.25.329800735698586629295641978511506172918']), fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 68, max: 72 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 140 }) }), (f, sigLength) => {
          e.setSigLength(sigLength);
          assert.deepEqual(Buffer.from(e.fast(f)), Buffer.from(e.reference(f)));
        }),
        { numRuns: 80 },
      );
    });
  }

  it('common requests take the template path', () => {
    const e = encoders(material(), false);
    const base: TokenFields = {
      request: { hashAlgorithm: 'sha256', hashParameters: 'null', hashedMessage: new Uint8Array(32), nonce: undefined, certReq: false, policy: undefined },
      policy: '1.3.6.1.4.1.57264.2',
      genTime: new Date('2026-11-25T10:00:00Z'),
      serialNumber: new Uint8Array(20).fill(0x42),
      accuracySeconds: 1,
    };
    for (const sigLength of [70, 71, 72]) {
      e.setSigLength(sigLength);
      e.fast(base);
      e.fast({ ...base, request: { ...base.request, nonce: 0x1234567890abcdefn, certReq: true } });
    }
    assert.equal(e.referencePaths(), 0);
  });
});

describe('template helpers', () => {
  it('locateField demands one contiguous run of exactly the field length', () => {
    const a = new Uint8Array([1, 2, 3, 4, 5]);
    assert.deepEqual(locateField(a, new Uint8Array([1, 9, 9, 4, 5]), 2, 'x'), { offset: 1, length: 2 });
    assert.throws(() => locateField(a, new Uint8Array([1, 9, 3, 9, 5]), 3, 'x'), /unchanged/);
    assert.throws(() => locateField(a, new Uint8Array([1, 9, 9, 4, 5]), 3, 'x'), /contiguous/);
    assert.throws(() => locateField(a, new Uint8Array([1, 2]), 1, 'x'), /length/);
  });
  it('timeDigits', () => {
    const d = new Date('2026-01-02T03:04:05Z');
    assert.equal(Buffer.from(timeDigits(d, 'generalized')).toString(), '20260102030405');
    assert.equal(Buffer.from(timeDigits(d, 'utc')).toString(), '260102030405');
  });
});
