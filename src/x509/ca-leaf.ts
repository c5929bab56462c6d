/**
 * Fulcio's code-signing certificate profile (docs/certificate-specification.md, pkg/ca/common.go
 * MakeX509, pkg/ca/baseca): empty subject, one critical SAN, KeyUsage digitalSignature (critical),
 * ExtendedKeyUsage codeSigning, SKID/AKID, a random positive 160-bit serial, validity
 * [now, now + 10 min], the Sigstore extensions — and, for certificate transparency, a
 * precertificate with the poison extension last and a final certificate with the SCT list last.
 * Both share one TBS apart from that last extension, as RFC 6962 §3.1 requires.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { AsnConvert, AsnSerializer, type IAsnConvertible, OctetString } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  Certificate as AsnCertificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  id_ce_authorityKeyIdentifier,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  id_kp_codeSigning,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { signData, type SigningAlgorithm, signingAlgorithmFor } from './algorithms.ts';
import { x509Time } from './build.ts';
import type { Certificate } from './certificate.ts';
import {
  ctPoisonExtension,
  renderSigstoreExtensions,
  sctListExtension,
  type SigstoreExtensionValues,
  type SubjectAltName,
  subjectAltNameExtension,
} from './ca-extensions.ts';

/** Fulcio's certificate lifetime. */
export const LEAF_VALIDITY_MS = 10 * 60_000;

/** The issuing side of the profile, prepared once per CA. */
export interface LeafIssuer {
  readonly key: KeyObject;
  readonly algorithm: SigningAlgorithm;
  /** The issuer's SubjectKeyIdentifier: the leaf's AuthorityKeyIdentifier. */
  readonly keyId: Uint8Array;
  /** Encoded once: the issuer name, the signature algorithm, and the extensions every leaf carries unchanged. */
  readonly name: Prebuilt;
  readonly signatureAlgorithm: Prebuilt;
  readonly keyUsage: Prebuilt;
  readonly extKeyUsage: Prebuilt;
  readonly authorityKeyId: Prebuilt;
}

export function leafIssuer(issuer: Certificate, key: KeyObject): LeafIssuer {
  const skid = issuer.asn1.tbsCertificate.extensions?.find((e) => e.extnID === id_ce_subjectKeyIdentifier);
  const keyId = skid
    ? new Uint8Array(AsnConvert.parse(skid.extnValue.buffer, SubjectKeyIdentifier).buffer)
    : spkiKeyIdentifier(new Uint8Array(issuer.publicKey.export({ type: 'spki', format: 'der' })));
  const ext = (extnID: string, critical: boolean, value: unknown) =>
    new Prebuilt(new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) }));
  const algorithm = signingAlgorithmFor(key);
  return Object.freeze({
    key,
    algorithm,
    keyId,
    name: new Prebuilt(issuer.asn1.tbsCertificate.subject),
    signatureAlgorithm: new Prebuilt(algorithm.identifier()),
    keyUsage: ext(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature)),
    extKeyUsage: ext(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_codeSigning])),
    authorityKeyId: ext(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(toArrayBuffer(keyId)) })),
  });
}

/**
 * A structure whose ASN.1 tree is built once and then reused by every encoding that contains it
 * (IAsnConvertible: the serializer takes the tree as is). An issuance encodes the TBS three times
 * (for the SCT, the precertificate and the final certificate); building each shared part once
 * roughly halves the cost of issuing.
 */
export class Prebuilt implements IAsnConvertible {
  readonly #tree: ReturnType<typeof AsnSerializer.toASN>;
  constructor(value: object) {
    this.#tree = AsnSerializer.toASN(value);
  }
  toASN(): ReturnType<typeof AsnSerializer.toASN> {
    return this.#tree;
  }
  toSchema(): never {
    throw new Error('Prebuilt is write-only');
  }
  fromASN(): this {
    throw new Error('Prebuilt is write-only');
  }
}

export interface LeafRequest {
  /** The subject key, DER SubjectPublicKeyInfo (already vetted by the caller). */
  readonly subjectPublicKeyInfo: Uint8Array;
  /** Content octets of a positive INTEGER, at most 20 octets. */
  readonly serialNumber: Uint8Array;
  readonly notBefore: Date;
  readonly san: SubjectAltName;
  readonly sigstore: SigstoreExtensionValues;
}

/**
 * Builds the certificates of one issuance. `tbsForCt` is the DER TBSCertificate without poison or
 * SCT list: what the SCT signs (RFC 6962 §3.2), and what a verifier rebuilds by removing the SCT
 * list from the final certificate.
 */
export class LeafCertificateBuilder {
  readonly #issuer: LeafIssuer;
  readonly #tbs: TBSCertificate;
  readonly #base: readonly Prebuilt[];
  readonly tbsForCt: Uint8Array;

  constructor(issuer: LeafIssuer, req: LeafRequest) {
    if (req.serialNumber.length === 0 || req.serialNumber.length > 20 || (req.serialNumber[0]! & 0x80) !== 0) {
      throw new Error('serial number must be a positive INTEGER of at most 20 octets');
    }
    this.#issuer = issuer;
    const spki = AsnConvert.parse(req.subjectPublicKeyInfo, SubjectPublicKeyInfo);
    const skid = new Uint8Array(createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest());
    const own = (e: Extension) => new Prebuilt(e);
    // Go's CreateCertificate order: KeyUsage, ExtKeyUsage, SKID, AKID, SAN, then the extra extensions.
    this.#base = Object.freeze([
      issuer.keyUsage,
      issuer.extKeyUsage,
      own(new Extension({ extnID: id_ce_subjectKeyIdentifier, critical: false, extnValue: new OctetString(AsnConvert.serialize(new SubjectKeyIdentifier(toArrayBuffer(skid)))) })),
      issuer.authorityKeyId,
      own(subjectAltNameExtension(req.san)),
      ...renderSigstoreExtensions(req.sigstore).map(own),
    ]);
    // Prebuilt parts stand in for the typed fields they encode.
    this.#tbs = new TBSCertificate({
      version: Version.v3,
      serialNumber: toArrayBuffer(req.serialNumber),
      signature: issuer.signatureAlgorithm as unknown as TBSCertificate['signature'],
      issuer: issuer.name as unknown as Name,
      validity: new Validity(),
      subject: EMPTY_NAME as unknown as Name, // empty: the identity is the SAN
      subjectPublicKeyInfo: new Prebuilt(spki) as unknown as SubjectPublicKeyInfo,
    });
    this.#tbs.validity.notBefore = x509Time(req.notBefore);
    this.#tbs.validity.notAfter = x509Time(new Date(req.notBefore.getTime() + LEAF_VALIDITY_MS));
    this.tbsForCt = new Uint8Array(this.#tbsTree(undefined).toBER(false));
  }

  #tbsTree(last: Extension | undefined): ReturnType<typeof AsnSerializer.toASN> {
    const exts = last ? [...this.#base, new Prebuilt(last)] : [...this.#base];
    this.#tbs.extensions = new Extensions(exts as unknown as Extension[]);
    return AsnSerializer.toASN(this.#tbs);
  }

  #sign(last: Extension | undefined): Uint8Array {
    const tree = this.#tbsTree(last);
    const tbsDer = new Uint8Array(tree.toBER(false));
    const signature = signData(this.#issuer.algorithm, this.#issuer.key, tbsDer);
    const cert = new AsnCertificate({
      tbsCertificate: { toASN: () => tree, fromASN: () => cert, toSchema: () => tree } as unknown as TBSCertificate, // the tree just signed
      signatureAlgorithm: this.#issuer.signatureAlgorithm as unknown as AsnCertificate['signatureAlgorithm'],
      signatureValue: toArrayBuffer(signature),
    });
    return new Uint8Array(AsnConvert.serialize(cert));
  }

  /** The precertificate: the base extensions plus the critical poison extension, last. */
  precertificate(): Uint8Array {
    return this.#sign(ctPoisonExtension());
  }

  /** The final certificate: the base extensions plus the SCT list (TLS bytes), last. */
  finalCertificate(sctList: Uint8Array): Uint8Array {
    return this.#sign(sctListExtension(sctList));
  }

  /** A certificate without certificate transparency (no log configured). */
  certificateWithoutSct(): Uint8Array {
    return this.#sign(undefined);
  }
}

const EMPTY_NAME = new Prebuilt(new Name());

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's value. */
export function spkiKeyIdentifier(spkiDer: Uint8Array): Uint8Array {
  const spki = AsnConvert.parse(spkiDer, SubjectPublicKeyInfo);
  return new Uint8Array(createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest());
}

function toArrayBuffer(u: Uint8Array): ArrayBuffer {
  return u.slice().buffer;
}
