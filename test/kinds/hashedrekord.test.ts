import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ProvenantError, type ErrorCode } from '../../src/errors.ts';
import { decodeProposedEntry, kindFromBody } from '../../src/log/kinds/index.ts';
import { algorithmPolicy, REKOR_DEFAULT_ALGORITHM_POLICY, type HashAlg } from '../../src/crypto/verify.ts';
import { encodePem } from '../../src/encoding/pem.ts';
import { b64, buildCert, certPem, digestHex, flipS, hashedrekord, p1363, sanDer, signForDigest, testKey, type KeySpec } from './helpers.ts';

const opts = { policy: REKOR_DEFAULT_ALGORITHM_POLICY };
const fails = (code: ErrorCode, re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof ProvenantError, String(e));
  assert.equal(e.code, code, e.message);
  assert.match(e.message, re);
  return true;
};
const artifact = Buffer.from('hello, transparency');

function entryFor(spec: KeySpec, hash: HashAlg, keyPem = testKey(spec).pem) {
  const sig = signForDigest(testKey(spec), hash, artifact);
  return { proposed: hashedrekord(keyPem, sig, hash, digestHex(hash, artifact)), sig };
}

test('hashedrekord: every key type × hash — allowed pairs are logged, others refused like Rekor', () => {
  const allowed = new Set(['rsa-2048/sha256', 'rsa-3072/sha256', 'rsa-4096/sha256', 'P-256/sha256', 'P-384/sha384', 'P-521/sha512', 'ed25519/sha512']);
  for (const spec of ['rsa-2048', 'rsa-3072', 'rsa-4096', 'P-256', 'P-384', 'P-521', 'ed25519'] as const) {
    for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
      const name = `${spec}/${hash}`;
      if (spec === 'ed25519' && hash !== 'sha512') {
        // Ed25519ph signs SHA-512 digests only: Rekor fails verification first.
        const sig = signForDigest(testKey(spec), 'sha512', artifact);
        const p = hashedrekord(testKey(spec).pem, sig, hash, digestHex(hash, artifact));
        assert.throws(() => decodeProposedEntry(p, opts), fails('invalid_entry', /verifying signature: unsupported hash algorithm/), name);
        continue;
      }
      const { proposed, sig } = entryFor(spec, hash);
      if (!allowed.has(name)) {
        assert.throws(() => decodeProposedEntry(proposed, opts), fails('invalid_entry', /^error processing entry: entry algorithms are not allowed$/), name);
        continue;
      }
      const e = decodeProposedEntry(proposed, opts);
      assert.equal(e.kind, 'hashedrekord');
      assert.equal(e.apiVersion, '0.0.1');
      const body = JSON.parse(Buffer.from(e.body).toString());
      assert.deepEqual(body, {
        apiVersion: '0.0.1',
        kind: 'hashedrekord',
        spec: { data: { hash: { algorithm: hash, value: digestHex(hash, artifact) } }, signature: { content: b64(sig), publicKey: { content: b64(testKey(spec).pem) } } },
      });
      assert.deepEqual(e.indexKeys, [crypto.createHash('sha256').update(testKey(spec).pem).digest('hex'), `${hash}:${digestHex(hash, artifact)}`]);
      assert.deepEqual(kindFromBody(e.body), { kind: 'hashedrekord', apiVersion: '0.0.1' });
    }
  }
});

test('hashedrekord: operator policy is applied as key/hash pairs', () => {
  const { proposed } = entryFor('P-384', 'sha256');
  assert.throws(() => decodeProposedEntry(proposed, opts), fails('invalid_entry', /entry algorithms are not allowed/));
  const e = decodeProposedEntry(proposed, { policy: algorithmPolicy(['ecdsa-sha2-256-nistp384']) });
  assert.equal(e.kind, 'hashedrekord');
  assert.throws(() => decodeProposedEntry(entryFor('P-256', 'sha256').proposed, { policy: algorithmPolicy(['ecdsa-sha2-256-nistp384']) }), /not allowed/);
  // P-224 and small RSA keys are never in the list.
  assert.throws(() => decodeProposedEntry(entryFor('P-224', 'sha256').proposed, opts), /entry algorithms are not allowed/);
  assert.throws(() => decodeProposedEntry(entryFor('rsa-1024', 'sha256').proposed, opts), /entry algorithms are not allowed/);
});

test('hashedrekord: RSA signatures must be PKCS #1 v1.5 (Rekor loads no PSS verifier)', () => {
  const k = testKey('rsa-2048');
  const pss = crypto.sign('sha256', artifact, { key: k.privateKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  assert.throws(() => decodeProposedEntry(hashedrekord(k.pem, pss, 'sha256', digestHex('sha256', artifact)), opts), fails('invalid_entry', /verifying signature: crypto\/rsa: verification error/));
});

test('hashedrekord: high-S and P1363 ECDSA signatures are accepted and stored as sent', () => {
  const key = testKey('P-256');
  for (let i = 0; i < 4; i++) {
    const m = crypto.randomBytes(8);
    const sig = signForDigest(key, 'sha256', m);
    for (const variant of [flipS(sig, 'P-256').sig, p1363(sig, 'P-256')]) {
      const e = decodeProposedEntry(hashedrekord(key.pem, variant, 'sha256', digestHex('sha256', m)), opts);
      assert.equal(JSON.parse(Buffer.from(e.body).toString()).spec.signature.content, b64(variant));
    }
  }
});

test('hashedrekord: tampered signatures and digests are refused with invalid_entry', () => {
  for (const spec of ['P-256', 'rsa-2048', 'ed25519'] as const) {
    const hash = spec === 'ed25519' ? 'sha512' : 'sha256';
    const sig = signForDigest(testKey(spec), hash, artifact);
    const bad = Buffer.from(sig);
    bad[bad.length - 3] = (bad[bad.length - 3] as number) ^ 0x10;
    assert.throws(() => decodeProposedEntry(hashedrekord(testKey(spec).pem, bad, hash, digestHex(hash, artifact)), opts), fails('invalid_entry', /^error processing entry: verifying signature: /), spec);
    const otherDigest = digestHex(hash, Buffer.from('other'));
    assert.throws(() => decodeProposedEntry(hashedrekord(testKey(spec).pem, sig, hash, otherDigest), opts), fails('invalid_entry', /verifying signature/), spec);
  }
  // A signature by another key.
  const other = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const sig = crypto.sign('sha256', artifact, other.privateKey);
  assert.throws(() => decodeProposedEntry(hashedrekord(testKey('P-256').pem, sig, 'sha256', digestHex('sha256', artifact)), opts), fails('invalid_entry', /verifying signature: invalid signature when validating ASN.1 encoded signature/));
});

test('hashedrekord: hash value checks (length, hex), stored as sent (uppercase hex too)', () => {
  const key = testKey('P-256');
  const sig = signForDigest(key, 'sha256', artifact);
  const hex = digestHex('sha256', artifact);
  assert.throws(() => decodeProposedEntry(hashedrekord(key.pem, sig, 'sha256', hex.slice(2)), opts), fails('invalid_argument', /^error processing entry: invalid value for hash$/));
  assert.throws(() => decodeProposedEntry(hashedrekord(key.pem, sig, 'sha384', hex), opts), fails('invalid_argument', /invalid value for hash/));
  assert.throws(() => decodeProposedEntry(hashedrekord(key.pem, sig, 'sha256', 'g' + hex.slice(1)), opts), fails('invalid_argument', /encoding\/hex: invalid byte: U\+0067 'g'/));
  const e = decodeProposedEntry(hashedrekord(key.pem, sig, 'sha256', hex.toUpperCase()), opts);
  assert.equal(JSON.parse(Buffer.from(e.body).toString()).spec.data.hash.value, hex.toUpperCase());
  assert.ok(e.indexKeys.includes(`sha256:${hex}`), 'index keys are lowercased');
});

test('hashedrekord: malformed keys, signatures and base64 are refused with invalid_argument', () => {
  const key = testKey('P-256');
  const sig = signForDigest(key, 'sha256', artifact);
  const hex = digestHex('sha256', artifact);
  const withKey = (content: string) => ({ ...hashedrekord(key.pem, sig, 'sha256', hex), spec: { data: { hash: { algorithm: 'sha256', value: hex } }, signature: { content: b64(sig), publicKey: { content } } } });
  assert.throws(() => decodeProposedEntry(withKey(b64(key.spkiDer)), opts), fails('invalid_argument', /invalid public key: failure decoding PEM/));
  assert.throws(() => decodeProposedEntry(withKey(b64(key.pem + 'garbage')), opts), fails('invalid_argument', /failure decoding PEM/));
  assert.throws(() => decodeProposedEntry(withKey(b64(encodePem('PUBLIC KEY', key.spkiDer.subarray(0, 80)))), opts), fails('invalid_argument', /invalid public key: truncated/));
  assert.throws(() => decodeProposedEntry(withKey(b64(encodePem('PUBLIC KEY', Buffer.concat([key.spkiDer, Buffer.from([0, 0])])))), opts), fails('invalid_argument', /trailing data/));
  assert.throws(() => decodeProposedEntry(withKey('not base64!'), opts), fails('invalid_argument', /^error processing entry: failed parsing base64 data for public key content: illegal base64 data at input byte 3$/));
  assert.throws(() => decodeProposedEntry(withKey(''), opts), fails('invalid_argument', /failure decoding PEM/));
  const badSig = { ...hashedrekord(key.pem, sig, 'sha256', hex) };
  (badSig.spec as { signature: { content: string } }).signature.content = 'AAA';
  assert.throws(() => decodeProposedEntry(badSig, opts), fails('invalid_argument', /failed parsing base64 data for signature content/));
  (badSig.spec as { signature: { content: string } }).signature.content = '';
  assert.throws(() => decodeProposedEntry(badSig, opts), fails('invalid_entry', /verifying signature: X509 signature has not been initialized/));
  // Base64 with line breaks is accepted (Go skips CR/LF) and stored re-encoded.
  const wrapped = hashedrekord(key.pem, sig, 'sha256', hex);
  const s = wrapped.spec as { signature: { content: string; publicKey: { content: string } } };
  s.signature.publicKey.content = s.signature.publicKey.content.replace(/(.{76})/g, '$1\n');
  assert.deepEqual(decodeProposedEntry(wrapped, opts).body, decodeProposedEntry(hashedrekord(key.pem, sig, 'sha256', hex), opts).body);
});

test('hashedrekord: missing or mistyped spec fields fail validation with go-openapi messages (400, as in Rekor)', () => {
  const key = testKey('P-256');
  const sig = signForDigest(key, 'sha256', artifact);
  const full = () => hashedrekord(key.pem, sig, 'sha256', digestHex('sha256', artifact)) as { spec: Record<string, any> };
  const cases: [string, (p: { spec: Record<string, any> }) => void, RegExp][] = [
    ['no signature', (p) => delete p.spec.signature, /signature in body is required/],
    ['no data', (p) => delete p.spec.data, /data in body is required/],
    ['null data', (p) => (p.spec.data = null), /data in body is required/],
    ['no algorithm', (p) => delete p.spec.data.hash.algorithm, /data\.hash\.algorithm in body is required/],
    ['bad algorithm', (p) => (p.spec.data.hash.algorithm = 'md5'), /data\.hash\.algorithm in body should be one of \[sha256 sha384 sha512\]/],
    ['no value', (p) => delete p.spec.data.hash.value, /data\.hash\.value in body is required/],
    ['content not a string', (p) => (p.spec.signature.content = 5), /signature\.content in body must be of type string/],
    ['data not an object', (p) => (p.spec.data = 'x'), /data in body must be of type object/],
  ];
  for (const [name, mutate, re] of cases) {
    const p = full();
    mutate(p);
    assert.throws(() => decodeProposedEntry(p, opts), fails('invalid_argument', new RegExp(`^error processing entry: validation failure list:\\n(.|\\n)*${re.source}`)), name);
  }
  const noKey = full();
  delete noKey.spec.signature.publicKey;
  assert.throws(() => decodeProposedEntry(noKey, opts), fails('invalid_argument', /missing public key/));
  const noHash = full();
  delete noHash.spec.data.hash;
  assert.throws(() => decodeProposedEntry(noHash, opts), fails('invalid_argument', /missing hash/));
  // Unknown members are ignored (the schemas do not forbid them) and not stored.
  const extra = full();
  extra.spec.extra = 1;
  extra.spec.data.content = 'ignored';
  assert.deepEqual(decodeProposedEntry(extra, opts).body, decodeProposedEntry(full(), opts).body);
});

test('hashedrekord: certificates — canonical PEM stored, SANs indexed; chains verified', () => {
  const ca = testKey('P-384');
  const leaf = testKey('P-256');
  const leafDer = buildCert({
    subjectKey: leaf.publicKey,
    issuerKey: ca.privateKey,
    issuer: 'ca',
    san: sanDer({ emails: ['Dev@Example.COM'], uris: ['https://github.com/o/r/.github/workflows/w.yml@refs/heads/main'], otherNames: ['otheruser'] }),
  });
  const sig = signForDigest(leaf, 'sha256', artifact);
  const hex = digestHex('sha256', artifact);
  // Non-canonical PEM (CRLF, one long line) is re-encoded.
  const sloppy = `-----BEGIN CERTIFICATE-----\r\n${leafDer.toString('base64')}\r\n-----END CERTIFICATE-----\r\n`;
  const e = decodeProposedEntry(hashedrekord(sloppy, sig, 'sha256', hex), opts);
  const body = JSON.parse(Buffer.from(e.body).toString());
  assert.equal(Buffer.from(body.spec.signature.publicKey.content, 'base64').toString(), certPem(leafDer));
  assert.deepEqual(e.indexKeys, [
    crypto.createHash('sha256').update(certPem(leafDer)).digest('hex'),
    'dev@example.com',
    'https://github.com/o/r/.github/workflows/w.yml@refs/heads/main',
    'otheruser',
    `sha256:${hex}`,
  ]);

  const caDer = buildCert({ subjectKey: ca.publicKey, issuerKey: ca.privateKey, subject: 'ca', issuer: 'ca', ca: {} });
  const chain = certPem(leafDer) + certPem(caDer);
  const ce = decodeProposedEntry(hashedrekord(chain, sig, 'sha256', hex), opts);
  assert.equal(Buffer.from(JSON.parse(Buffer.from(ce.body).toString()).spec.signature.publicKey.content, 'base64').toString(), chain);
  const stranger = testKey('P-521');
  const strangerDer = buildCert({ subjectKey: stranger.publicKey, issuerKey: stranger.privateKey, subject: 'ca', issuer: 'ca', ca: {} });
  assert.throws(() => decodeProposedEntry(hashedrekord(certPem(leafDer) + certPem(strangerDer), sig, 'sha256', hex), opts), fails('invalid_entry', /verifying signature: x509: certificate signed by unknown authority/));
});
