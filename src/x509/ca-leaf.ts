/**
 * Fulcio's code-signing certificate profile (docs/certificate-specification.md, pkg/ca/common.go
 * MakeX509, pkg/ca/baseca): empty subject, one critical SAN, KeyUsage digitalSignature (critical),
 * ExtendedKeyUsage codeSigning, SKID/AKID, a random positive 160-bit serial, validity
 * [now, now + 10 min], the Sigstore extensions — and, for certificate transparency, a
 * precertificate with the poison extension last and a final certificate with the SCT list last.
 * Both share one TBS apart from that last extension, as RFC 6962 §3.1 requires.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  Certificate,
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
import type { ParsedCertificate } from './certificate.ts';
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
  readonly name: Name;
  readonly key: KeyObject;
  readonly algorithm: SigningAlgorithm;
  /** The issuer's SubjectKeyIdentifier: the leaf's AuthorityKeyIdentifier. */
  readonly keyId: Uint8Array;
}

export function leafIssuer(issuer: ParsedCertificate, key: KeyObject): LeafIssuer {
  const skid = issuer.asn1.tbsCertificate.extensions?.find((e) => e.extnID === id_ce_subjectKeyIdentifier);
  const keyId = skid
    ? new Uint8Array(AsnConvert.parse(skid.extnValue.buffer, SubjectKeyIdentifier).buffer)
    : spkiKeyIdentifier(new Uint8Array(issuer.publicKey.export({ type: 'spki', format: 'der' })));
  return Object.freeze({ name: issuer.asn1.tbsCertificate.subject, key, algorithm: signingAlgorithmFor(key), keyId });
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
  readonly #base: readonly Extension[];
  readonly tbsForCt: Uint8Array;

  constructor(issuer: LeafIssuer, req: LeafRequest) {
    if (req.serialNumber.length === 0 || req.serialNumber.length > 20 || (req.serialNumber[0]! & 0x80) !== 0) {
      throw new Error('serial number must be a positive INTEGER of at most 20 octets');
    }
    this.#issuer = issuer;
    const spki = AsnConvert.parse(req.subjectPublicKeyInfo, SubjectPublicKeyInfo);
    // Go's CreateCertificate order: KeyUsage, ExtKeyUsage, SKID, AKID, SAN, then the extra extensions.
    this.#base = Object.freeze([
      new Extension({ extnID: id_ce_keyUsage, critical: true, extnValue: new OctetString(AsnConvert.serialize(new KeyUsage(KeyUsageFlags.digitalSignature))) }),
      new Extension({ extnID: id_ce_extKeyUsage, critical: false, extnValue: new OctetString(AsnConvert.serialize(new ExtendedKeyUsage([id_kp_codeSigning]))) }),
      new Extension({
        extnID: id_ce_subjectKeyIdentifier,
        critical: false,
        extnValue: new OctetString(AsnConvert.serialize(new SubjectKeyIdentifier(toArrayBuffer(spkiKeyIdentifier(req.subjectPublicKeyInfo))))),
      }),
      new Extension({
        extnID: id_ce_authorityKeyIdentifier,
        critical: false,
        extnValue: new OctetString(AsnConvert.serialize(new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(toArrayBuffer(issuer.keyId)) }))),
      }),
      subjectAltNameExtension(req.san),
      ...renderSigstoreExtensions(req.sigstore),
    ]);
    this.#tbs = new TBSCertificate({
      version: Version.v3,
      serialNumber: toArrayBuffer(req.serialNumber),
      signature: issuer.algorithm.identifier(),
      issuer: issuer.name,
      validity: new Validity(),
      subject: new Name(), // empty: the identity is the SAN
      subjectPublicKeyInfo: spki,
    });
    this.#tbs.validity.notBefore = x509Time(req.notBefore);
    this.#tbs.validity.notAfter = x509Time(new Date(req.notBefore.getTime() + LEAF_VALIDITY_MS));
    this.tbsForCt = this.#tbsDer(undefined);
  }

  #tbsDer(last: Extension | undefined): Uint8Array {
    this.#tbs.extensions = new Extensions(last ? [...this.#base, last] : [...this.#base]);
    return new Uint8Array(AsnConvert.serialize(this.#tbs));
  }

  #sign(last: Extension | undefined): Uint8Array {
    const tbsDer = this.#tbsDer(last);
    const signature = signData(this.#issuer.algorithm, this.#issuer.key, tbsDer);
    const cert = new Certificate({
      tbsCertificate: this.#tbs, // serialises to tbsDer: its extensions were just set by #tbsDer
      signatureAlgorithm: this.#issuer.algorithm.identifier(),
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

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's value. */
export function spkiKeyIdentifier(spkiDer: Uint8Array): Uint8Array {
  const spki = AsnConvert.parse(spkiDer, SubjectPublicKeyInfo);
  return new Uint8Array(createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest());
}

function toArrayBuffer(u: Uint8Array): ArrayBuffer {
  return u.slice().buffer;
}
