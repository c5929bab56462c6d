/**
 * Cross-check with sigstore-js: the proposed entries its RekorWitness sends
 * (@sigstore/sign witness/tlog/entry.js `toProposedEntry`) are accepted, and the canonical bodies we
 * produce pass its own tlog body verification (@sigstore/verify tlog `verifyTLogBody`) against the
 * signed content.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { decodeProposedEntry } from '../../src/log/kinds/index.ts';
import { REKOR_DEFAULT_ALGORITHM_POLICY } from '../../src/crypto/verify.ts';
import { pae } from '../../src/log/kinds/dsse-envelope.ts';
import { buildCert, certPem, sanDer, signMessage, testKey } from './helpers.ts';

const require = createRequire(import.meta.url);
const resolveIn = (pkg: string, file: string) => require.resolve(pkg).replace(/dist[/\\]index\.js$/, file);
const { toProposedEntry } = require(resolveIn('@sigstore/sign', 'dist/witness/tlog/entry.js')) as {
  toProposedEntry: (content: unknown, publicKey: string, entryType?: 'dsse' | 'intoto') => unknown;
};
const { verifyTLogBody } = require(resolveIn('@sigstore/verify', 'dist/tlog/index.js')) as { verifyTLogBody: (entry: unknown, content: unknown) => void };
const { MessageSignatureContent } = require(resolveIn('@sigstore/verify', 'dist/bundle/message.js')) as { MessageSignatureContent: new (m: unknown, a: Buffer) => unknown };
const { DSSESignatureContent } = require(resolveIn('@sigstore/verify', 'dist/bundle/dsse.js')) as { DSSESignatureContent: new (e: unknown) => unknown };

const opts = { policy: REKOR_DEFAULT_ALGORITHM_POLICY };
const SHA2_256 = 1; // protobuf-specs HashAlgorithm.SHA2_256

function fulcioLikeCert(): string {
  const ca = testKey('P-384');
  const leaf = testKey('P-256');
  return certPem(buildCert({ subjectKey: leaf.publicKey, issuerKey: ca.privateKey, san: sanDer({ emails: ['ci@example.com'] }) }));
}

test('sigstore-js hashedrekord proposal is accepted and its body verifies with @sigstore/verify', () => {
  const artifact = Buffer.from('sigstore-js artifact');
  for (const publicKey of [fulcioLikeCert(), testKey('P-256').pem]) {
    const messageSignature = {
      messageDigest: { algorithm: SHA2_256, digest: crypto.createHash('sha256').update(artifact).digest() },
      signature: crypto.sign('sha256', artifact, testKey('P-256').privateKey),
    };
    const proposed = toProposedEntry({ $case: 'messageSignature', messageSignature }, publicKey);
    const e = decodeProposedEntry(proposed, opts);
    verifyTLogBody({ kindVersion: { kind: e.kind, version: e.apiVersion }, canonicalizedBody: Buffer.from(e.body) }, new MessageSignatureContent(messageSignature, artifact));
    // A different signature must fail sigstore-js's body check.
    const other = { ...messageSignature, signature: crypto.sign('sha256', artifact, testKey('P-256').privateKey) };
    assert.throws(() => verifyTLogBody({ kindVersion: { kind: e.kind, version: e.apiVersion }, canonicalizedBody: Buffer.from(e.body) }, new MessageSignatureContent(other, artifact)));
  }
});

test('sigstore-js dsse and intoto (0.0.2) proposals are accepted and their bodies verify with @sigstore/verify', () => {
  const payload = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'x', digest: { sha256: '00'.repeat(32) } }], predicateType: 'p', predicate: {} }));
  const payloadType = 'application/vnd.in-toto+json';
  const cert = fulcioLikeCert();
  for (const keyid of ['', 'a-key-id']) {
    const dsseEnvelope = { payload, payloadType, signatures: [{ keyid, sig: signMessage(testKey('P-256'), pae(payloadType, payload)) }] };
    for (const entryType of ['dsse', 'intoto'] as const) {
      const proposed = toProposedEntry({ $case: 'dsseEnvelope', dsseEnvelope }, cert, entryType);
      const e = decodeProposedEntry(proposed, opts);
      assert.equal(e.kind, entryType);
      assert.equal(e.apiVersion, entryType === 'dsse' ? '0.0.1' : '0.0.2');
      verifyTLogBody({ kindVersion: { kind: e.kind, version: e.apiVersion }, canonicalizedBody: Buffer.from(e.body) }, new DSSESignatureContent(dsseEnvelope));
      assert.ok(e.indexKeys.includes('ci@example.com'));
      assert.ok(e.indexKeys.includes(`sha256:${'00'.repeat(32)}`));
    }
  }
});
