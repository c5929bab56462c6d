/**
 * One private Sigstore, end to end with sigstore-js: a server started as the README says, a dev
 * token, keyless sign (hashedrekord), attest (dsse) and legacy attest (intoto) through our CA, log
 * and TSA; verification with the instance's own trusted_root.json, thresholds 1 and a policy.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bundleFromJSON } from '@sigstore/bundle';
import { SigningConfig, TrustedRoot } from '@sigstore/protobuf-specs';
import { bundleBuilderFromSigningConfig } from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { attest, sign } from 'sigstore';
import { generateCaChain } from '../../src/x509/ca-material.ts';
import { TestIssuer } from '../ca/helpers.ts';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

describe('keyless signing against a live instance (sigstore-js)', () => {
  let srv: ServerProcess;
  let issuer: TestIssuer;
  let configDir: string;
  let root: any;
  let token: string;
  const identity = { sub: 'alice', email: 'alice@example.com', email_verified: true };

  before(async () => {
    issuer = await TestIssuer.start();
    configDir = mkdtempSync(join(tmpdir(), 'keyless-'));
    const caConfig = join(configDir, 'fulcio.yaml');
    writeFileSync(caConfig, `oidc-issuers:\n  ${issuer.url}:\n    issuer-url: ${issuer.url}\n    client-id: sigstore\n    type: email\n`);
    srv = await startServerProcess({ PROVENANT_CA_CONFIG: caConfig });
    root = await (await fetch(`${srv.url}/trust/trusted_root.json`)).json();
    // Valid for the whole suite on a slow machine.
    token = await issuer.mint({ ...identity, exp: Math.floor(Date.now() / 1000) + 1800 });
  });
  after(async () => {
    await srv?.stop();
    await issuer?.close();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  const opts = () => ({ fulcioURL: srv.url, rekorURL: srv.url, tsaServerURL: `${srv.url}/api/v1/timestamp`, identityToken: token });
  const verifier = (r: any = root) => new Verifier(toTrustMaterial(TrustedRoot.fromJSON(r)), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 });
  const policy = () => ({ subjectAlternativeName: 'alice@example.com', extensions: { issuer: issuer.url } });
  const check = (bundle: unknown, data?: Buffer, r?: any, p = policy()) => verifier(r).verify(toSignedEntity(bundleFromJSON(bundle), data), p);

  it('the trusted root describes this instance', () => {
    assert.equal(root.mediaType, 'application/vnd.dev.sigstore.trustedroot+json;version=0.1');
    assert.equal(root.tlogs[0].baseUrl, srv.url);
    assert.equal(root.tlogs.length, 1);
    assert.equal(root.ctlogs.length, 1);
    assert.equal(root.certificateAuthorities[0].certChain.certificates.length, 2);
    assert.equal(root.timestampAuthorities[0].certChain.certificates.length, 3);
    for (const x of [...root.tlogs, ...root.ctlogs]) assert.ok(new Date(x.publicKey.validFor.start) <= new Date());
  });

  it('sign (hashedrekord) → verify with identity policy; tampered artifact, wrong identity, altered proof fail', async () => {
    // A filler entry first, so the proof has a hash to alter.
    await sign(Buffer.from('filler'), opts());
    const data = Buffer.from('hello, private sigstore');
    const bundle: any = await sign(data, opts());
    assert.equal(bundle.verificationMaterial.tlogEntries[0].kindVersion.kind, 'hashedrekord');
    assert.equal(bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps.length, 1);
    const signer = check(bundle, data);
    assert.equal(signer.identity?.subjectAlternativeName, 'alice@example.com');
    assert.throws(() => check(bundle, Buffer.from('tampered')));
    assert.throws(() => check(bundle, data, root, { subjectAlternativeName: 'mallory@example.com', extensions: { issuer: issuer.url } }));
    const badProof = structuredClone(bundle);
    badProof.verificationMaterial.tlogEntries[0].inclusionProof.hashes[0] = Buffer.alloc(32, 9).toString('base64');
    assert.throws(() => check(badProof, data));
  });

  it('without the SET and the TSA timestamp there is no trusted time: verification fails', async () => {
    const data = Buffer.from('no SET');
    const bundle: any = await sign(data, { ...opts(), tsaServerURL: undefined });
    check(bundle, data); // the SET's integrated time is the timestamp
    const noSet = structuredClone(bundle);
    delete noSet.verificationMaterial.tlogEntries[0].inclusionPromise;
    assert.throws(() => check(noSet, data));
  });

  it('a certificate from another CA fails', async () => {
    const data = Buffer.from('other CA');
    const bundle: any = await sign(data, opts());
    const other = structuredClone(root);
    const ders = generateCaChain({ now: new Date() }).chain.map((c) => c.der);
    assert.ok(ders.length > 0, 'another CA chain');
    other.certificateAuthorities[0].certChain.certificates = ders.map((d) => ({ rawBytes: Buffer.from(d).toString('base64') }));
    assert.throws(() => check(bundle, data, other));
  });

  it('attest (dsse) and legacy attest (intoto) → verify', async () => {
    const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'x', digest: { sha256: 'ef'.repeat(32) } }], predicateType: 'https://example.com/p', predicate: {} }));
    const dsse: any = await attest(statement, 'application/vnd.in-toto+json', opts());
    assert.equal(dsse.verificationMaterial.tlogEntries[0].kindVersion.kind, 'dsse');
    check(dsse);
    const legacy: any = await attest(statement, 'application/vnd.in-toto+json', { ...opts(), legacyCompatibility: true });
    assert.equal(legacy.verificationMaterial.tlogEntries[0].kindVersion.kind, 'intoto');
    check(legacy);
  });

  it('signing_config.json drives @sigstore/sign end to end (CA, log and TSA from the config)', async () => {
    const json = await (await fetch(`${srv.url}/trust/signing_config.json`)).json();
    const config = SigningConfig.fromJSON(json);
    assert.equal(config.caUrls[0]?.url, srv.url);
    assert.equal(TrustedRoot.toJSON(TrustedRoot.fromJSON(root)) !== undefined, true);
    const builder = bundleBuilderFromSigningConfig({ signingConfig: config, identityProvider: { getToken: async () => token }, bundleType: 'messageSignature' });
    const data = Buffer.from('signed from the signing config');
    const bundle = await builder.create({ data });
    const { bundleToJSON } = await import('@sigstore/bundle');
    const j: any = bundleToJSON(bundle);
    assert.equal(j.verificationMaterial.timestampVerificationData.rfc3161Timestamps.length, 1);
    check(j, data);
  });

  it('the leaf certificate carries the token identity', async () => {
    const bundle: any = await sign(Buffer.from('cert'), opts());
    const vm = bundle.verificationMaterial;
    const der = Buffer.from((vm.certificate ?? vm.x509CertificateChain.certificates[0]).rawBytes, 'base64');
    const cert = new X509Certificate(der);
    assert.match(cert.subjectAltName ?? '', /alice@example\.com/);
  });
});
