/**
 * Production Rekor entries (test/vectors/rekor, copied from ../shared/vectors): rebuilding the proposed entry a client sent from
 * each bundle and decoding it must reproduce the stored canonical body byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeProposedEntry, kindFromBody } from '../../src/log/kinds/index.ts';
import { REKOR_DEFAULT_ALGORITHM_POLICY } from '../../src/crypto/verify.ts';
import { encodePem } from '../../src/encoding/pem.ts';
import { leafHash } from './helpers.ts';
import { VECTORS_DIR } from '../helpers/vectors.ts';
import { join } from 'node:path';

const load = (name: string) => JSON.parse(readFileSync(join(VECTORS_DIR, 'rekor', name), 'utf8'));
const opts = { policy: REKOR_DEFAULT_ALGORITHM_POLICY };
const certPemB64 = (rawBytesB64: string) => Buffer.from(encodePem('CERTIFICATE', Buffer.from(rawBytesB64, 'base64'))).toString('base64');

test('production hashedrekord entry: body reproduced byte for byte', () => {
  const b = load('hashedrekord-production.bundle.json');
  const tle = b.verificationMaterial.tlogEntries[0];
  const stored = Buffer.from(tle.canonicalizedBody, 'base64');
  const proposed = {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: Buffer.from(b.messageSignature.messageDigest.digest, 'base64').toString('hex') } },
      signature: { content: b.messageSignature.signature, publicKey: { content: certPemB64(b.verificationMaterial.certificate.rawBytes) } },
    },
  };
  const e = decodeProposedEntry(proposed, opts);
  assert.equal(Buffer.from(e.body).toString(), stored.toString());
  assert.equal(leafHash(e.body), leafHash(stored));
  assert.deepEqual(kindFromBody(e.body), { kind: tle.kindVersion.kind, apiVersion: tle.kindVersion.version });
  assert.deepEqual(e.indexKeys, [
    '1b0718db649a28b0aec40e7bc4a47721418e165b4119bfc2ac8e305a62af007d',
    'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
    'sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf',
  ]);
});

test('production dsse entry: body reproduced byte for byte from the bundle envelope', () => {
  const b = load('dsse-production.bundle.json');
  const tle = b.verificationMaterial.tlogEntries[0];
  const stored = Buffer.from(tle.canonicalizedBody, 'base64');
  // The client (sigstore-js) sent JSON.stringify of the envelope in its JSON form; Rekor hashes that string.
  const proposed = {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: { proposedContent: { envelope: JSON.stringify(b.dsseEnvelope), verifiers: [certPemB64(b.verificationMaterial.certificate.rawBytes)] } },
  };
  const e = decodeProposedEntry(proposed, opts);
  assert.equal(Buffer.from(e.body).toString(), stored.toString());
  assert.equal(leafHash(e.body), leafHash(stored));
  assert.deepEqual(kindFromBody(stored), { kind: 'dsse', apiVersion: '0.0.1' });
  const storedSpec = JSON.parse(stored.toString()).spec;
  assert.deepEqual(e.indexKeys, [
    `sha256:7aea82bc5d676dbc0c818fa35d7d88a95042a6205a9c215995be33b5877777d9`,
    'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
    `sha256:${storedSpec.payloadHash.value}`,
    `sha256:${storedSpec.envelopeHash.value}`,
    // the in-toto statement's subject digest
    'sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf',
  ]);
  // A different serialisation of the same envelope is a different entry (envelopeHash covers the string).
  const reordered = { ...proposed, spec: { proposedContent: { ...proposed.spec.proposedContent, envelope: JSON.stringify(b.dsseEnvelope, null, 1) } } };
  assert.notEqual(leafHash(decodeProposedEntry(reordered, opts).body), leafHash(stored));
});
