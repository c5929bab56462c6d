import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fc from 'fast-check';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { parseClientVerifier } from '../../src/crypto/public-key.ts';
import type { ClientPublicKey, KeyType } from '../../src/crypto/spki.ts';
import {
  algorithmPolicy,
  isAlgorithmPermitted,
  REKOR_DEFAULT_ALGORITHM_POLICY,
  verifySignature,
  type HashAlg,
  type VerifyOptions,
} from '../../src/crypto/verify.ts';
import { derInt, ecdsaDer, flipS, p1363, parseEcdsaDer, signForDigest, testKey, tlv, type KeySpec } from '../kinds/helpers.ts';

const HASHES: HashAlg[] = ['sha256', 'sha384', 'sha512'];
const opts = (o: Partial<VerifyOptions> = {}): VerifyOptions => ({
  hash: 'sha256',
  ecdsaEncoding: 'der',
  rsaPadding: 'pkcs1v15',
  ed25519: 'ph',
  minRsaBits: 1024,
  ...o,
});
const keyOf = (spec: KeySpec): ClientPublicKey => parseClientVerifier(testKey(spec).pem).key;
const digestOf = (h: HashAlg, m: Uint8Array) => crypto.createHash(h).update(m).digest();
const tamper = (b: Uint8Array, i = b.length - 1) => {
  const c = Buffer.from(b);
  c[i] = (c[i] as number) ^ 1;
  return c;
};

test('every key type × hash: signatures over a digest verify; tampered signature or digest do not', () => {
  const msg = Buffer.from('artifact');
  for (const spec of ['P-256', 'P-384', 'P-521', 'rsa-2048', 'rsa-3072', 'rsa-4096'] as const) {
    const key = keyOf(spec);
    for (const hash of HASHES) {
      const sig = signForDigest(testKey(spec), hash, msg);
      const digest = digestOf(hash, msg);
      const o = opts({ hash });
      assert.deepEqual(verifySignature(key, { digest, hash }, sig, o), { ok: true }, `${spec}/${hash} digest`);
      assert.deepEqual(verifySignature(key, { message: msg }, sig, o), { ok: true }, `${spec}/${hash} message`);
      assert.equal(verifySignature(key, { digest: tamper(digest, 0), hash }, sig, o).ok, false, `${spec}/${hash} tampered digest`);
      assert.equal(verifySignature(key, { digest, hash }, tamper(sig, sig.length - 2), o).ok, false, `${spec}/${hash} tampered sig`);
      assert.equal(verifySignature(key, { message: Buffer.from('other') }, sig, o).ok, false, `${spec}/${hash} other message`);
    }
  }
  // Ed25519ph signs SHA-512 digests; pure Ed25519 signs messages.
  const ed = keyOf('ed25519');
  const phSig = signForDigest(testKey('ed25519'), 'sha512', msg);
  assert.deepEqual(verifySignature(ed, { digest: digestOf('sha512', msg), hash: 'sha512' }, phSig, opts({ ed25519: 'ph' })), { ok: true });
  assert.deepEqual(verifySignature(ed, { message: msg }, phSig, opts({ ed25519: 'ph' })), { ok: true });
  assert.equal(verifySignature(ed, { digest: digestOf('sha512', msg), hash: 'sha512' }, tamper(phSig), opts({ ed25519: 'ph' })).ok, false);
  const pure = crypto.sign(null, msg, testKey('ed25519').privateKey);
  assert.deepEqual(verifySignature(ed, { message: msg }, pure, opts({ ed25519: 'pure' })), { ok: true });
  assert.equal(verifySignature(ed, { message: msg }, tamper(pure), opts({ ed25519: 'pure' })).ok, false);
  assert.equal(verifySignature(ed, { message: msg }, pure, opts({ ed25519: 'ph' })).ok, false, 'pure signature is not an Ed25519ph one');
  assert.equal(verifySignature(ed, { message: msg }, phSig, opts({ ed25519: 'pure' })).ok, false, 'Ed25519ph signature is not a pure one');
  assert.match(String((verifySignature(ed, { digest: digestOf('sha256', msg), hash: 'sha256' }, phSig, opts()) as { reason: string }).reason), /unsupported hash algorithm: "SHA-256" not in \[SHA-512\]/);
  assert.equal(verifySignature(ed, { digest: digestOf('sha512', msg), hash: 'sha512' }, pure, opts({ ed25519: 'pure' })).ok, false);
});

test('digest length must match the stated hash', () => {
  const r = verifySignature(keyOf('P-256'), { digest: Buffer.alloc(31), hash: 'sha256' }, Buffer.alloc(70), opts());
  assert.deepEqual(r, { ok: false, reason: 'unexpected length of digest for hash function specified' });
});

test('ECDSA high-S signatures are accepted (digest and message), as Go and OpenSSL accept them', () => {
  for (const [curve, hash] of [['P-256', 'sha256'], ['P-384', 'sha384'], ['P-521', 'sha512']] as const) {
    const key = keyOf(curve);
    let checked = 0;
    for (let i = 0; i < 10 && checked < 2; i++) {
      const msg = crypto.randomBytes(16);
      const sig = signForDigest(testKey(curve), hash, msg);
      const { sig: twin, highS } = flipS(sig, curve);
      const high = highS ? twin : sig;
      const n = { 'P-256': p256, 'P-384': p384, 'P-521': p521 }[curve].Point.Fn.ORDER;
      assert.ok(parseEcdsaDer(high).s > n / 2n);
      assert.deepEqual(verifySignature(key, { digest: digestOf(hash, msg), hash }, high, opts({ hash })), { ok: true }, `${curve} high-S digest`);
      assert.deepEqual(verifySignature(key, { message: msg }, high, opts({ hash })), { ok: true }, `${curve} high-S message`);
      assert.deepEqual(verifySignature(key, { message: msg }, twin, opts({ hash })), { ok: true });
      checked++;
    }
    assert.equal(checked, 2);
  }
});

test('ECDSA DER is strict; IEEE P1363 only in sigstore-go mode', () => {
  const key = keyOf('P-256');
  const msg = Buffer.from('m');
  const digest = digestOf('sha256', msg);
  const sig = signForDigest(testKey('P-256'), 'sha256', msg);
  const { r, s } = parseEcdsaDer(sig);
  const bad: Record<string, Buffer> = {
    'trailing garbage': Buffer.concat([sig, Buffer.from([0])]),
    'garbage inside the SEQUENCE': tlv(0x30, Buffer.concat([derInt(r), derInt(s), Buffer.from([5, 0])])),
    'non-minimal INTEGER': tlv(0x30, Buffer.concat([tlv(0x02, Buffer.concat([Buffer.from([0, 0]), derInt(r).subarray(2)])), derInt(s)])),
    'long-form length': Buffer.concat([Buffer.from([0x30, 0x81, sig[1] as number]), sig.subarray(2)]),
    'negative r': ecdsaDer(r, s).fill(0xff, 4, 5),
    'r = 0': ecdsaDer(0n, s),
    's = n': ecdsaDer(r, p256.Point.Fn.ORDER),
    truncated: sig.subarray(0, sig.length - 1),
    empty: Buffer.alloc(0),
  };
  for (const mode of ['der', 'der-or-p1363'] as const) {
    for (const [name, b] of Object.entries(bad)) {
      assert.equal(verifySignature(key, { digest, hash: 'sha256' }, b, opts({ ecdsaEncoding: mode })).ok, false, `${mode} digest ${name}`);
      assert.equal(verifySignature(key, { message: msg }, b, opts({ ecdsaEncoding: mode })).ok, false, `${mode} message ${name}`);
    }
  }
  const raw = p1363(sig, 'P-256');
  assert.equal(verifySignature(key, { digest, hash: 'sha256' }, raw, opts({ ecdsaEncoding: 'der' })).ok, false);
  assert.deepEqual(verifySignature(key, { digest, hash: 'sha256' }, raw, opts({ ecdsaEncoding: 'der-or-p1363' })), { ok: true });
  assert.deepEqual(verifySignature(key, { message: msg }, raw, opts({ ecdsaEncoding: 'der-or-p1363' })), { ok: true });
  assert.deepEqual(verifySignature(key, { digest, hash: 'sha256' }, Buffer.alloc(133), opts({ ecdsaEncoding: 'der-or-p1363' })), { ok: false, reason: 'ecdsa: Invalid IEEE_P1363 encoded bytes' });
});

test('prehashed ECDSA agrees with @noble/curves on valid, forged and mismatched signatures (property)', () => {
  const curves = [
    { spec: 'P-256', noble: p256, hash: 'sha256' },
    { spec: 'P-384', noble: p384, hash: 'sha384' },
    { spec: 'P-521', noble: p521, hash: 'sha512' },
  ] as const;
  for (const c of curves) {
    const key = keyOf(c.spec);
    const otherKey = parseClientVerifier(crypto.generateKeyPairSync('ec', { namedCurve: c.spec }).publicKey.export({ type: 'spki', format: 'pem' }) as string).key;
    const n = c.noble.Point.Fn.ORDER;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.integer({ min: 0, max: 3 }), fc.bigInt({ min: 1n, max: n - 1n }), (msg, mode, rnd) => {
        const hash = mode === 3 ? 'sha256' : c.hash; // mode 3: a digest shorter or longer than the curve
        let sig = signForDigest(testKey(c.spec), hash, msg);
        let k = key;
        if (mode === 1) sig = ecdsaDer(parseEcdsaDer(sig).r, rnd);
        if (mode === 2) k = otherKey;
        const digest = digestOf(hash, msg);
        const ours = verifySignature(k, { digest, hash }, sig, opts({ hash })).ok;
        const theirs = c.noble.verify(sig, digest, k.raw, { prehash: false, lowS: false, format: 'der' });
        assert.equal(ours, theirs);
        if (mode === 0 || mode === 3) assert.equal(ours, true);
      }),
      { numRuns: c.spec === 'P-256' ? 60 : 15 },
    );
  }
});

test('prehashed ECDSA: digest ≡ 0 (mod n) and a digest longer than the order', () => {
  const priv = p256.utils.randomSecretKey();
  const pub = p256.getPublicKey(priv, false);
  const spki = Buffer.concat([Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), pub]);
  const key = parseClientVerifier(`-----BEGIN PUBLIC KEY-----\n${spki.toString('base64')}\n-----END PUBLIC KEY-----\n`).key;
  const zero = new Uint8Array(32);
  const sig = p256.sign(zero, priv, { prehash: false, lowS: false, format: 'der' });
  assert.deepEqual(verifySignature(key, { digest: zero, hash: 'sha256' }, sig, opts()), { ok: true });
  const d512 = crypto.randomBytes(64);
  const sig512 = p256.sign(d512, priv, { prehash: false, lowS: false, format: 'der' });
  assert.deepEqual(verifySignature(key, { digest: d512, hash: 'sha512' }, sig512, opts({ hash: 'sha512' })), { ok: true });
});

test('RSA: exact signature length, minimum size, PKCS #1 v1.5 vs PSS', () => {
  const msg = Buffer.from('rsa');
  const k = testKey('rsa-2048');
  const key = keyOf('rsa-2048');
  const digest = digestOf('sha256', msg);
  const sig = crypto.sign('sha256', msg, k.privateKey);
  assert.equal(verifySignature(key, { digest, hash: 'sha256' }, Buffer.concat([Buffer.from([0]), sig]), opts()).ok, false);
  assert.equal(verifySignature(key, { message: msg }, Buffer.concat([Buffer.from([0]), sig]), opts()).ok, false);
  // The same digest under another DigestInfo must not verify.
  assert.equal(verifySignature(key, { digest: digestOf('sha384', msg), hash: 'sha384' }, sig, opts({ hash: 'sha384' })).ok, false);
  const pss = crypto.sign('sha256', msg, { key: k.privateKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 });
  assert.deepEqual(verifySignature(key, { digest, hash: 'sha256' }, pss, opts({ rsaPadding: 'pss' })), { ok: true });
  assert.deepEqual(verifySignature(key, { message: msg }, pss, opts({ rsaPadding: 'pss' })), { ok: true });
  assert.equal(verifySignature(key, { digest, hash: 'sha256' }, pss, opts()).ok, false);
  assert.equal(verifySignature(key, { digest, hash: 'sha256' }, sig, opts({ rsaPadding: 'pss' })).ok, false);
  assert.equal(verifySignature(key, { digest, hash: 'sha256' }, tamper(pss, 10), opts({ rsaPadding: 'pss' })).ok, false);
  const small = keyOf('rsa-1024');
  const smallSig = crypto.sign('sha256', msg, testKey('rsa-1024').privateKey);
  assert.deepEqual(verifySignature(small, { digest, hash: 'sha256' }, smallSig, opts({ minRsaBits: 1024 })), { ok: true });
  assert.deepEqual(verifySignature(small, { digest, hash: 'sha256' }, smallSig, opts({ minRsaBits: 2048 })), { ok: false, reason: 'crypto/rsa: 1024-bit keys are insecure' });
  // s ≥ n is refused (RSAVP1).
  assert.equal(verifySignature(key, { digest, hash: 'sha256' }, Buffer.alloc(256, 0xff), opts()).ok, false);
});

test('algorithm policy: Rekor default admits exactly its key/hash pairs', () => {
  const t = (spec: KeySpec): KeyType => keyOf(spec).type;
  const allowed: [KeySpec, HashAlg][] = [
    ['rsa-2048', 'sha256'],
    ['rsa-3072', 'sha256'],
    ['rsa-4096', 'sha256'],
    ['P-256', 'sha256'],
    ['P-384', 'sha384'],
    ['P-521', 'sha512'],
    ['ed25519', 'sha512'],
  ];
  const specs: KeySpec[] = ['rsa-1024', 'rsa-2048', 'rsa-3072', 'rsa-4096', 'rsa-2040', 'P-224', 'P-256', 'P-384', 'P-521', 'ed25519'];
  for (const spec of specs) {
    for (const hash of HASHES) {
      const expected = allowed.some(([s, h]) => s === spec && h === hash);
      assert.equal(isAlgorithmPermitted(REKOR_DEFAULT_ALGORITHM_POLICY, t(spec), hash), expected, `${spec}/${hash}`);
    }
  }
  const custom = algorithmPolicy(['ecdsa-sha2-256-nistp384', 'PKIX_RSA_PSS_3072_SHA256']);
  assert.equal(isAlgorithmPermitted(custom, t('P-384'), 'sha256'), true);
  assert.equal(isAlgorithmPermitted(custom, t('P-384'), 'sha384'), false);
  assert.equal(isAlgorithmPermitted(custom, t('rsa-3072'), 'sha256'), true);
  assert.equal(isAlgorithmPermitted(custom, t('P-256'), 'sha256'), false);
  assert.throws(() => algorithmPolicy(['PKIX_ECDSA_P256_SHA_999']), /unknown signing algorithm/);
});

void ed25519ph;
