import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import { ProvenantError } from '../../src/errors.ts';
import { CsrError, parseAndVerifyCsr } from '../../src/x509/ca-csr.ts';
import { encodePem } from '../../src/encoding/pem.ts';
import { parseClientVerifier } from '../../src/crypto/public-key.ts';
import { MAX_RSA_MODULUS_BITS, parsePublicKeyDer } from '../../src/crypto/spki.ts';
import { sshSha256Fingerprint } from '../../src/crypto/ssh-fingerprint.ts';
import { verifyCertificateChain } from '../../src/x509/chain.ts';
import { buildCert, certPem, derInt, oidDer, sanDer, testKey, tlv, type KeySpec } from '../kinds/helpers.ts';

const invalidArgument = (re?: RegExp) => (e: unknown) => e instanceof ProvenantError && e.code === 'invalid_argument' && (re === undefined || re.test(e.message));

test('public keys: every supported type parses to its canonical PEM and key type', () => {
  const expected: Record<string, unknown> = {
    'P-224': { alg: 'ecdsa', curve: 'P-224' },
    'P-256': { alg: 'ecdsa', curve: 'P-256' },
    'P-384': { alg: 'ecdsa', curve: 'P-384' },
    'P-521': { alg: 'ecdsa', curve: 'P-521' },
    ed25519: { alg: 'ed25519' },
    'rsa-2048': { alg: 'rsa', modulusBits: 2048, sizeBits: 2048 },
    'rsa-2040': { alg: 'rsa', modulusBits: 2040, sizeBits: 2040 },
  };
  for (const [spec, type] of Object.entries(expected)) {
    const k = testKey(spec as KeySpec);
    const v = parseClientVerifier(k.pem);
    assert.equal(v.form, 'public-key');
    assert.deepEqual(v.key.type, type, spec);
    assert.equal(v.canonicalPem, k.pem);
    assert.deepEqual(Buffer.from(v.key.spki), k.spkiDer);
    assert.deepEqual(v.subjects, []);
    // Non-canonical PEM layout (CRLF, long lines) canonicalises to Go's layout.
    const body = k.spkiDer.toString('base64');
    const sloppy = `\r\n-----BEGIN PUBLIC KEY-----\r\n${body}\r\n-----END PUBLIC KEY-----`;
    assert.equal(parseClientVerifier(sloppy).canonicalPem, k.pem);
  }
});

test('RSA size as Go rsa.PublicKey.Size()*8: a 2047-bit modulus counts as 2048', () => {
  // Build an SPKI with the top bit of a 2048-bit modulus cleared (not a real key, parse-only).
  const jwk = testKey('rsa-2048').publicKey.export({ format: 'jwk' });
  const n = Buffer.from(jwk.n as string, 'base64url');
  n[0] = 0x7f; // 2047-bit modulus
  const rsaKey = tlv(0x30, Buffer.concat([tlv(0x02, n), tlv(0x02, Buffer.from([1, 0, 1]))]));
  const spki = tlv(0x30, Buffer.concat([tlv(0x30, Buffer.concat([oidDer('1.2.840.113549.1.1.1'), Buffer.from([5, 0])])), tlv(0x03, Buffer.concat([Buffer.from([0]), rsaKey]))]));
  const k = parsePublicKeyDer(spki);
  assert.deepEqual(k.type, { alg: 'rsa', modulusBits: 2047, sizeBits: 2048 });
});

/** An RSA SubjectPublicKeyInfo with any modulus and exponent (parse-only: not a real key). */
function rsaSpki(modulus: Buffer, e: bigint): Buffer {
  const rsaKey = tlv(0x30, Buffer.concat([derInt(BigInt('0x' + modulus.toString('hex'))), derInt(e)]));
  return tlv(0x30, Buffer.concat([tlv(0x30, Buffer.concat([oidDer('1.2.840.113549.1.1.1'), Buffer.from([5, 0])])), tlv(0x03, Buffer.concat([Buffer.from([0]), rsaKey]))]));
}
/** An odd modulus of exactly `bits` bits. */
function oddModulus(bits: number): Buffer {
  const n = crypto.randomBytes(Math.ceil(bits / 8));
  n[0] = ((n[0] as number) | 0x80) >> ((8 - (bits % 8)) % 8);
  n[n.length - 1] = (n[n.length - 1] as number) | 1;
  return n;
}

test('RSA keys (issue 10): a modulus over 4096 bits is refused while parsing, in microseconds', () => {
  assert.equal(MAX_RSA_MODULUS_BITS, 4096);
  assert.deepEqual(parsePublicKeyDer(rsaSpki(oddModulus(4096), 65537n)).type, { alg: 'rsa', modulusBits: 4096, sizeBits: 4096 });
  assert.throws(() => parsePublicKeyDer(rsaSpki(oddModulus(4097), 65537n)), invalidArgument(/RSA modulus of 4097 bits is larger than the limit of 4096 bits/));
  const huge = rsaSpki(oddModulus(16384), 65537n);
  const hugeKey = crypto.createPublicKey({ key: huge, format: 'der', type: 'spki' }); // OpenSSL takes it
  const certDer = buildCert({ subjectKey: hugeKey, issuerKey: testKey('P-256').privateKey });
  // A CSR (Fulcio path) around the key, with a junk signature: refused before the signature check.
  const csr = new CertificationRequest({
    certificationRequestInfo: new CertificationRequestInfo({ subjectPKInfo: AsnConvert.parse(huge, SubjectPublicKeyInfo) }),
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.11' }),
    signature: new Uint8Array(2048).buffer,
  });
  const csrPem = encodePem('CERTIFICATE REQUEST', new Uint8Array(AsnConvert.serialize(csr)));
  const inputs: [string, () => unknown][] = [
    ['DER', () => parsePublicKeyDer(huge)],
    ['CSR', () => {
      try {
        parseAndVerifyCsr(csrPem);
      } catch (e) {
        if (e instanceof CsrError && e.kind === 'parse') throw new ProvenantError('invalid_argument', e.message);
        throw e;
      }
    }],
    ['PEM public key', () => parseClientVerifier(encodePem('PUBLIC KEY', huge))],
    ['certificate', () => parseClientVerifier(certPem(certDer))],
  ];
  for (const [name, parse] of inputs) {
    const t0 = performance.now();
    assert.throws(parse, invalidArgument(/RSA modulus of 16384 bits is larger than the limit of 4096 bits/), name);
    const ms = performance.now() - t0;
    assert.ok(ms < 50, `${name}: ${ms.toFixed(3)} ms`); // ~0.05 ms measured; generous for a loaded machine
  }
});

test('RSA keys: public exponent odd and 3 ≤ e ≤ 2^31-1, modulus odd (Go crypto/rsa checkPublicKey, at parse time)', () => {
  const n = oddModulus(2048);
  for (const e of [3n, 65537n, 2n ** 31n - 1n]) assert.equal(parsePublicKeyDer(rsaSpki(n, e)).rsaExponent, e);
  for (const e of [1n, 2n, 65536n, 2n ** 31n + 1n, 2n ** 40n + 1n, 2n ** 64n + 1n]) {
    assert.throws(() => parsePublicKeyDer(rsaSpki(n, e)), invalidArgument(/RSA public exponent must be odd and between 3 and 2147483647/), String(e));
  }
  const even = Buffer.from(n);
  even[even.length - 1] = (even[even.length - 1] as number) & 0xfe;
  assert.throws(() => parsePublicKeyDer(rsaSpki(even, 65537n)), invalidArgument(/RSA modulus is even/));
});

test('public keys: malformed DER is refused (truncated, trailing data, BER lengths, bad parameters)', () => {
  const der = testKey('P-256').spkiDer;
  const ecAlg = tlv(0x30, Buffer.concat([oidDer('1.2.840.10045.2.1'), oidDer('1.2.840.10045.3.1.7')]));
  const point = der.subarray(der.length - 65);
  const cases: Record<string, Buffer> = {
    truncated: der.subarray(0, der.length - 1),
    'trailing garbage': Buffer.concat([der, Buffer.from([0])]),
    'long-form length for a short element': Buffer.concat([Buffer.from([0x30, 0x81, der[1] as number]), der.subarray(2)]),
    'indefinite length': Buffer.concat([Buffer.from([0x30, 0x80]), der.subarray(2), Buffer.from([0, 0])]),
    'compressed point': tlv(0x30, Buffer.concat([ecAlg, tlv(0x03, Buffer.concat([Buffer.from([0, 2 + ((point[64] as number) & 1)]), point.subarray(1, 33)]))])),
    'point not on curve': tlv(0x30, Buffer.concat([ecAlg, tlv(0x03, Buffer.concat([Buffer.from([0]), point.subarray(0, 64), Buffer.from([(point[64] as number) ^ 1])]))])),
    'unknown curve (secp256k1)': tlv(0x30, Buffer.concat([tlv(0x30, Buffer.concat([oidDer('1.2.840.10045.2.1'), oidDer('1.3.132.0.10')])), tlv(0x03, Buffer.concat([Buffer.from([0]), point]))])),
    'unused bits in BIT STRING': tlv(0x30, Buffer.concat([ecAlg, tlv(0x03, Buffer.concat([Buffer.from([1]), point]))])),
    'Ed25519 with parameters': tlv(0x30, Buffer.concat([tlv(0x30, Buffer.concat([oidDer('1.3.101.112'), Buffer.from([5, 0])])), tlv(0x03, Buffer.alloc(33))])),
    'X25519 (no verifier)': tlv(0x30, Buffer.concat([tlv(0x30, oidDer('1.3.101.110')), tlv(0x03, Buffer.alloc(33))])),
    empty: Buffer.alloc(0),
  };
  const rsaDer = testKey('rsa-2048').spkiDer;
  // RSA without the NULL parameters Go requires.
  cases['RSA without NULL parameters'] = Buffer.concat([Buffer.from([0x30, 0x82]), Buffer.from([(rsaDer.length - 6) >> 8, (rsaDer.length - 6) & 0xff]), Buffer.from([0x30, 0x0b]), oidDer('1.2.840.113549.1.1.1'), rsaDer.subarray(4 + 15)]);
  for (const [name, bytes] of Object.entries(cases)) {
    assert.throws(() => parsePublicKeyDer(bytes), invalidArgument(/invalid public key/), name);
    assert.throws(() => parseClientVerifier(encodePem('PUBLIC KEY', bytes)), invalidArgument(), name);
  }
});

test('PEM envelope: wrong type, garbage before/after, not PEM at all', () => {
  const k = testKey('P-256');
  assert.throws(() => parseClientVerifier(encodePem('RSA PUBLIC KEY', k.spkiDer)), invalidArgument(/cannot handle type RSA PUBLIC KEY/));
  assert.throws(() => parseClientVerifier(`${k.pem}trailing`), invalidArgument(/failure decoding PEM/));
  assert.throws(() => parseClientVerifier(`leading\n${k.pem}`), invalidArgument(/failure decoding PEM/));
  assert.throws(() => parseClientVerifier(k.spkiDer), invalidArgument(/failure decoding PEM/));
  assert.throws(() => parseClientVerifier(''), invalidArgument(/failure decoding PEM/));
  // Two PUBLIC KEY blocks are read as a certificate chain, as Go's NewPublicKey does, and fail.
  assert.throws(() => parseClientVerifier(k.pem + k.pem), invalidArgument(/invalid certificate/));
});

test('certificates: canonical PEM is the DER as given; SANs in Go order and format', () => {
  const ca = testKey('P-384');
  const leaf = testKey('P-256');
  const san = sanDer({
    emails: ['Alice@Example.com'],
    dns: ['example.com'],
    uris: ['https://github.com/org/repo/.github/workflows/ci.yml@refs/heads/main'],
    ips: [Buffer.from([192, 0, 2, 1]), Buffer.from('20010db8000000000000000000000001', 'hex'), Buffer.from('00000000000000000000ffffc0000201', 'hex'), Buffer.from('00000000000000000000000000000001', 'hex'), Buffer.from('20010db8000000010000000000000000', 'hex')],
    otherNames: ['user@example.com'],
  });
  const der = buildCert({ subjectKey: leaf.publicKey, issuerKey: ca.privateKey, san });
  const v = parseClientVerifier(certPem(der));
  assert.equal(v.form, 'certificate');
  assert.equal(v.canonicalPem, certPem(der));
  assert.deepEqual(v.key.type, { alg: 'ecdsa', curve: 'P-256' });
  assert.deepEqual(Buffer.from(v.key.spki), leaf.spkiDer);
  assert.deepEqual(v.subjects, [
    'example.com',
    'Alice@Example.com',
    '192.0.2.1',
    '2001:db8::1',
    '192.0.2.1', // IPv4-mapped IPv6 prints as IPv4 in Go
    '::1',
    '2001:db8:0:1::',
    'https://github.com/org/repo/.github/workflows/ci.yml@refs/heads/main',
    'user@example.com',
  ]);
  assert.deepEqual(v.certificates[0]?.emails, ['Alice@Example.com']);
});

test('certificates: only one sigstore OtherName is indexed; other OtherName types are ignored', () => {
  const k = testKey('P-256');
  const two = parseClientVerifier(certPem(buildCert({ subjectKey: k.publicKey, issuerKey: k.privateKey, san: sanDer({ otherNames: ['a', 'b'] }) })));
  assert.deepEqual(two.subjects, []);
  const foreign = parseClientVerifier(certPem(buildCert({ subjectKey: k.publicKey, issuerKey: k.privateKey, san: sanDer({ otherNames: ['a'], otherNameOid: '1.3.6.1.4.1.311.20.2.3' }) })));
  assert.deepEqual(foreign.subjects, []);
});

test('certificates: malformed ones are refused', () => {
  const k = testKey('P-256');
  const der = buildCert({ subjectKey: k.publicKey, issuerKey: k.privateKey });
  assert.throws(() => parseClientVerifier(certPem(Buffer.concat([der, Buffer.from([0])]))), invalidArgument(/invalid certificate/));
  assert.throws(() => parseClientVerifier(certPem(der.subarray(0, der.length - 3))), invalidArgument(/invalid certificate/));
  const negative = buildCert({ subjectKey: k.publicKey, issuerKey: k.privateKey, serial: Buffer.from([0x80, 1]) });
  assert.throws(() => parseClientVerifier(certPem(negative)), invalidArgument(/serial/));
  const dup = buildCert({ subjectKey: k.publicKey, issuerKey: k.privateKey, extraExtensions: [{ oid: '1.2.3.4', critical: false, value: Buffer.from([5, 0]) }, { oid: '1.2.3.4', critical: false, value: Buffer.from([5, 0]) }] });
  assert.throws(() => parseClientVerifier(certPem(dup)), invalidArgument(/duplicate extensions/));
  const nonAsciiEmail = buildCert({ subjectKey: k.publicKey, issuerKey: k.privateKey, san: sanDer({ emails: ['\u00e9@x'] }) });
  assert.throws(() => parseClientVerifier(certPem(nonAsciiEmail)), invalidArgument(/rfc822Name is malformed/));
  const badIp = buildCert({ subjectKey: k.publicKey, issuerKey: k.privateKey, san: sanDer({ ips: [Buffer.from([1, 2, 3])] }) });
  assert.throws(() => parseClientVerifier(certPem(badIp)), invalidArgument(/IP address of length 3/));
});

test('certificate chains: parsed leaf first, canonical PEM concatenated, checked against the last certificate', () => {
  const root = testKey('P-384');
  const inter = testKey('rsa-2048');
  const leaf = testKey('ed25519');
  const t0 = new Date('2024-06-01T00:00:00Z');
  const rootDer = buildCert({ subjectKey: root.publicKey, issuerKey: root.privateKey, subject: 'root', issuer: 'root', ca: {} });
  const interDer = buildCert({ subjectKey: inter.publicKey, issuerKey: root.privateKey, subject: 'inter', issuer: 'root', ca: { pathLen: 0 } });
  const leafDer = buildCert({ subjectKey: leaf.publicKey, issuerKey: inter.privateKey, subject: 'leaf', issuer: 'inter', notBefore: t0, san: sanDer({ emails: ['x@y.z'] }) });
  const chain = parseClientVerifier(certPem(leafDer) + '\n' + certPem(interDer) + certPem(rootDer));
  assert.equal(chain.form, 'certificate-chain');
  assert.equal(chain.canonicalPem, certPem(leafDer) + certPem(interDer) + certPem(rootDer));
  assert.deepEqual(chain.key.type, { alg: 'ed25519' });
  assert.deepEqual(chain.subjects, ['x@y.z']);
  verifyCertificateChain(chain.certificates);

  // Wrong order of intermediates does not matter (pool semantics); a missing link does.
  const other = testKey('P-256');
  const strangerDer = buildCert({ subjectKey: other.publicKey, issuerKey: other.privateKey, subject: 'stranger', issuer: 'stranger', ca: {} });
  const broken = parseClientVerifier(certPem(leafDer) + certPem(interDer) + certPem(strangerDer));
  assert.throws(() => verifyCertificateChain(broken.certificates), (e: unknown) => e instanceof ProvenantError && e.code === 'invalid_entry' && /unknown authority/.test(e.message));
  // An intermediate that is not a CA cannot sign.
  const notCaDer = buildCert({ subjectKey: inter.publicKey, issuerKey: root.privateKey, subject: 'inter', issuer: 'root', ca: false });
  assert.throws(() => verifyCertificateChain(parseClientVerifier(certPem(leafDer) + certPem(notCaDer) + certPem(rootDer)).certificates), /unknown authority/);
  // Every certificate must be valid at the leaf's NotBefore.
  const lateRootDer = buildCert({ subjectKey: root.publicKey, issuerKey: root.privateKey, subject: 'root', issuer: 'root', ca: {}, notBefore: new Date('2025-01-01T00:00:00Z') });
  assert.throws(() => verifyCertificateChain(parseClientVerifier(certPem(leafDer) + certPem(interDer) + certPem(lateRootDer)).certificates), /unknown authority/);
  // More than 10 certificates are refused while parsing.
  assert.throws(() => parseClientVerifier(certPem(rootDer).repeat(11)), invalidArgument(/more than 10/));
});

test('parse results are cached and frozen', () => {
  const k = testKey('P-256');
  const a = parseClientVerifier(k.pem);
  assert.equal(parseClientVerifier(Buffer.from(k.pem)), a);
  assert.ok(Object.isFrozen(a));
  assert.ok(Object.isFrozen(a.key));
});

test('SSH SHA256 fingerprints match ssh-keygen', (t) => {
  let dir: string | undefined;
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return t.skip('ssh-keygen not installed');
  }
  try {
    dir = mkdtempSync(join(tmpdir(), 'provenant-ssh-'));
    // ssh-keygen cannot import an Ed25519 PKCS#8 key: generate one with it and build the SPKI.
    const edFile = join(dir, 'ed');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', edFile]);
    const wire = Buffer.from(execFileSync('cat', [`${edFile}.pub`]).toString().split(' ')[1] as string, 'base64');
    const edSpki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), wire.subarray(wire.length - 32)]);
    const edFp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${edFile}.pub`]).toString().split(' ')[1];
    assert.equal(sshSha256Fingerprint(parsePublicKeyDer(edSpki)), edFp, 'ed25519');
    for (const spec of ['P-256', 'P-384', 'P-521', 'rsa-2048'] as const) {
      const k = testKey(spec);
      const pemFile = join(dir, `${spec}.pem`);
      writeFileSync(pemFile, k.pem);
      const sshPub = execFileSync('ssh-keygen', ['-i', '-m', 'PKCS8', '-f', pemFile]).toString();
      const pubFile = join(dir, `${spec}.pub`);
      writeFileSync(pubFile, sshPub);
      const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile]).toString().split(' ')[1];
      assert.equal(sshSha256Fingerprint(parseClientVerifier(k.pem).key), fp, spec);
    }
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(sshSha256Fingerprint(parseClientVerifier(testKey('P-224').pem).key), undefined);
  void crypto;
});
