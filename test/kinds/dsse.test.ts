import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ProvenantError, type ErrorCode } from '../../src/errors.ts';
import { decodeProposedEntry } from '../../src/log/kinds/index.ts';
import { REKOR_DEFAULT_ALGORITHM_POLICY } from '../../src/crypto/verify.ts';
import { pae } from '../../src/log/kinds/dsse-envelope.ts';
import { b64, buildCert, certPem, p1363, sanDer, signMessage, testKey, type KeySpec, type TestKey } from './helpers.ts';

const opts = { policy: REKOR_DEFAULT_ALGORITHM_POLICY };
const sha256 = (b: Uint8Array | string) => crypto.createHash('sha256').update(b).digest('hex');
const fails = (code: ErrorCode, re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof ProvenantError, String(e));
  assert.equal(e.code, code, e.message);
  assert.match(e.message, re);
  return true;
};
const bodyOf = (e: { body: Uint8Array }) => JSON.parse(Buffer.from(e.body).toString());

const STATEMENT = Buffer.from(
  JSON.stringify({
    _type: 'https://in-toto.io/Statement/v0.1',
    predicateType: 'https://slsa.dev/provenance/v0.2',
    subject: [{ name: 'a.tgz', digest: { sha256: 'AB'.repeat(32), sha512: 'cd'.repeat(64) } }],
    predicate: { builder: { id: 'https://ci' }, buildType: 't', materials: [{ uri: 'git+https://x', digest: { sha1: 'ef'.repeat(20) } }] },
  }),
);
const IN_TOTO = 'application/vnd.in-toto+json';

function envelope(payload: Buffer, payloadType: string, signers: TestKey[], keyid = ''): { env: Record<string, unknown>; sigs: string[] } {
  const sigs = signers.map((k) => b64(signMessage(k, pae(payloadType, payload))));
  return { env: { payload: b64(payload), payloadType, signatures: sigs.map((sig) => ({ keyid, sig })) }, sigs };
}

const dsse = (env: unknown, verifiers: string[]) => ({
  apiVersion: '0.0.1',
  kind: 'dsse',
  spec: { proposedContent: { envelope: typeof env === 'string' ? env : JSON.stringify(env), verifiers: verifiers.map((v) => b64(v)) } },
});

test('dsse: multi-signature envelope, signatures sorted, verifiers canonicalised, index keys', () => {
  const keys = (['P-256', 'ed25519', 'rsa-2048', 'P-384'] as KeySpec[]).map(testKey);
  const { env, sigs } = envelope(STATEMENT, IN_TOTO, keys);
  const envText = JSON.stringify(env);
  // Verifiers in another order than the signatures, one of them a certificate.
  const cert = buildCert({ subjectKey: keys[1]!.publicKey, issuerKey: keys[0]!.privateKey, san: sanDer({ emails: ['Signer@Example.com'] }) });
  const verifierPems = [keys[3]!.pem, certPem(cert), keys[0]!.pem, keys[2]!.pem];
  const e = decodeProposedEntry(dsse(envText, verifierPems), opts);
  const body = bodyOf(e);
  const pemBySig = new Map([
    [sigs[0], keys[0]!.pem],
    [sigs[1], certPem(cert)],
    [sigs[2], keys[2]!.pem],
    [sigs[3], keys[3]!.pem],
  ]);
  const sorted = [...sigs].sort();
  assert.deepEqual(body, {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256(envText) },
      payloadHash: { algorithm: 'sha256', value: sha256(STATEMENT) },
      signatures: sorted.map((s) => ({ signature: s, verifier: b64(pemBySig.get(s) as string) })),
    },
  });
  const keyKeys = sorted.flatMap((s) => [`sha256:${sha256(pemBySig.get(s) as string)}`, ...(s === sigs[1] ? ['signer@example.com'] : [])]);
  assert.deepEqual(e.indexKeys, [
    ...keyKeys,
    `sha256:${sha256(STATEMENT)}`,
    `sha256:${sha256(envText)}`,
    `sha256:${'ab'.repeat(32)}`,
    `sha512:${'cd'.repeat(64)}`,
    `sha1:${'ef'.repeat(20)}`,
  ]);
});

test('dsse: verifier mismatch, unverified signature, bad envelope are refused', () => {
  const [a, b] = [testKey('P-256'), testKey('P-384')];
  const { env } = envelope(STATEMENT, IN_TOTO, [a]);
  assert.throws(() => decodeProposedEntry(dsse(env, [b.pem]), opts), fails('invalid_entry', /could not verify envelope: accepted signatures do not match threshold, Found: 0, Expected 1/));
  // A second verifier that verifies nothing is fine once every signature is verified (Rekor stops early)…
  assert.equal(decodeProposedEntry(dsse(env, [a.pem, b.pem]), opts).kind, 'dsse');
  // …but not before.
  assert.throws(() => decodeProposedEntry(dsse(env, [b.pem, a.pem]), opts), fails('invalid_entry', /could not verify envelope/));
  // Every verifier must be a key: all are parsed and de-duplicated before any verification (Rekor v1
  // never parses verifiers after the last signature is verified; rekor-tiles validates them all).
  assert.throws(() => decodeProposedEntry(dsse(env, [a.pem, 'junk']), opts), fails('invalid_argument', /could not parse public key as x509/));
  const two = envelope(STATEMENT, IN_TOTO, [a, b]).env;
  assert.throws(() => decodeProposedEntry(dsse(two, [a.pem]), opts), fails('invalid_entry', /all signatures must have a key that verifies it/));
  // Tampered payload.
  const tampered = { ...env, payload: b64(Buffer.concat([STATEMENT, Buffer.from(' ')])) };
  assert.throws(() => decodeProposedEntry(dsse(tampered, [a.pem]), opts), fails('invalid_entry', /could not verify envelope/));
  assert.throws(() => decodeProposedEntry(dsse('{not json', [a.pem]), opts), fails('invalid_argument', /error processing entry: /));
  assert.throws(() => decodeProposedEntry(dsse({ ...env, signatures: [] }, [a.pem]), opts), fails('invalid_argument', /DSSE envelope must contain 1 or more signatures/));
  assert.throws(() => decodeProposedEntry(dsse({ ...env, payloadType: 5 }, [a.pem]), opts), fails('invalid_argument', /cannot unmarshal number/));
  assert.throws(() => decodeProposedEntry(dsse(env, ['junk']), opts), fails('invalid_argument', /could not parse public key as x509: invalid public key: failure decoding PEM/));
  assert.throws(() => decodeProposedEntry(dsse({ ...env, payload: '!!' }, [a.pem]), opts), fails('invalid_entry', /unable to base64 decode payload/));
});

test('dsse: envelope details read as Go does (case-insensitive names, URL-safe base64, P1363, key IDs ignored)', () => {
  const k = testKey('P-256');
  const payload = Buffer.from([0xfb, 0xff, 0xfe, 0x00]); // '+' and '/' in standard base64
  const sig = signMessage(k, pae('text/plain', payload));
  const env = { PayloadType: 'text/plain', PAYLOAD: payload.toString('base64url') + '==', signatures: [{ keyid: 'whatever', sig: p1363(sig, 'P-256').toString('base64') }] };
  const e = decodeProposedEntry(dsse(env, [k.pem]), opts);
  assert.equal(bodyOf(e).spec.payloadHash.value, sha256(payload));
  // Not in-toto: no statement keys.
  assert.equal(e.indexKeys.length, 3);
  // P-224 keys verify DSSE (Go's ECDSA verifier takes any curve; only hashedrekord has an allow-list).
  const small = testKey('P-224');
  assert.equal(decodeProposedEntry(dsse(envelope(STATEMENT, IN_TOTO, [small]).env, [small.pem]), opts).kind, 'dsse');
});

test('dsse: proposedContent and read-side fields are exclusive; schema minItems; base64 errors', () => {
  const k = testKey('P-256');
  const { env } = envelope(STATEMENT, IN_TOTO, [k]);
  const p = dsse(env, [k.pem]) as { spec: Record<string, unknown> };
  const both = { ...p, spec: { ...p.spec, envelopeHash: { algorithm: 'sha256', value: 'x' } } };
  assert.throws(() => decodeProposedEntry(both, opts), fails('invalid_argument', /must be present but not both/));
  const readSide = { ...p, spec: { envelopeHash: { algorithm: 'sha256', value: 'x' }, payloadHash: { algorithm: 'sha256', value: 'y' }, signatures: [{ signature: 'AAAA', verifier: 'AAAA' }] } };
  assert.throws(() => decodeProposedEntry(readSide, opts), fails('invalid_argument', /entry not insertable into log: missing proposed content/));
  assert.throws(() => decodeProposedEntry({ ...p, spec: {} }, opts), fails('invalid_argument', /either proposedContent or envelopeHash, payloadHash, and signatures must be present/));
  const noVerifiers = { ...p, spec: { proposedContent: { envelope: JSON.stringify(env), verifiers: [] } } };
  assert.throws(() => decodeProposedEntry(noVerifiers, opts), fails('invalid_argument', /proposedContent\.verifiers in body should have at least 1 items/));
  const emptyVerifiers = { ...p, spec: { proposedContent: { envelope: JSON.stringify(env), verifiers: [''] } } };
  assert.throws(() => decodeProposedEntry(emptyVerifiers, opts), fails('invalid_argument', /should have at least 1 items/));
  const noEnvelope = { ...p, spec: { proposedContent: { verifiers: [b64(k.pem)] } } };
  assert.throws(() => decodeProposedEntry(noEnvelope, opts), fails('invalid_argument', /proposedContent\.envelope in body is required/));
  const badB64 = { ...p, spec: { proposedContent: { envelope: JSON.stringify(env), verifiers: ['%%%%'] } } };
  assert.throws(() => decodeProposedEntry(badB64, opts), fails('invalid_argument', /failed parsing base64 data for verifier/));
});

// --- intoto ---------------------------------------------------------------------------------------

test('intoto 0.0.2: double-encoded payload and signatures; hash stored as sent; keys not re-canonicalised', () => {
  const [a, b] = [testKey('P-256'), testKey('ed25519')];
  const sigA = signMessage(a, pae(IN_TOTO, STATEMENT));
  const sigB = signMessage(b, pae(IN_TOTO, STATEMENT));
  const dsseSigA = sigA.toString('base64');
  const dsseSigB = sigB.toString('base64');
  const sloppyPemA = a.pem.replace(/\n/g, '\r\n'); // stored as sent, canonicalised for the index only
  const proposed = {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: {
          payloadType: IN_TOTO,
          payload: b64(STATEMENT.toString('base64')), // base64 of the DSSE base64 text
          signatures: [
            { keyid: '', sig: b64(dsseSigA), publicKey: b64(sloppyPemA) },
            { keyid: 'kid-b', sig: b64(dsseSigB), publicKey: b64(b.pem) },
          ],
        },
        hash: { algorithm: 'sha256', value: 'client-computed, not checked' },
        payloadHash: { algorithm: 'sha256', value: 'replaced by the server' },
      },
    },
  };
  const e = decodeProposedEntry(proposed, opts);
  assert.deepEqual(bodyOf(e), {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: {
          payloadType: IN_TOTO,
          signatures: [
            { publicKey: b64(sloppyPemA), sig: b64(dsseSigA) },
            { keyid: 'kid-b', publicKey: b64(b.pem), sig: b64(dsseSigB) },
          ],
        },
        hash: { algorithm: 'sha256', value: 'client-computed, not checked' },
        payloadHash: { algorithm: 'sha256', value: sha256(STATEMENT) },
      },
    },
  });
  assert.deepEqual(e.indexKeys, [
    `sha256:${sha256(a.pem)}`,
    `sha256:${sha256(b.pem)}`,
    `sha256:${sha256(STATEMENT)}`,
    `sha256:${'ab'.repeat(32)}`,
    `sha512:${'cd'.repeat(64)}`,
    `sha1:${'ef'.repeat(20)}`,
  ]);

  // Single-encoded (the "obvious" form) does not verify: the DSSE payload would be the raw statement bytes.
  const single = structuredClone(proposed);
  single.spec.content.envelope.payload = STATEMENT.toString('base64');
  assert.throws(() => decodeProposedEntry(single, opts), fails('invalid_entry', /could not verify envelope/));
  const singleSig = structuredClone(proposed);
  singleSig.spec.content.envelope.signatures[0]!.sig = dsseSigA;
  assert.throws(() => decodeProposedEntry(singleSig, opts), fails('invalid_entry', /could not verify envelope/));
  // A key that verifies none of the signatures.
  const wrongKey = structuredClone(proposed);
  wrongKey.spec.content.envelope.signatures[1]!.publicKey = b64(testKey('P-384').pem);
  assert.throws(() => decodeProposedEntry(wrongKey, opts), fails('invalid_entry', /could not verify envelope: accepted signatures do not match threshold/));
  // The envelope hash is required (Rekor: 500 "missing envelope digest"; we answer 400).
  const noHash = structuredClone(proposed) as { spec: { content: Record<string, unknown> } };
  delete noHash.spec.content.hash;
  assert.throws(() => decodeProposedEntry(noHash, opts), fails('invalid_argument', /missing envelope digest/));
  const noPayload = structuredClone(proposed) as { spec: { content: { envelope: Record<string, unknown> } } };
  delete noPayload.spec.content.envelope.payload;
  assert.throws(() => decodeProposedEntry(noPayload, opts), fails('invalid_argument', /entry not insertable into log: missing envelope content/));
  const noSigs = structuredClone(proposed) as { spec: { content: { envelope: Record<string, unknown> } } };
  noSigs.spec.content.envelope.signatures = [];
  assert.throws(() => decodeProposedEntry(noSigs, opts), fails('invalid_argument', /content\.envelope\.signatures in body should have at least 1 items/));
});

test('intoto 0.0.2: free-text fields with lone surrogates are stored as Go decodes them (U+FFFD)', () => {
  const k = testKey('P-256');
  const payload = Buffer.from('x');
  const sig = signMessage(k, pae('text/plain', payload)).toString('base64');
  const proposed = {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: { content: { envelope: { payloadType: 'text/plain', payload: b64(payload.toString('base64')), signatures: [{ keyid: 'k\ud800', sig: b64(sig), publicKey: b64(k.pem) }] }, hash: { algorithm: 'sha256', value: 'v\udfff' } } },
  };
  const spec = bodyOf(decodeProposedEntry(proposed, opts)).spec;
  assert.equal(spec.content.envelope.signatures[0].keyid, 'k\ufffd');
  assert.equal(spec.content.hash.value, 'v\ufffd');
});

test('intoto 0.0.2: an in-toto payload that is not a statement is logged with no index keys (Rekor IndexKeys fails)', () => {
  const k = testKey('P-256');
  const payload = Buffer.from('not json');
  const sig = signMessage(k, pae(IN_TOTO, payload)).toString('base64');
  const proposed = {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: { content: { envelope: { payloadType: IN_TOTO, payload: b64(payload.toString('base64')), signatures: [{ sig: b64(sig), publicKey: b64(k.pem) }] }, hash: { algorithm: 'sha256', value: 'x' } } },
  };
  assert.deepEqual(decodeProposedEntry(proposed, opts).indexKeys, []);
});

test('intoto 0.0.1: envelope string verified by one key; hashes computed by the server', () => {
  const k = testKey('rsa-2048');
  const { env } = envelope(STATEMENT, IN_TOTO, [k]);
  const envText = JSON.stringify(env);
  const proposed = (e: unknown, key = k.pem) => ({
    apiVersion: '0.0.1',
    kind: 'intoto',
    spec: { publicKey: b64(key), content: { envelope: typeof e === 'string' ? e : JSON.stringify(e), hash: { algorithm: 'sha256', value: 'ignored' } } },
  });
  const e = decodeProposedEntry(proposed(envText), opts);
  assert.deepEqual(bodyOf(e), {
    apiVersion: '0.0.1',
    kind: 'intoto',
    spec: { content: { hash: { algorithm: 'sha256', value: sha256(envText) }, payloadHash: { algorithm: 'sha256', value: sha256(STATEMENT) } }, publicKey: b64(k.pem) },
  });
  assert.deepEqual(e.indexKeys, [
    `sha256:${sha256(envText)}`,
    `sha256:${sha256(k.pem)}`,
    `sha256:${sha256(STATEMENT)}`,
    `sha256:${'ab'.repeat(32)}`,
    `sha512:${'cd'.repeat(64)}`,
    `sha1:${'ef'.repeat(20)}`,
  ]);
  // One valid signature among several suffices.
  const other = testKey('P-256');
  const mixed = { ...env, signatures: [...(env.signatures as object[]), { keyid: '', sig: b64(signMessage(other, pae(IN_TOTO, STATEMENT))) }] };
  assert.equal(decodeProposedEntry(proposed(mixed), opts).kind, 'intoto');
  assert.throws(() => decodeProposedEntry(proposed(env, other.pem), opts), fails('invalid_entry', /accepted signatures do not match threshold/));
  // A keyid other than the key's SSH fingerprint makes the signature be skipped.
  assert.throws(() => decodeProposedEntry(proposed(envelope(STATEMENT, IN_TOTO, [k], 'some-id').env), opts), fails('invalid_entry', /accepted signatures do not match threshold/));
  assert.throws(() => decodeProposedEntry({ apiVersion: '0.0.1', kind: 'intoto', spec: { publicKey: b64(k.pem), content: {} } }, opts), fails('invalid_argument', /missing envelope content/));
  assert.throws(() => decodeProposedEntry({ apiVersion: '0.0.1', kind: 'intoto', spec: { content: { envelope: envText } } }, opts), fails('invalid_argument', /publicKey in body is required/));
  assert.throws(() => decodeProposedEntry(proposed({ ...env, payloadType: '' }), opts), (e: unknown) => e instanceof ProvenantError);
});

// --- rekord ---------------------------------------------------------------------------------------

test('rekord 0.0.1 x509: artifact verified with SHA-256; hash computed; other formats refused', () => {
  const data = Buffer.from('artifact bytes');
  for (const spec of ['P-256', 'P-384', 'rsa-2048', 'ed25519'] as KeySpec[]) {
    const k = testKey(spec);
    const sig = signMessage(k, data, 'sha256');
    const proposed = { apiVersion: '0.0.1', kind: 'rekord', spec: { signature: { format: 'x509', content: b64(sig), publicKey: { content: b64(k.pem) } }, data: { content: b64(data) } } };
    const e = decodeProposedEntry(proposed, opts);
    assert.deepEqual(bodyOf(e).spec, { data: { hash: { algorithm: 'sha256', value: sha256(data) } }, signature: { content: b64(sig), format: 'x509', publicKey: { content: b64(k.pem) } } });
    assert.deepEqual(e.indexKeys, [sha256(k.pem), `sha256:${sha256(data)}`]);
    const withHash = structuredClone(proposed) as { spec: { data: Record<string, unknown> } };
    withHash.spec.data.hash = { algorithm: 'sha256', value: sha256(data) };
    assert.deepEqual(decodeProposedEntry(withHash, opts).body, e.body);
    withHash.spec.data.hash = { algorithm: 'sha256', value: sha256('other') };
    assert.throws(() => decodeProposedEntry(withHash, opts), fails('invalid_argument', /SHA mismatch/));
    const tampered = structuredClone(proposed);
    tampered.spec.data.content = b64(Buffer.from('artifact bytez'));
    assert.throws(() => decodeProposedEntry(tampered, opts), fails('invalid_entry', /^error processing entry: /), spec);
  }
  const k = testKey('P-256');
  const pgp = { apiVersion: '0.0.1', kind: 'rekord', spec: { signature: { format: 'pgp', content: 'AAAA', publicKey: { content: 'AAAA' } }, data: { content: 'AAAA' } } };
  assert.throws(() => decodeProposedEntry(pgp, opts), fails('invalid_argument', /signature format "pgp" is not supported/));
  const noContent = { apiVersion: '0.0.1', kind: 'rekord', spec: { signature: { format: 'x509', content: 'AAAA', publicKey: { content: b64(k.pem) } }, data: { hash: { algorithm: 'sha256', value: sha256('x') } } } };
  assert.throws(() => decodeProposedEntry(noContent, opts), fails('invalid_argument', /entry not insertable into log: missing data content/));
  const badFormat = { ...pgp, spec: { ...pgp.spec, signature: { ...pgp.spec.signature, format: 'gpg' } } };
  assert.throws(() => decodeProposedEntry(badFormat, opts), fails('invalid_argument', /signature\.format in body should be one of \[pgp minisign x509 ssh\]/));
});
