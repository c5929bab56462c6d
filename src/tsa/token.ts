import type { KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  Attribute,
  CertificateChoices,
  CertificateSet,
  CMSVersion,
  DigestAlgorithmIdentifier,
  DigestAlgorithmIdentifiers,
  EncapsulatedContent,
  EncapsulatedContentInfo,
  id_messageDigest,
  id_signedData,
  id_signingTime,
  IssuerAndSerialNumber,
  MessageDigest,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
  SigningTime,
} from '@peculiar/asn1-cms';
import { Accuracy, id_ct_tstInfo, MessageImprint, PKIStatus, PKIStatusInfo, TimeStampResp, TimeStampToken, TSTInfo } from '@peculiar/asn1-tsp';
import { GeneralName, GeneralNames } from '@peculiar/asn1-x509';
import { digest, HASH_LENGTHS, HASH_OIDS, hashAlgorithmIdentifier, type HashName, type SigningAlgorithm, signData } from '../x509/algorithms.ts';
import { x509Time } from '../x509/build.ts';
import type { Certificate } from '../x509/certificate.ts';
import { bigIntToIntegerBytes } from '../encoding/integer.ts';
import {
  EssCertIdV2,
  id_aa_signingCertificateV2,
  id_contentType,
  IssuerSerial,
  ObjectIdentifierValue,
  SignedAttributesSet,
  SigningCertificateV2,
} from './asn1.ts';
import type { TimestampRequest } from './request.ts';
import { complement, type FieldLocation, locateField, put, timeDigits } from './template.ts';

/** What varies per token. */
export interface TokenFields {
  readonly request: TimestampRequest;
  /** The policy to put in TSTInfo (already checked against the accepted list). */
  readonly policy: string;
  /** Whole seconds: sigstore-js parses only `…SSZ` or `…SS.sssZ` (three digits). */
  readonly genTime: Date;
  /** Content octets of a positive INTEGER: exactly 20 octets, first in 0x01..0x7f (randomSerialNumber). */
  readonly serialNumber: Uint8Array;
  readonly accuracySeconds: number;
}

export interface TokenSigner {
  /** leaf, intermediates…, root */
  readonly chain: readonly Certificate[];
  readonly privateKey: KeyObject;
  readonly algorithm: SigningAlgorithm;
  /** With certReq, embed the whole chain rather than only the leaf (Sigstore's --include-chain-in-response). */
  readonly includeChainInResponse: boolean;
}

export interface TokenEncoderOptions {
  /** Default true. False: every token goes through the reference asn1-schema encoder. */
  readonly templates?: boolean;
  /** Replaces the signature (tests only: deterministic output). */
  readonly sign?: (signedAttributes: Uint8Array) => Uint8Array;
  /** Called whenever a token takes the reference path although templates are enabled (tests). */
  readonly onReferencePath?: () => void;
}

/**
 * Returns a function from TokenFields to a DER TimeStampResp (RFC 3161 §2.4.2) with status
 * granted and a TimeStampToken:
 *
 * - SignedData v3 (RFC 5652 §5.1: eContentType is not id-data), one digestAlgorithm, eContent =
 *   DER TSTInfo; certificates = the leaf (or the chain, if configured) only when certReq;
 * - SignerInfo v1 with sid IssuerAndSerialNumber (what sigstore-js reads), digest = the signing
 *   algorithm's hash (SHA-256 for P-256), signed attributes contentType, messageDigest, signingTime
 *   and signingCertificateV2 (RFC 5816; `openssl ts -verify` requires it), sorted as DER SET OF;
 * - TSTInfo v1 with the request's imprint echoed, policy, serial, whole-second genTime, accuracy,
 *   nonce echoed, tsa = [4] directoryName of the leaf subject; ordering false (omitted), no extensions.
 *
 * The reference encoder builds everything with @peculiar/asn1-schema (≈2 ms a token, mostly its
 * re-parsing of ANY values). The template path encodes each request shape (hash, parameters, nonce
 * length, policy, certReq, signature length) once with that same encoder and then substitutes the
 * fixed-length values (serial, imprint, nonce, times, digest, signature) per token; test/tsa
 * checks that both paths give identical bytes.
 */
export function createTokenEncoder(signer: TokenSigner, options: TokenEncoderOptions = {}): (fields: TokenFields) => Uint8Array {
  const reference = createReferenceEncoder(signer);
  const sign = options.sign ?? ((data: Uint8Array) => signData(signer.algorithm, signer.privateKey, data));
  const referenceToken = (fields: TokenFields): Uint8Array => {
    const tst = reference.tstInfo(tstValues(fields));
    const md = digest(signer.algorithm.hash, tst);
    const attrs = reference.signedAttributes(md, fields.genTime);
    return reference.response(tst, attrs.attributes, sign(attrs.der), fields.request.certReq);
  };
  if (options.templates === false) return referenceToken;

  const templates = createTemplateCache(reference, signer.algorithm.hash);
  return (fields: TokenFields): Uint8Array => {
    const shape = templates.tstInfo(fields);
    if (shape === undefined) {
      options.onReferencePath?.();
      return referenceToken(fields);
    }
    const { request, genTime } = fields;

    const tst = shape.bytes.slice();
    put(tst, shape.serial, fields.serialNumber);
    put(tst, shape.imprint, request.hashedMessage);
    if (shape.nonce !== undefined) put(tst, shape.nonce, bigIntToIntegerBytes(request.nonce!));
    put(tst, shape.genTime, timeDigits(genTime, 'generalized'));

    const md = digest(signer.algorithm.hash, tst);
    const attrsTemplate = templates.signedAttributes;
    const attrs = attrsTemplate.bytes.slice();
    const signingTime = timeDigits(genTime, 'utc');
    put(attrs, attrsTemplate.messageDigest, md);
    put(attrs, attrsTemplate.signingTime, signingTime);
    const signature = sign(attrs);

    const resp = templates.response(shape, request.certReq, signature.length);
    if (resp === undefined) {
      options.onReferencePath?.();
      return reference.response(tst, reference.signedAttributes(md, genTime).attributes, signature, request.certReq);
    }
    const out = resp.bytes.slice();
    put(out, resp.tstInfo, tst);
    put(out, resp.messageDigest, md);
    put(out, resp.signingTime, signingTime);
    put(out, resp.signature, signature);
    return out;
  };
}

interface TstValues {
  readonly hash: HashName;
  readonly nullParameters: boolean;
  readonly hashedMessage: Uint8Array;
  /** INTEGER content octets, or undefined for no nonce. */
  readonly nonce: Uint8Array | undefined;
  readonly policy: string;
  readonly serialNumber: Uint8Array;
  readonly genTime: Date;
  readonly accuracySeconds: number;
}

function tstValues(fields: TokenFields): TstValues {
  const { request } = fields;
  return {
    hash: request.hashAlgorithm,
    nullParameters: request.hashParameters === 'null',
    hashedMessage: request.hashedMessage,
    nonce: request.nonce === undefined ? undefined : bigIntToIntegerBytes(request.nonce),
    policy: fields.policy,
    serialNumber: fields.serialNumber,
    genTime: fields.genTime,
    accuracySeconds: fields.accuracySeconds,
  };
}

type ReferenceEncoder = ReturnType<typeof createReferenceEncoder>;

/** The three stages of a token, each encoded entirely by @peculiar/asn1-schema. */
function createReferenceEncoder(signer: TokenSigner) {
  const leaf = signer.chain[0];
  if (leaf === undefined) throw new Error('empty certificate chain');
  const tbs = leaf.asn1.tbsCertificate;
  // The sid and the ESS issuerSerial re-encode the parsed leaf issuer name; verifiers compare them
  // byte for byte with the certificate, so the leaf must survive a parse/serialize round trip.
  if (!Buffer.from(AsnConvert.serialize(leaf.asn1)).equals(Buffer.from(leaf.der))) {
    throw new Error('TSA leaf certificate is not in canonical DER (it does not re-encode identically)');
  }
  const essAttribute = new Attribute({
    attrType: id_aa_signingCertificateV2,
    attrValues: [
      AsnConvert.serialize(
        new SigningCertificateV2({
          certs: [
            new EssCertIdV2({
              // hashAlgorithm omitted: DEFAULT id-sha256
              certHash: new OctetString(digest('sha256', leaf.der)),
              issuerSerial: new IssuerSerial({
                issuer: new GeneralNames([new GeneralName({ directoryName: tbs.issuer })]),
                serialNumber: tbs.serialNumber,
              }),
            }),
          ],
        }),
      ),
    ],
  });
  const contentTypeAttribute = new Attribute({ attrType: id_contentType, attrValues: [AsnConvert.serialize(new ObjectIdentifierValue(id_ct_tstInfo))] });
  const sid = new SignerIdentifier({ issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: tbs.issuer, serialNumber: tbs.serialNumber }) });
  const embedded = signer.includeChainInResponse ? signer.chain : [leaf];
  const certificates = new CertificateSet(embedded.map((c) => new CertificateChoices({ certificate: c.asn1 })));
  const tsaName = new GeneralName({ directoryName: tbs.subject });
  const digestOid = HASH_OIDS[signer.algorithm.hash];

  return {
    /** RFC 3161 §2.4.2 TSTInfo. */
    tstInfo(v: TstValues): Uint8Array {
      const tst = new TSTInfo({
        version: 1,
        policy: v.policy,
        messageImprint: new MessageImprint({
          hashAlgorithm: hashAlgorithmIdentifier(v.hash, v.nullParameters),
          hashedMessage: new OctetString(v.hashedMessage),
        }),
        serialNumber: toArrayBuffer(v.serialNumber),
        genTime: v.genTime,
        accuracy: new Accuracy({ seconds: v.accuracySeconds }),
        ordering: false,
        tsa: tsaName,
      });
      if (v.nonce !== undefined) tst.nonce = toArrayBuffer(v.nonce);
      return new Uint8Array(AsnConvert.serialize(tst));
    },

    /** RFC 5652 §5.3/§5.4: the attributes, sorted, and the DER SET OF that the signature covers. */
    signedAttributes(messageDigest: Uint8Array, signingTime: Date): { attributes: Attribute[]; der: Uint8Array } {
      const attributes = sortForDer([
        contentTypeAttribute,
        new Attribute({ attrType: id_messageDigest, attrValues: [AsnConvert.serialize(new MessageDigest(messageDigest))] }),
        new Attribute({ attrType: id_signingTime, attrValues: [AsnConvert.serialize(new SigningTime(x509Time(signingTime)))] }),
        essAttribute,
      ]);
      return { attributes, der: new Uint8Array(AsnConvert.serialize(new SignedAttributesSet(attributes))) };
    },

    /** RFC 3161 §2.4.2 TimeStampResp around RFC 5652 SignedData. */
    response(tstInfoDer: Uint8Array, signedAttrs: Attribute[], signature: Uint8Array, certReq: boolean): Uint8Array {
      const signerInfo = new SignerInfo({
        version: CMSVersion.v1,
        sid,
        digestAlgorithm: new DigestAlgorithmIdentifier({ algorithm: digestOid }),
        signedAttrs,
        signatureAlgorithm: signer.algorithm.identifier(),
        signature: new OctetString(signature),
      });
      const signedData = new SignedData({
        version: CMSVersion.v3,
        digestAlgorithms: new DigestAlgorithmIdentifiers([new DigestAlgorithmIdentifier({ algorithm: digestOid })]),
        encapContentInfo: new EncapsulatedContentInfo({
          eContentType: id_ct_tstInfo,
          eContent: new EncapsulatedContent({ single: new OctetString(tstInfoDer) }),
        }),
        signerInfos: new SignerInfos([signerInfo]),
      });
      if (certReq) signedData.certificates = certificates;
      const resp = new TimeStampResp({
        status: new PKIStatusInfo({ status: PKIStatus.granted }),
        timeStampToken: new TimeStampToken({ contentType: id_signedData, content: AsnConvert.serialize(signedData) }),
      });
      return new Uint8Array(AsnConvert.serialize(resp));
    },
  };
}

// Placeholder times for locating the time fields; each variant differs from TIME_A in every digit.
const TIME_A = new Date('2037-07-27T17:17:17Z'); // GeneralizedTime 20370727171717Z, UTCTime 370727171717Z
const TIME_B = new Date('2048-12-18T08:08:08Z'); // UTCTime 481218080808Z (signingTime variant)
const GENTIME_B = new Date('1948-12-18T08:08:08Z'); // GeneralizedTime 19481218080808Z (genTime variant)
/** Nonces longer than this always take the reference path (bounds the cache against odd requests). */
const MAX_TEMPLATE_NONCE = 64;
const MAX_TEMPLATES = 256;

interface TstTemplate {
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly serial: FieldLocation;
  readonly imprint: FieldLocation;
  readonly nonce: FieldLocation | undefined;
  readonly genTime: FieldLocation;
}
interface AttrsTemplate {
  readonly bytes: Uint8Array;
  readonly messageDigest: FieldLocation;
  readonly signingTime: FieldLocation;
}
interface RespTemplate {
  readonly bytes: Uint8Array;
  readonly tstInfo: FieldLocation;
  readonly messageDigest: FieldLocation;
  readonly signingTime: FieldLocation;
  readonly signature: FieldLocation;
}

function createTemplateCache(reference: ReferenceEncoder, signerHash: HashName) {
  const mdLength = HASH_LENGTHS[signerHash];
  const fill = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (seed + i * 37) & 0xff || 0x11);
  const serialA = fill(20, 0x21); // first octet 0x21: positive; its complement 0xde is still minimal
  const mdA = fill(mdLength, 0x5a);

  // Signed attributes: messageDigest and signingTime (UTCTime, years 1950–2049).
  const attrsA = reference.signedAttributes(mdA, TIME_A).der;
  const signedAttributes: AttrsTemplate = {
    bytes: attrsA,
    messageDigest: locateField(attrsA, reference.signedAttributes(complement(mdA), TIME_A).der, mdLength, 'messageDigest'),
    signingTime: locateField(attrsA, reference.signedAttributes(mdA, TIME_B).der, 12, 'signingTime'),
  };

  const tstTemplates = new Map<string, TstTemplate | null>();
  const respTemplates = new Map<string, RespTemplate | null>();
  const remember = <T>(map: Map<string, T>, key: string, value: T): void => {
    if (map.size >= MAX_TEMPLATES) map.clear();
    map.set(key, value);
  };

  return {
    signedAttributes,

    /** The TSTInfo template for this request's shape, or undefined when it must take the reference path. */
    tstInfo(fields: TokenFields): TstTemplate | undefined {
      const { request, genTime } = fields;
      const nonceLength = request.nonce === undefined ? 0 : bigIntToIntegerBytes(request.nonce).length;
      const year = genTime.getUTCFullYear();
      if (nonceLength > MAX_TEMPLATE_NONCE || year < 1950 || year > 2049 || genTime.getUTCMilliseconds() !== 0) return undefined;
      if (fields.serialNumber.length !== 20 || fields.serialNumber[0]! < 0x01 || fields.serialNumber[0]! > 0x7f) return undefined;
      const key = `${request.hashAlgorithm}|${request.hashParameters}|${request.nonce === undefined ? '-' : nonceLength}|${fields.policy}|${fields.accuracySeconds}`;
      const cached = tstTemplates.get(key);
      if (cached !== undefined) return cached ?? undefined;
      const hashLength = HASH_LENGTHS[request.hashAlgorithm];
      const base: TstValues = {
        hash: request.hashAlgorithm,
        nullParameters: request.hashParameters === 'null',
        hashedMessage: fill(hashLength, 0x33),
        nonce: request.nonce === undefined ? undefined : fill(nonceLength, 0x44).map((b, i) => (i === 0 ? 0x44 : b)),
        policy: fields.policy,
        serialNumber: serialA,
        genTime: TIME_A,
        accuracySeconds: fields.accuracySeconds,
      };
      try {
        const bytes = reference.tstInfo(base);
        const variant = (over: Partial<TstValues>) => reference.tstInfo({ ...base, ...over });
        const template: TstTemplate = {
          key,
          bytes,
          serial: locateField(bytes, variant({ serialNumber: complement(serialA) }), 20, 'serialNumber'),
          imprint: locateField(bytes, variant({ hashedMessage: complement(base.hashedMessage) }), hashLength, 'hashedMessage'),
          nonce: base.nonce === undefined ? undefined : locateField(bytes, variant({ nonce: complement(base.nonce) }), nonceLength, 'nonce'),
          genTime: locateField(bytes, variant({ genTime: GENTIME_B }), 14, 'genTime'),
        };
        remember(tstTemplates, key, template);
        return template;
      } catch {
        remember(tstTemplates, key, null);
        return undefined;
      }
    },

    /** The TimeStampResp template for a TSTInfo shape, certReq and signature length. */
    response(tst: TstTemplate, certReq: boolean, signatureLength: number): RespTemplate | undefined {
      const key = `${tst.key}|${certReq}|${signatureLength}`;
      const cached = respTemplates.get(key);
      if (cached !== undefined) return cached ?? undefined;
      try {
        const sigA = fill(signatureLength, 0x66);
        const attrs = (md: Uint8Array, time: Date) => reference.signedAttributes(md, time).attributes;
        const encode = (t: Uint8Array, md: Uint8Array, time: Date, sig: Uint8Array) => reference.response(t, attrs(md, time), sig, certReq);
        const bytes = encode(tst.bytes, mdA, TIME_A, sigA);
        const template: RespTemplate = {
          bytes,
          tstInfo: locateField(bytes, encode(complement(tst.bytes), mdA, TIME_A, sigA), tst.bytes.length, 'eContent'),
          messageDigest: locateField(bytes, encode(tst.bytes, complement(mdA), TIME_A, sigA), mdLength, 'messageDigest'),
          signingTime: locateField(bytes, encode(tst.bytes, mdA, TIME_B, sigA), 12, 'signingTime'),
          signature: locateField(bytes, encode(tst.bytes, mdA, TIME_A, complement(sigA)), signatureLength, 'signature'),
        };
        remember(respTemplates, key, template);
        return template;
      } catch {
        remember(respTemplates, key, null);
        return undefined;
      }
    },
  };
}

/**
 * X.690 §11.6: the components of a SET OF are ordered by their encodings, compared as octet strings
 * with the shorter one padded with trailing zero octets.
 */
function sortForDer(attributes: Attribute[]): Attribute[] {
  const encoded = attributes.map((a) => ({ a, der: new Uint8Array(AsnConvert.serialize(a)) }));
  encoded.sort((x, y) => {
    const n = Math.max(x.der.length, y.der.length);
    for (let i = 0; i < n; i++) {
      const d = (x.der[i] ?? 0) - (y.der[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  });
  return encoded.map((e) => e.a);
}

function toArrayBuffer(u: Uint8Array): ArrayBuffer {
  return u.slice().buffer;
}
