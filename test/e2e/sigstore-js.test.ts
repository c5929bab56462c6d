/**
 * Real client end to end: sigstore-js writes hashedrekord and dsse entries to a live instance with
 * RekorWitness, and @sigstore/verify verifies the bundles (SET, inclusion proof, checkpoint)
 * against a TrustedRoot holding this log's key.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bundleFromJSON, bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder, RekorWitness } from '@sigstore/sign';
import { toSignedEntity, Verifier } from '@sigstore/verify';
import { startLive, type LiveInstance } from '../helpers/instance.ts';
import { keySigner, trustedRootJson, trustMaterialFor } from '../helpers/sigstore.ts';

describe('sigstore-js against a live instance', () => {
  let live: LiveInstance;
  const signer = keySigner();
  let verifier: Verifier;
  before(async () => {
    live = await startLive();
    const root = trustedRootJson({ logUrl: live.url, logSpki: live.instance.log.signer.publicKeyDer });
    verifier = new Verifier(trustMaterialFor(root, signer), { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
  });
  after(() => live.stop());

  const verifyJson = (json: unknown, data?: Buffer) => verifier.verify(toSignedEntity(bundleFromJSON(json), data));

  it('hashedrekord: sign, log, verify; tampering is caught', async () => {
    const data = Buffer.from('an artifact signed by sigstore-js');
    // A filler entry first, so that the proof below has a hash to alter (sigstore-js checks the
    // path against the checkpoint's root, not against inclusionProof.rootHash).
    await live.instance.log.append({ body: Buffer.from('{"filler":true}') });
    const bundle = await new MessageSignatureBundleBuilder({ signer, witnesses: [new RekorWitness({ rekorBaseURL: live.url })] }).create({ data });
    const json = bundleToJSON(bundle) as any;
    assert.equal(json.verificationMaterial.tlogEntries[0].kindVersion.kind, 'hashedrekord');
    verifyJson(json, data);
    assert.throws(() => verifyJson(json, Buffer.from('tampered')));
    const noSet = structuredClone(json);
    delete noSet.verificationMaterial.tlogEntries[0].inclusionPromise;
    delete noSet.verificationMaterial.tlogEntries[0].inclusionProof;
    assert.throws(() => verifyJson(noSet, data));
    const badProof = structuredClone(json);
    const hashes = badProof.verificationMaterial.tlogEntries[0].inclusionProof.hashes;
    assert.ok(hashes.length > 0);
    hashes[0] = Buffer.alloc(32, 7).toString('base64');
    assert.throws(() => verifyJson(badProof, data), /inclusion proof|root hash/i);
  });

  it('dsse: attest, log, verify', async () => {
    const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a', digest: { sha256: 'ab'.repeat(32) } }], predicateType: 'https://example.com/p', predicate: {} }));
    const bundle = await new DSSEBundleBuilder({ signer, witnesses: [new RekorWitness({ rekorBaseURL: live.url, entryType: 'dsse' })] }).create({ data: statement, type: 'application/vnd.in-toto+json' });
    const json = bundleToJSON(bundle) as any;
    assert.equal(json.verificationMaterial.tlogEntries[0].kindVersion.kind, 'dsse');
    verifyJson(json);
  });

  it('intoto: attest with the intoto entry type, log, verify', async () => {
    const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'b', digest: { sha256: 'cd'.repeat(32) } }], predicateType: 'https://example.com/p', predicate: {} }));
    const bundle = await new DSSEBundleBuilder({ signer, witnesses: [new RekorWitness({ rekorBaseURL: live.url, entryType: 'intoto' })] }).create({ data: statement, type: 'application/vnd.in-toto+json' });
    const json = bundleToJSON(bundle) as any;
    assert.equal(json.verificationMaterial.tlogEntries[0].kindVersion.kind, 'intoto');
    verifyJson(json);
  });

  it('a duplicate is fetched back by the client (409 then GET) and still verifies', async () => {
    const data = Buffer.from('same bytes twice');
    const fixed = { ...signer, sign: async (d: Buffer) => ({ ...(await signer.sign(d)) }) };
    const first = await fixed.sign(data);
    const constant = { ...signer, sign: async () => first };
    const b1 = await new MessageSignatureBundleBuilder({ signer: constant, witnesses: [new RekorWitness({ rekorBaseURL: live.url })] }).create({ data });
    const b2 = await new MessageSignatureBundleBuilder({ signer: constant, witnesses: [new RekorWitness({ rekorBaseURL: live.url, fetchOnConflict: true })] }).create({ data });
    assert.equal(bundleToJSON(b2).verificationMaterial!.tlogEntries[0]!.logIndex, bundleToJSON(b1).verificationMaterial!.tlogEntries[0]!.logIndex);
    verifyJson(bundleToJSON(b2), data);
  });
});
