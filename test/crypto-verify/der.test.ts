import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkNesting, childrenOf, DerError, MAX_NESTING_DEPTH, readElement, readFields, readInteger, readPositiveInteger, type Tlv } from '../../src/encoding/der.ts';
import { encodePem } from '../../src/encoding/pem.ts';
import { ProvenantError } from '../../src/errors.ts';
import { parseClientVerifier } from '../../src/crypto/public-key.ts';
import { parsePublicKeyDer } from '../../src/crypto/spki.ts';
import { parseDerEcdsaSignature } from '../../src/crypto/verify.ts';
import { CsrError, parseAndVerifyCsr } from '../../src/x509/ca-csr.ts';
import { testKey, tlv } from '../kinds/helpers.ts';

const bytes = (...b: number[]) => new Uint8Array(b);
const derError = (re: RegExp) => (e: unknown) => e instanceof DerError && re.test(e.message);

/** `depth` SEQUENCEs, each holding the next; the innermost is empty. Built in one pass. */
function nestedSequences(depth: number): Buffer {
  const headers: Buffer[] = []; // innermost first
  let inner = 0; // length of what the next header wraps
  for (let i = 0; i < depth; i++) {
    const len = inner < 0x80 ? [inner] : inner < 0x100 ? [0x81, inner] : inner < 0x10000 ? [0x82, inner >> 8, inner & 0xff] : [0x83, inner >> 16, (inner >> 8) & 0xff, inner & 0xff];
    headers.push(Buffer.from([0x30, ...len]));
    inner += 1 + len.length;
  }
  return Buffer.concat(headers.reverse());
}

test('DER: indefinite lengths are refused (BER only)', () => {
  assert.throws(() => readElement(bytes(0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00)), derError(/indefinite length/));
  const spki = testKey('P-256').spkiDer;
  const indefinite = Buffer.concat([bytes(0x30, 0x80), spki.subarray(2), bytes(0, 0)]);
  assert.throws(() => parsePublicKeyDer(indefinite), (e: unknown) => e instanceof ProvenantError && /indefinite length/.test(e.message));
});

test('DER: non-minimal lengths and lengths of more than 4 octets are refused', () => {
  assert.throws(() => readElement(bytes(0x04, 0x81, 0x01, 0xaa)), derError(/non-minimal DER length/)); // 1 fits the short form
  assert.throws(() => readElement(bytes(0x04, 0x82, 0x00, 0x80, ...new Uint8Array(0x80))), derError(/non-minimal DER length/)); // leading zero octet
  assert.throws(() => readElement(bytes(0x04, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00)), derError(/DER length too large/));
  assert.throws(() => readElement(bytes(0x04, 0x84, 0x7f, 0xff, 0xff, 0xff)), derError(/truncated DER element/));
  assert.deepEqual(readElement(bytes(0x04, 0x81, 0x80, ...new Uint8Array(0x80))), { tag: 0x04, start: 0, contentStart: 3, end: 0x83 });
});

test('DER: nesting deeper than the cap is refused, also at depth 1000 and 100000, in linear time', () => {
  checkNesting(nestedSequences(MAX_NESTING_DEPTH + 1), readElement(nestedSequences(MAX_NESTING_DEPTH + 1)));
  for (const depth of [MAX_NESTING_DEPTH + 2, 1000, 100_000]) {
    const der = nestedSequences(depth);
    const t0 = performance.now();
    assert.throws(() => checkNesting(der, readElement(der)), derError(/nesting too deep/), String(depth));
    assert.ok(performance.now() - t0 < 1000);
  }
  // Through the parsers of client input: a SubjectPublicKeyInfo whose algorithm parameters nest
  // 1000 deep, and a CSR that is nothing but nesting.
  const deep = nestedSequences(1000);
  const spki = tlv(0x30, Buffer.concat([tlv(0x30, Buffer.concat([tlv(0x06, Buffer.from('2a8648ce3d0201', 'hex')), deep])), tlv(0x03, Buffer.from([0, 4]))]));
  assert.throws(() => parsePublicKeyDer(spki), (e: unknown) => e instanceof ProvenantError && e.code === 'invalid_argument' && /nesting too deep/.test(e.message));
  assert.throws(() => parseClientVerifier(encodePem('CERTIFICATE', deep)), (e: unknown) => e instanceof ProvenantError && /nesting too deep/.test(e.message));
  assert.throws(() => parseAndVerifyCsr(encodePem('CERTIFICATE REQUEST', deep)), (e: unknown) => e instanceof CsrError && e.kind === 'parse' && /nesting too deep/.test(e.message));
});

test('DER: trailing data is refused under the DER rules, ignored under Go asn1.Unmarshal rules', () => {
  const seq = bytes(0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02);
  assert.throws(() => readElement(bytes(...seq, 0x00)), derError(/trailing data/));
  assert.equal(readElement(bytes(...seq, 0x00), 'go-asn1-unmarshal').end, seq.length);
  // After the last field of a SEQUENCE.
  const extraField = bytes(0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02, 0x05, 0x01, 0xff);
  const outer = readElement(extraField);
  assert.throws(() => readFields(extraField, outer, 2, 'der'), derError(/after the last field/));
  assert.equal(readFields(extraField, outer, 2, 'go-asn1-unmarshal').length, 2);
  assert.equal(parseDerEcdsaSignature(extraField), undefined);
  assert.equal(parseDerEcdsaSignature(bytes(...seq, 0x00)), undefined);
  assert.deepEqual(parseDerEcdsaSignature(seq), { r: 1n, s: 2n });
  const spki = testKey('P-256').spkiDer;
  assert.throws(() => parsePublicKeyDer(Buffer.concat([spki, bytes(0)])), (e: unknown) => e instanceof ProvenantError && /trailing data/.test(e.message));
});

test('DER: truncation, multi-octet tags and children that overrun their parent are refused', () => {
  assert.throws(() => readElement(bytes(0x30)), derError(/truncated/));
  assert.throws(() => readElement(bytes(0x30, 0x03, 0x02, 0x01)), derError(/truncated/));
  assert.throws(() => readElement(bytes(0x1f, 0x81, 0x00, 0x00)), derError(/multi-octet/));
  const overrun = bytes(0x30, 0x03, 0x02, 0x02, 0x01, 0x01);
  assert.throws(() => childrenOf(overrun, { tag: 0x30, start: 0, contentStart: 2, end: 5 } satisfies Tlv), derError(/truncated/));
});

test('DER: INTEGERs are minimal; sign rules per rule set', () => {
  const int = (...c: number[]) => {
    const buf = bytes(0x02, c.length, ...c);
    return (rules: 'der' | 'go-asn1-unmarshal') => readInteger(buf, readElement(buf), rules);
  };
  assert.throws(() => int(0x00, 0x01)('go-asn1-unmarshal'), derError(/not minimally encoded/));
  assert.throws(() => int(0xff, 0x80)('go-asn1-unmarshal'), derError(/not minimally encoded/));
  assert.throws(() => int()('go-asn1-unmarshal'), derError(/empty INTEGER/));
  assert.throws(() => int(0x80)('der'), derError(/negative INTEGER/));
  assert.deepEqual(int(0x80)('go-asn1-unmarshal'), bytes(0x80));
  const zero = bytes(0x02, 0x01, 0x00);
  assert.throws(() => readPositiveInteger(zero, readElement(zero), 'n'), derError(/n: INTEGER is zero/));
  const big = bytes(0x02, 0x02, 0x00, 0x80);
  assert.deepEqual(readPositiveInteger(big, readElement(big), 'n'), bytes(0x80));
});
