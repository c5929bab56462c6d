import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { bundleFromJSON, bundleToJSON } from '@sigstore/bundle';
import { X509Certificate as SigstoreCertificate } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { FulcioSigner, MessageSignatureBundleBuilder, TSAWitness } from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { registerTsaRoutes } from '../../src/api/routes/tsa.ts';
import { generateLogKeyPem, type Signer, signerFromPem } from '../../src/crypto/signer.ts';
import { createTimestampAuthority, SIGSTORE_TSA_POLICY } from '../../src/tsa/index.ts';
import type { CaMaterial } from '../../src/x509/ca-material.ts';
import { generateTsaChain } from '../../src/x509/tsa-material.ts';
import { caMaterial, ctSigner, GITHUB_CLAIMS, makeCa, type Server, startServer, type TestCa, TestIssuer, testConfig } from './helpers.ts';

/**
 * sigstore-js keyless, end to end: @sigstore/sign's FulcioSigner (the request sigstore-js really
 * sends) gets a certificate from our CA over HTTP, a TSAWitness a timestamp; @sigstore/verify
 * checks chain + embedded SCT (default ctlogThreshold 1) against a TrustedRoot holding our CA
 * chain and CT log key.
 */
describe('sigstore-js keyless signing against the CA', () => {
  let email: TestIssuer;
  let github: TestIssuer;
  let t: TestCa;
  let server: Server;
  const tsaMaterial = generateTsaChain({ now: new Date(Date.now() - 60_000) });
  const artifact = Buffer.from('hello, keyless world\n');
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');

  async function start(material: CaMaterial, signer: Signer = ctSigner()) {
    t = await makeCa({ config: testConfig(email.url, github.url), material, signer });
    server = await startServer(t.ca);
    const tsa = createTimestampAuthority({
      chain: tsaMaterial.chain,
      privateKey: tsaMaterial.privateKey,
      clock: { now: () => new Date() },
      policies: { default: SIGSTORE_TSA_POLICY, accepted: [SIGSTORE_TSA_POLICY] },
      accuracySeconds: 1,
    });
    // A second listener for the TSA keeps the CA server exactly as production registers it.
    const Fastify = (await import('fastify')).default;
    const tsaApp = Fastify();
    registerTsaRoutes(tsaApp, tsa);
    const tsaUrl = await tsaApp.listen({ host: '127.0.0.1', port: 0 });
    return { tsaUrl, closeTsa: () => tsaApp.close() };
  }

  function trustedRoot(material: CaMaterial, ctKey: Signer | undefined) {
    return TrustedRoot.fromJSON({
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [],
      certificateAuthorities: [
        {
          subject: { organization: 'provenant', commonName: 'provenant CA' },
          uri: server.url,
          certChain: { certificates: material.chain.map((c) => ({ rawBytes: b64(c.der) })) },
          validFor: { start: '2020-01-01T00:00:00Z' },
        },
      ],
      ctlogs: ctKey
        ? [
            {
              baseUrl: `${server.url}/ct`,
              hashAlgorithm: 'SHA2_256',
              publicKey: {
                rawBytes: b64(ctKey.publicKeyDer),
                keyDetails: ctKey.algorithm === 'ed25519' ? 'PKIX_ED25519' : 'PKIX_ECDSA_P256_SHA_256',
                validFor: { start: '2020-01-01T00:00:00Z' },
              },
              logId: { keyId: b64(Buffer.from(ctKey.logId, 'hex')) },
            },
          ]
        : [],
      timestampAuthorities: [
        {
          subject: { organization: 'provenant', commonName: 'provenant TSA' },
          uri: 'http://tsa.invalid',
          certChain: { certificates: tsaMaterial.chain.map((c) => ({ rawBytes: b64(c.der) })) },
          validFor: { start: '2020-01-01T00:00:00Z' },
        },
      ],
    });
  }

  async function signKeyless(token: string, tsaUrl: string) {
    const builder = new MessageSignatureBundleBuilder({
      signer: new FulcioSigner({ fulcioBaseURL: server.url, identityProvider: { getToken: async () => token } }),
      witnesses: [new TSAWitness({ tsaBaseURL: tsaUrl })],
    });
    return bundleFromJSON(bundleToJSON(await builder.create({ data: artifact })));
  }

  const options = { ctlogThreshold: 1, tlogThreshold: 0, timestampThreshold: 1 };

  before(async () => {
    email = await TestIssuer.start();
    github = await TestIssuer.start({ path: '/gh' });
  });
  after(async () => {
    await email.close();
    await github.close();
  });

  it('email and GitHub-workflow identities verify with SCT against a P-384 CA chain; openssl shows the SCT list', async () => {
    const material = caMaterial('P-384');
    const { tsaUrl, closeTsa } = await start(material);
    try {
      const verifier = new Verifier(toTrustMaterial(trustedRoot(material, ctSigner())), options);

      const emailBundle = await signKeyless(await email.mint({ sub: 'alice-id', email: 'alice@example.com', email_verified: true }), tsaUrl);
      const who = verifier.verify(toSignedEntity(emailBundle, artifact), {
        subjectAlternativeName: '^alice@example\\.com$',
        extensions: { issuer: email.url },
      });
      assert.equal(who.identity?.subjectAlternativeName, 'alice@example.com');

      const ghBundle = await signKeyless(await github.mint({ ...GITHUB_CLAIMS }), tsaUrl);
      const gh = verifier.verify(toSignedEntity(ghBundle, artifact), {
        subjectAlternativeName: `^https://github\\.com/${GITHUB_CLAIMS.job_workflow_ref.replace(/[.]/g, '\\.')}$`,
        extensions: { issuer: github.url },
      });
      // The extensions match the token's claims.
      const oid = (n: number) => gh.identity!.oids!.find((o) => o.oid!.id.join('.') === `1.3.6.1.4.1.57264.1.${n}`)!.value;
      const utf8 = (s: string) => Buffer.concat([Buffer.of(0x0c, Buffer.byteLength(s)), Buffer.from(s)]);
      assert.deepEqual(oid(1), Buffer.from(github.url));
      assert.deepEqual(oid(2), Buffer.from(GITHUB_CLAIMS.event_name));
      assert.deepEqual(oid(3), Buffer.from(GITHUB_CLAIMS.sha));
      assert.deepEqual(oid(12), utf8(`https://github.com/${GITHUB_CLAIMS.repository}`));
      assert.deepEqual(oid(13), utf8(GITHUB_CLAIMS.sha));
      assert.deepEqual(oid(15), utf8(GITHUB_CLAIMS.repository_id));
      assert.deepEqual(oid(21), utf8(`https://github.com/${GITHUB_CLAIMS.repository}/actions/runs/${GITHUB_CLAIMS.run_id}/attempts/${GITHUB_CLAIMS.run_attempt}`));
      assert.deepEqual(oid(24), utf8(GITHUB_CLAIMS.sub));

      // Negative controls: without the CT log key the SCT cannot verify; another artifact fails.
      assert.throws(() => new Verifier(toTrustMaterial(trustedRoot(material, undefined)), options).verify(toSignedEntity(emailBundle, artifact)), /SCT/);
      assert.throws(() => verifier.verify(toSignedEntity(emailBundle, Buffer.from('tampered'))));

      // openssl parses the certificate and decodes the embedded SCT list.
      const leaf = emailBundle.verificationMaterial.content;
      assert.equal(leaf.$case, 'x509CertificateChain');
      const der = leaf.$case === 'x509CertificateChain' ? leaf.x509CertificateChain.certificates[0]!.rawBytes : Buffer.alloc(0);
      const dir = await mkdtemp(join(tmpdir(), 'provenant-ca-openssl-'));
      try {
        await writeFile(join(dir, 'leaf.der'), der);
        const { stdout } = await promisify(execFile)('openssl', ['x509', '-inform', 'DER', '-in', join(dir, 'leaf.der'), '-noout', '-text']);
        assert.match(stdout, /CT Precertificate SCTs:/);
        assert.match(stdout, /Signed Certificate Timestamp:/);
        assert.match(stdout, new RegExp(`Log ID\\s*: ${Buffer.from(ctSigner().logId, 'hex').toString('hex').toUpperCase().match(/../g)!.slice(0, 16).join(':')}`));
        assert.match(stdout, /Subject Alternative Name: critical\s+email:alice@example\.com/);
        assert.match(stdout, /Code Signing/);
        assert.equal(SigstoreCertificate.parse(Buffer.from(der)).extSCT!.signedCertificateTimestamps.length, 1);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    } finally {
      await server.close();
      await closeTsa();
      await t.close();
    }
  });

  it('an Ed25519 CT key issues SCTs sigstore-js 4.x cannot verify (why the CT key should be P-256)', async () => {
    const material = caMaterial('P-256');
    const ed = signerFromPem(generateLogKeyPem('ed25519'));
    const { tsaUrl, closeTsa } = await start(material, ed);
    try {
      const bundle = await signKeyless(await email.mint({ sub: 'alice-id', email: 'alice@example.com', email_verified: true }), tsaUrl);
      assert.throws(() => new Verifier(toTrustMaterial(trustedRoot(material, ed)), options).verify(toSignedEntity(bundle, artifact)), /SCT verification failed/);
    } finally {
      await server.close();
      await closeTsa();
      await t.close();
    }
  });
});
