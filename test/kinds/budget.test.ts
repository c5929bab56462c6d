/**
 * Issue 10, defect 1: verification work per entry is bounded. Budgets (Rekor v2 / rekor-tiles maxima):
 * ≤ 10 signatures and ≤ 10 verifiers per envelope, no duplicate verifiers or signatures, signatures
 * ≤ 512 bytes — each refused with a 400 naming the limit before any signature is verified.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { ProvenantError, type ErrorCode } from '../../src/errors.ts';
import { decodeProposedEntry } from '../../src/log/kinds/index.ts';
import { REKOR_DEFAULT_ALGORITHM_POLICY } from '../../src/crypto/verify.ts';
import { MAX_DSSE_SIGNATURES, MAX_DSSE_VERIFIERS, MAX_SIGNATURE_BYTES, maxSignatureBytes, pae } from '../../src/log/kinds/dsse-envelope.ts';
import { b64, ecdsaDer, signMessage, testKey } from './helpers.ts';
import { dsseEntry, freshKeys, hostileDsse, hostileIntotoV002, IN_TOTO, intotoV002Entry, jsonBytes, junkSignature, STATEMENT } from './hostile.ts';

const opts = { policy: REKOR_DEFAULT_ALGORITHM_POLICY };
const key = testKey('P-256');
const validSig = () => signMessage(key, pae(IN_TOTO, STATEMENT));

/** decodeProposedEntry must throw `code` with exactly `message`, within `ms`. */
function refusedFast(entry: unknown, code: ErrorCode, message: string | RegExp, ms = 1000): void {
  const t0 = performance.now();
  let err: unknown;
  try {
    decodeProposedEntry(entry, opts);
  } catch (e) {
    err = e;
  }
  const took = performance.now() - t0;
  assert.ok(err instanceof ProvenantError, `expected a ProvenantError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (typeof message === 'string') assert.equal(err.message, message);
  else assert.match(err.message, message);
  assert.ok(took < ms, `refused after ${took.toFixed(0)} ms (bound ${ms} ms)`);
}

test('budgets have the Rekor v2 (rekor-tiles) values', () => {
  assert.equal(MAX_DSSE_SIGNATURES, 10);
  assert.equal(MAX_DSSE_VERIFIERS, 10);
  assert.equal(MAX_SIGNATURE_BYTES, 512);
});

test('dsse: the reviewed entry (one verifier ×70, 580 junk signatures before a valid one, ~30 KB) is refused at once', () => {
  for (const distinct of [false, true]) {
    const e = hostileDsse(key, 70, 580, distinct);
    assert.ok(jsonBytes(e) > 28_000, String(jsonBytes(e)));
    refusedFast(e, 'invalid_argument', 'error processing entry: too many verifiers: 70, max allowed: 10');
    // With the verifiers within budget the signatures are over theirs.
    refusedFast(hostileDsse(key, 1, 580, distinct), 'invalid_argument', 'error processing entry: too many signatures: 581, max allowed: 10');
  }
});

test('intoto 0.0.2: the same shape (110 junk signatures, each with the key, before a valid one, ~30 KB) is refused at once', () => {
  const e = hostileIntotoV002(key, 110);
  assert.ok(jsonBytes(e) > 28_000, String(jsonBytes(e)));
  refusedFast(e, 'invalid_argument', 'error processing entry: too many signatures: 111, max allowed: 10');
});

test('intoto 0.0.1: more than 10 signatures refused before verifying', () => {
  const sigs = Array.from({ length: 11 }, (_, i) => ({ keyid: '', sig: b64(i === 10 ? validSig() : junkSignature(i, true)) }));
  const entry = { apiVersion: '0.0.1', kind: 'intoto', spec: { publicKey: b64(key.pem), content: { envelope: JSON.stringify({ payload: b64(STATEMENT), payloadType: IN_TOTO, signatures: sigs }) } } };
  refusedFast(entry, 'invalid_argument', 'error processing entry: too many signatures: 11, max allowed: 10');
  // Ten are fine (the valid one last).
  const ten = structuredClone(entry);
  ten.spec.content.envelope = JSON.stringify({ payload: b64(STATEMENT), payloadType: IN_TOTO, signatures: sigs.slice(1) });
  assert.equal(decodeProposedEntry(ten, opts).kind, 'intoto');
});

test('the maxima are inclusive: 10 signatures by 10 keys, 10 verifiers in reverse order, accepted', () => {
  const keys = freshKeys(10);
  const sigs = keys.map((k) => ({ sig: b64(signMessage(k, pae(IN_TOTO, STATEMENT))) }));
  const e = decodeProposedEntry(dsseEntry({ payload: b64(STATEMENT), payloadType: IN_TOTO, signatures: sigs }, keys.map((k) => k.pem).reverse()), opts);
  assert.equal(JSON.parse(Buffer.from(e.body).toString()).spec.signatures.length, 10);
  const i = decodeProposedEntry(intotoV002Entry(keys.map((k, j) => ({ sig: Buffer.from(sigs[j]!.sig, 'base64'), pem: k.pem }))), opts);
  assert.equal(JSON.parse(Buffer.from(i.body).toString()).spec.content.envelope.signatures.length, 10);
  const eleven = freshKeys(1)[0]!;
  refusedFast(
    dsseEntry({ payload: b64(STATEMENT), payloadType: IN_TOTO, signatures: sigs }, [...keys, eleven].map((k) => k.pem)),
    'invalid_argument',
    'error processing entry: too many verifiers: 11, max allowed: 10',
  );
});

test('within budget, the worst case is still cheap: 9 junk signatures before a valid one, 10 different verifiers', () => {
  const others = freshKeys(9);
  const sigs = [...Array.from({ length: 9 }, (_, i) => ({ sig: b64(junkSignature(i, true)) })), { sig: b64(validSig()) }];
  const env = { payload: b64(STATEMENT), payloadType: IN_TOTO, signatures: sigs };
  // The signing key matches the last signature; the next verifier finds nothing among the 9 left.
  refusedFast(dsseEntry(env, [key.pem, ...others.map((k) => k.pem)]), 'invalid_entry', /could not verify envelope: accepted signatures do not match threshold/, 250);
  refusedFast(
    intotoV002Entry(sigs.map((s, i) => ({ sig: Buffer.from(s.sig, 'base64'), pem: i === 9 ? key.pem : others[i]!.pem }))),
    'invalid_entry',
    /could not verify envelope: accepted signatures do not match threshold/,
    250,
  );
});

test('duplicate verifiers (same canonical key, even written differently) are refused, naming the rule', () => {
  const env = { payload: b64(STATEMENT), payloadType: IN_TOTO, signatures: [{ sig: b64(validSig()) }] };
  const crlf = key.pem.replace(/\n/g, '\r\n');
  const other = testKey('P-384');
  refusedFast(dsseEntry(env, [key.pem, other.pem, crlf]), 'invalid_argument', 'error processing entry: duplicate verifier: verifiers[2] is the same key as verifiers[0]');
  refusedFast(dsseEntry(env, [key.pem, key.pem]), 'invalid_argument', 'error processing entry: duplicate verifier: verifiers[1] is the same key as verifiers[0]');
  const sig = validSig();
  refusedFast(
    intotoV002Entry([
      { sig, pem: key.pem },
      { sig: junkSignature(0, true), pem: crlf },
    ]),
    'invalid_argument',
    'error processing entry: duplicate verifier: signatures[1].publicKey is the same key as signatures[0].publicKey',
  );
});

test('duplicate signatures (same bytes, in either base64 alphabet) are refused, naming the rule', () => {
  const sig = validSig();
  const env = (sigs: string[]) => ({ payload: b64(STATEMENT), payloadType: IN_TOTO, signatures: sigs.map((s) => ({ sig: s })) });
  refusedFast(dsseEntry(env([b64(sig), b64(sig)]), [key.pem]), 'invalid_argument', 'error processing entry: duplicate signature: signatures[1] is the same as signatures[0]');
  // Bytes whose standard and URL-safe base64 differ.
  const odd = Buffer.from([0xfb, 0xff, 0xfe]);
  refusedFast(dsseEntry(env([odd.toString('base64'), odd.toString('base64url'), b64(sig)]), [key.pem]), 'invalid_argument', /duplicate signature: signatures\[1\] is the same as signatures\[0\]/);
  refusedFast(
    intotoV002Entry([
      { sig, pem: key.pem },
      { sig, pem: testKey('P-384').pem },
    ]),
    'invalid_argument',
    'error processing entry: duplicate signature: signatures[1] is the same as signatures[0]',
  );
});

test('a signature longer than any allowed key can produce is refused before verifying', () => {
  const env = { payload: b64(STATEMENT), payloadType: IN_TOTO, signatures: [{ sig: b64(validSig()) }, { sig: b64(Buffer.alloc(513, 1)) }] };
  refusedFast(dsseEntry(env, [key.pem]), 'invalid_argument', 'error processing entry: signatures[1] is 513 bytes, max allowed: 512');
  // 512 bytes (RSA-4096) passes the envelope check; under a P-256 key it is skipped, not verified.
  env.signatures[1] = { sig: b64(Buffer.alloc(512, 1)) };
  refusedFast(dsseEntry(env, [key.pem]), 'invalid_entry', 'error processing entry: all signatures must have a key that verifies it');
});

test('maxSignatureBytes: the longest DER ECDSA signature of each curve; RSA the modulus; Ed25519 64', () => {
  for (const [curve, n] of [['P-256', p256.Point.Fn.ORDER], ['P-384', p384.Point.Fn.ORDER], ['P-521', p521.Point.Fn.ORDER]] as const) {
    // r = s = n − 1: the longest minimal INTEGERs (a leading 0x00 when the top bit is set).
    assert.equal(ecdsaDer(n - 1n, n - 1n).length, maxSignatureBytes({ alg: 'ecdsa', curve }), curve);
  }
  assert.equal(maxSignatureBytes({ alg: 'ecdsa', curve: 'P-224' }), 64);
  assert.equal(maxSignatureBytes({ alg: 'rsa', modulusBits: 4096, sizeBits: 4096 }), 512);
  assert.equal(maxSignatureBytes({ alg: 'rsa', modulusBits: 2040, sizeBits: 2048 }), 255);
  assert.equal(maxSignatureBytes({ alg: 'ed25519' }), 64);
  // Real signatures fit: RSA-2040 signs with 255 bytes, P-521 DER and P1363 are ≤ 139.
  for (const spec of ['rsa-2040', 'P-521', 'ed25519'] as const) {
    const k = testKey(spec);
    const env = { payload: b64(STATEMENT), payloadType: IN_TOTO, signatures: [{ sig: b64(signMessage(k, pae(IN_TOTO, STATEMENT))) }] };
    assert.equal(decodeProposedEntry(dsseEntry(env, [k.pem]), opts).kind, 'dsse', spec);
  }
});
