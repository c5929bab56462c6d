import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SignedData } from '@peculiar/asn1-cms';
import { TimeStampResp } from '@peculiar/asn1-tsp';
import { id_kp_codeSigning } from '@peculiar/asn1-x509';
import { bundleFromJSON, bundleToJSON } from '@sigstore/bundle';
import { RFC3161Timestamp } from '@sigstore/core';
import { PublicKeyDetails, TrustedRoot } from '@sigstore/protobuf-specs';
import { MessageSignatureBundleBuilder, type Signature, type Signer, TSAWitness } from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import {
  buildCertificate,
  buildName,
  extensions,
  keyIdentifier,
  type Certificate,
  parseCertificate,
} from '../../src/x509/index.ts';
import { encodePem } from '../../src/encoding/pem.ts';
import { counting, makeTsa, material, type Server, startServer } from './helpers.ts';

/**
 * sigstore-js end to end: @sigstore/sign's own TSA client (TSAWitness, the JSON request it really
 * sends) gets a timestamp from our server over HTTP; @sigstore/verify checks it against a
 * TrustedRoot whose timestampAuthorities hold our chain (leaf first).
 */
describe('sigstore-js signs with our TSA and verifies the timestamp', () => {
  let server: Server;
  let tsa: ReturnType<typeof counting>;
  const artifact = Buffer.from('hello, sigstore\n');

  before(async () => {
    tsa = counting(makeTsa());
    server = await startServer(tsa);
  });
  after(() => server.close());

  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');

  function trustedRoot(tsaChain: readonly Certificate[], cas: readonly Certificate[][] = []): TrustedRoot {
    const chainJson = (certs: readonly Certificate[]) => ({ certificates: certs.map((c) => ({ rawBytes: b64(c.der) })) });
    return TrustedRoot.fromJSON({
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [],
      ctlogs: [],
      certificateAuthorities: cas.map((chain) => ({
        subject: { organization: 'test', commonName: 'test CA' },
        uri: 'http://127.0.0.1/ca',
        certChain: chainJson(chain),
        validFor: { start: '2020-01-01T00:00:00Z' },
      })),
      timestampAuthorities: [
        {
          subject: { organization: 'provenant', commonName: 'provenant TSA' },
          uri: `${server.url}/api/v1/timestamp`,
          certChain: chainJson(tsaChain),
          validFor: { start: '2020-01-01T00:00:00Z' },
        },
      ],
    });
  }

  function keySigner(privateKey: KeyObject, key: Signature['key']): Signer {
    return {
      sign: async (data: Buffer) => ({ signature: sign('sha256', data, { key: privateKey, dsaEncoding: 'der' }), key }),
    };
  }

  const options = { timestampThreshold: 1, tlogThreshold: 0, ctlogThreshold: 0 };

  it('public-key bundle: the timestamp verifies; tokens carry no certificates; genTime is whole seconds', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const hint = 'test-key';
    const startedAt = Date.now();
    const builder = new MessageSignatureBundleBuilder({
      signer: keySigner(privateKey, { $case: 'publicKey', publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), hint }),
      witnesses: [new TSAWitness({ tsaBaseURL: server.url })],
    });
    const issuedBefore = tsa.issued;
    const bundle = bundleFromJSON(bundleToJSON(await builder.create({ data: artifact })));
    assert.equal(tsa.issued, issuedBefore + 1);

    const keys = {
      [hint]: { rawBytes: publicKey.export({ type: 'spki', format: 'der' }), keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256, validFor: { start: new Date(0) } },
    };
    const verifier = new Verifier(toTrustMaterial(trustedRoot(material().chain), keys), options);
    verifier.verify(toSignedEntity(bundle, artifact));

    const signed = bundle.verificationMaterial.timestampVerificationData!.rfc3161Timestamps[0]!.signedTimestamp;
    const ts = RFC3161Timestamp.parse(Buffer.from(signed));
    assert.equal(ts.signingTime.getUTCMilliseconds(), 0);
    assert.ok(Math.abs(ts.signingTime.getTime() - startedAt) <= 1000, `genTime ${ts.signingTime.toISOString()} vs ${new Date(startedAt).toISOString()}`);
    // sigstore-js sends no `certificates`, so the token has none: the leaf comes from the trusted root.
    const sd = AsnConvert.parse(AsnConvert.parse(signed, TimeStampResp).timeStampToken!.content, SignedData);
    assert.equal(sd.certificates, undefined);

    // Negative controls: another artifact, and a trusted root without the TSA leaf.
    assert.throws(() => verifier.verify(toSignedEntity(bundle, Buffer.from('tampered'))));
    const noLeaf = new Verifier(toTrustMaterial(trustedRoot(material().chain.slice(1)), keys), options);
    assert.throws(() => noLeaf.verify(toSignedEntity(bundle, artifact)), /TIMESTAMP_ERROR|timestamp/i);
  });

  it('certificate bundle: genTime falls inside a 10-minute signing certificate', async () => {
    const now = new Date();
    const caKeys = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const caName = buildName({ organization: 'test', commonName: 'test CA' });
    const caDer = buildCertificate(
      {
        subject: caName,
        issuer: caName,
        notBefore: new Date(now.getTime() - 60_000),
        notAfter: new Date(now.getTime() + 86_400_000),
        publicKey: caKeys.publicKey,
        extensions: [
          extensions.keyUsage(['keyCertSign', 'cRLSign'], true),
          extensions.basicConstraints({ ca: true, critical: true }),
          extensions.subjectKeyIdentifier(keyIdentifier(caKeys.publicKey)),
        ],
      },
      caKeys.privateKey,
    );
    const signerKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const leafDer = buildCertificate(
      {
        subject: buildName({ commonName: 'signer' }),
        issuer: caName,
        notBefore: now,
        notAfter: new Date(now.getTime() + 10 * 60_000),
        publicKey: signerKeys.publicKey,
        extensions: [
          extensions.keyUsage(['digitalSignature'], true),
          extensions.extendedKeyUsage([id_kp_codeSigning], false),
          extensions.authorityKeyIdentifier(keyIdentifier(caKeys.publicKey)),
        ],
      },
      caKeys.privateKey,
    );
    const builder = new MessageSignatureBundleBuilder({
      signer: keySigner(signerKeys.privateKey, { $case: 'x509Certificate', certificate: encodePem('CERTIFICATE', leafDer) }),
      witnesses: [new TSAWitness({ tsaBaseURL: server.url })],
    });
    const bundle = bundleFromJSON(bundleToJSON(await builder.create({ data: artifact })));
    const verifier = new Verifier(toTrustMaterial(trustedRoot(material().chain, [[parseCertificate(caDer)]])), options);
    const signer = verifier.verify(toSignedEntity(bundle, artifact));
    assert.ok(signer.key);
  });
});
