import assert from 'node:assert/strict';
import { createHash, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Attribute, ContentInfo, id_messageDigest, id_signedData, id_signingTime, MessageDigest, SignedData, SigningTime } from '@peculiar/asn1-cms';
import { id_ct_tstInfo, PKIStatus, TimeStampResp, TSTInfo } from '@peculiar/asn1-tsp';
import { Name } from '@peculiar/asn1-x509';
import { EssCertIdV2, id_aa_signingCertificateV2, id_contentType, ObjectIdentifierValue, SignedAttributesSet, SigningCertificateV2 } from '../../src/tsa/asn1.ts';
import { type GenTimeStore, parseJsonTimestampRequest, SIGSTORE_TSA_POLICY, type TimestampRequest } from '../../src/tsa/index.ts';
import { generateTsaChain } from '../../src/x509/index.ts';
import { EXTRA_POLICY, makeTsa, ManualClock, material } from './helpers.ts';

const request = (over: Partial<TimestampRequest> = {}): TimestampRequest => ({
  hashAlgorithm: 'sha256',
  hashParameters: 'null',
  hashedMessage: createHash('sha256').update('x').digest(),
  nonce: undefined,
  certReq: false,
  policy: undefined,
  ...over,
});

const eq = (a: ArrayBuffer | Uint8Array, b: ArrayBuffer | Uint8Array) => Buffer.from(a as ArrayBuffer).equals(Buffer.from(b as ArrayBuffer));

function decode(der: Uint8Array) {
  const resp = AsnConvert.parse(der, TimeStampResp);
  assert.ok(eq(AsnConvert.serialize(resp), der), 'TimeStampResp must be DER (re-encodes identically)');
  const token = resp.timeStampToken!;
  const sd = AsnConvert.parse(token.content, SignedData);
  const tstDer = new Uint8Array(sd.encapContentInfo.eContent!.single!.buffer);
  const tst = AsnConvert.parse(tstDer, TSTInfo);
  const si = sd.signerInfos[0]!;
  const attr = (oid: string) => si.signedAttrs!.find((a) => a.attrType === oid)!.attrValues[0]!;
  return { resp, token, sd, tstDer, tst, si, attr };
}

describe('token structure', () => {
  const clock = new ManualClock(new Date('2030-06-01T12:34:56.789Z'));
  const tsa = makeTsa({ clock });
  const leaf = material().chain[0]!;

  it('TimeStampResp granted; SignedData v3; TSTInfo v1 with every field as specified', async () => {
    const { resp, token, sd, tst, si } = decode(await tsa.issue(request({ nonce: 0x0123456789abcdefn })));
    assert.equal(resp.status.status, PKIStatus.granted);
    assert.equal(resp.status.statusString, undefined);
    assert.equal(token.contentType, id_signedData);
    assert.equal(sd.version, 3);
    assert.equal(sd.encapContentInfo.eContentType, id_ct_tstInfo);
    assert.equal(sd.certificates, undefined, 'no certificates without certReq');
    assert.equal(sd.signerInfos.length, 1);
    assert.equal(tst.version, 1);
    assert.equal(tst.policy, SIGSTORE_TSA_POLICY);
    assert.equal(tst.genTime.toISOString(), '2030-06-01T12:34:56.000Z');
    assert.equal(tst.accuracy?.seconds, 1);
    assert.equal(tst.ordering, false);
    assert.equal(tst.extensions, undefined);
    assert.equal(Buffer.from(tst.nonce!).toString('hex'), '0123456789abcdef');
    // serial: 20 octets, positive, minimal
    const serial = new Uint8Array(tst.serialNumber);
    assert.equal(serial.length, 20);
    assert.ok(serial[0]! >= 1 && serial[0]! <= 0x7f);
    // tsa: [0] directoryName = leaf subject, byte for byte
    assert.ok(eq(AsnConvert.serialize(tst.tsa!.directoryName!), AsnConvert.serialize(leaf.asn1.tbsCertificate.subject)));
    // imprint echoed, with the request's NULL parameters
    assert.equal(tst.messageImprint.hashAlgorithm.parameters, null);
    assert.equal(si.version, 1);
    const sid = si.sid.issuerAndSerialNumber!;
    assert.ok(eq(AsnConvert.serialize(sid.issuer), AsnConvert.serialize(leaf.asn1.tbsCertificate.issuer)));
    assert.ok(eq(sid.serialNumber, leaf.serialNumber));
    assert.equal(si.signatureAlgorithm.algorithm, '1.2.840.10045.4.3.2'); // ecdsa-with-SHA256 for the P-256 leaf
    assert.equal(si.signatureAlgorithm.parameters, undefined);
    assert.equal(si.digestAlgorithm.parameters, undefined);
  });

  it('genTime is encoded as whole seconds (YYYYMMDDHHMMSSZ, no fraction)', async () => {
    const { tstDer } = decode(await tsa.issue(request()));
    assert.ok(Buffer.from(tstDer).includes(Buffer.from('\x18\x0f20300601123456Z', 'latin1')));
  });

  it('signed attributes: contentType, messageDigest, signingTime, signingCertificateV2; DER-sorted; signature verifies', async () => {
    const { tstDer, si, attr } = decode(await tsa.issue(request()));
    assert.deepEqual(new Set(si.signedAttrs!.map((a) => a.attrType)), new Set([id_contentType, id_messageDigest, id_signingTime, id_aa_signingCertificateV2]));
    const encodings = si.signedAttrs!.map((a) => Buffer.from(AsnConvert.serialize(a)));
    assert.deepEqual(encodings, [...encodings].sort(Buffer.compare), 'SET OF must be sorted (X.690 §11.6)');
    assert.equal(AsnConvert.parse(attr(id_contentType), ObjectIdentifierValue).value, id_ct_tstInfo);
    assert.ok(eq(AsnConvert.parse(attr(id_messageDigest), MessageDigest).buffer, createHash('sha256').update(tstDer).digest()));
    assert.equal(AsnConvert.parse(attr(id_signingTime), SigningTime).getTime().toISOString(), '2030-06-01T12:34:56.000Z');
    const ess = AsnConvert.parse(attr(id_aa_signingCertificateV2), SigningCertificateV2);
    assert.equal(ess.certs.length, 1);
    const id: EssCertIdV2 = ess.certs[0]!;
    assert.equal(id.hashAlgorithm, undefined, 'SHA-256 is the DEFAULT and must be omitted');
    assert.ok(eq(id.certHash.buffer, createHash('sha256').update(leaf.der).digest()));
    assert.ok(eq(AsnConvert.serialize(id.issuerSerial!.issuer[0]!.directoryName as Name), AsnConvert.serialize(leaf.asn1.tbsCertificate.issuer)));
    assert.ok(eq(id.issuerSerial!.serialNumber, leaf.serialNumber));
    const signed = new Uint8Array(AsnConvert.serialize(new SignedAttributesSet(si.signedAttrs! as Attribute[])));
    assert.ok(verify('sha256', signed, { key: leaf.publicKey, dsaEncoding: 'der' }, new Uint8Array(si.signature.buffer)));
  });

  it('certReq embeds the leaf only (or the whole chain when configured)', async () => {
    const one = decode(await tsa.issue(request({ certReq: true }))).sd.certificates!;
    assert.equal(one.length, 1);
    assert.ok(eq(AsnConvert.serialize(one[0]!.certificate), leaf.der));
    const all = decode(await makeTsa({ clock, includeChain: true }).issue(request({ certReq: true }))).sd.certificates!;
    assert.deepEqual([...all].map((c) => Buffer.from(AsnConvert.serialize(c.certificate))), material().chain.map((c) => Buffer.from(c.der)));
  });

  it('echoes absent hash parameters, the requested policy, sha384/sha512 imprints and a negative nonce', async () => {
    const h = createHash('sha512').update('y').digest();
    const { tst } = decode(await tsa.issue(request({ hashAlgorithm: 'sha512', hashedMessage: h, hashParameters: 'absent', policy: EXTRA_POLICY, nonce: -129n })));
    assert.equal(tst.messageImprint.hashAlgorithm.parameters, undefined);
    assert.equal(tst.messageImprint.hashAlgorithm.algorithm, '2.16.840.1.101.3.4.2.3');
    assert.ok(eq(tst.messageImprint.hashedMessage.buffer, h));
    assert.equal(tst.policy, EXTRA_POLICY);
    assert.equal(Buffer.from(tst.nonce!).toString('hex'), 'ff7f');
  });

  it('a P-384 leaf signs with ecdsa-with-SHA384 and a SHA-384 digest', async () => {
    const m = generateTsaChain({ now: clock.now(), leafCurve: 'P-384' });
    const { si, sd } = decode(await makeTsa({ clock, mat: m }).issue(request()));
    assert.equal(si.signatureAlgorithm.algorithm, '1.2.840.10045.4.3.3');
    assert.equal(si.digestAlgorithm.algorithm, '2.16.840.1.101.3.4.2.2');
    assert.equal(sd.digestAlgorithms[0]!.algorithm, '2.16.840.1.101.3.4.2.2');
  });

  it('serial numbers differ between tokens', async () => {
    const serials = new Set<string>();
    for (let i = 0; i < 50; i++) serials.add(Buffer.from(decode(await tsa.issue(request())).tst.serialNumber).toString('hex'));
    assert.equal(serials.size, 50);
  });

  it('the JSON form sigstore-js sends yields a token with NULL imprint parameters and no nonce', async () => {
    const req = parseJsonTimestampRequest(JSON.stringify({ artifactHash: createHash('sha256').update('s').digest('base64'), hashAlgorithm: 'sha256' }));
    const { tst, sd } = decode(await tsa.issue(req));
    assert.equal(tst.nonce, undefined);
    assert.equal(tst.messageImprint.hashAlgorithm.parameters, null);
    assert.equal(sd.certificates, undefined);
    assert.equal(AsnConvert.parse(AsnConvert.serialize(new ContentInfo({ contentType: id_signedData, content: AsnConvert.serialize(sd) })), ContentInfo).contentType, id_signedData);
  });
});

describe('clock', () => {
  const at = (iso: string) => new ManualClock(new Date(iso));

  it('genTime is within 1 s of the clock and never later than it', async () => {
    const tsa = makeTsa();
    for (let i = 0; i < 20; i++) {
      const before = Date.now();
      const { tst } = decode(await tsa.issue(request()));
      const after = Date.now();
      assert.ok(tst.genTime.getTime() <= after && tst.genTime.getTime() > before - 1000);
      assert.equal(tst.genTime.getUTCMilliseconds(), 0);
    }
  });

  it('refuses (refuse_to_sign) once the clock reads earlier than an issued genTime', async () => {
    const clock = at('2030-01-01T00:00:05.500Z');
    const tsa = makeTsa({ clock });
    await tsa.issue(request());
    clock.set(new Date('2030-01-01T00:00:04.999Z'));
    await assert.rejects(tsa.issue(request()), { code: 'refuse_to_sign', message: /clock went backwards/ });
    clock.set(new Date('2030-01-01T00:00:05.000Z'));
    await tsa.issue(request());
  });

  it('refuses outside the leaf validity and on an invalid clock', async () => {
    const clock = at('2030-01-01T00:00:00Z');
    const tsa = makeTsa({ clock });
    clock.set(new Date('2099-01-01T00:00:00Z'));
    await assert.rejects(tsa.issue(request()), { code: 'refuse_to_sign', message: /outside the validity/ });
    clock.set(new Date(Number.NaN));
    await assert.rejects(tsa.issue(request()), { code: 'refuse_to_sign', message: /invalid time/ });
  });

  it('a persisted genTime ahead of the clock (restart with a clock gone back) → refuse_to_sign', async () => {
    const clock = at('2030-01-01T00:00:00Z');
    const store: GenTimeStore = { load: async () => new Date('2030-01-01T00:01:00Z'), save: async () => {} };
    const tsa = makeTsa({ clock, store });
    await assert.rejects(tsa.issue(request()), { code: 'refuse_to_sign' });
    clock.set(new Date('2030-01-01T00:01:00Z'));
    await tsa.issue(request());
  });

  it('saves each new second once, before returning the tokens for it; a failed save refuses', async () => {
    const clock = at('2030-01-01T00:00:00.100Z');
    const saves: string[] = [];
    let fail = false;
    let release: () => void = () => {};
    const store: GenTimeStore = {
      load: async () => undefined,
      save: (d) => {
        saves.push(d.toISOString());
        if (fail) return Promise.reject(new Error('disk full'));
        return new Promise<void>((r) => (release = r));
      },
    };
    const tsa = makeTsa({ clock, store });
    let done = 0;
    const pending = [tsa.issue(request()), tsa.issue(request()), tsa.issue(request())].map((p) => p.then(() => done++));
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(done, 0, 'no token before its second is durable');
    assert.deepEqual(saves, ['2030-01-01T00:00:00.000Z']);
    release();
    await Promise.all(pending);
    assert.equal(done, 3);
    clock.advance(1000);
    fail = true;
    await assert.rejects(tsa.issue(request()), { code: 'refuse_to_sign', message: /cannot record/ });
    assert.deepEqual(saves, ['2030-01-01T00:00:00.000Z', '2030-01-01T00:00:01.000Z']);
  });

  it('a store that cannot be read refuses, then recovers', async () => {
    let broken = true;
    const store: GenTimeStore = {
      load: async () => {
        if (broken) throw new Error('db down');
        return undefined;
      },
      save: async () => {},
    };
    const tsa = makeTsa({ store });
    await assert.rejects(tsa.issue(request()), { code: 'refuse_to_sign', message: /cannot read/ });
    broken = false;
    await tsa.issue(request());
  });
});

describe('configuration', () => {
  it('rejects bad policies and accuracy', async () => {
    const { createTimestampAuthority } = await import('../../src/tsa/index.ts');
    const m = material();
    const base = { chain: m.chain, privateKey: m.privateKey, clock: { now: () => new Date() }, accuracySeconds: 1 };
    assert.throws(() => createTimestampAuthority({ ...base, policies: { default: 'x', accepted: [] } }), /default policy/);
    assert.throws(() => createTimestampAuthority({ ...base, policies: { default: '1.2.3', accepted: ['1..2'] } }), /accepted policy/);
    assert.throws(() => createTimestampAuthority({ ...base, policies: { default: '1.2.3', accepted: [] }, accuracySeconds: 0.5 }), /accuracySeconds/);
    const other = generateTsaChain({ now: new Date() });
    assert.throws(() => createTimestampAuthority({ ...base, privateKey: other.privateKey, policies: { default: '1.2.3', accepted: [] } }), /does not match the TSA private key/);
  });
});
