import { createHash, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  type Name,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Time,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { randomSerialNumber, signData, signingAlgorithmFor } from './algorithms.ts';

/**
 * Certificate building on @peculiar/asn1-x509 + node:crypto, synchronous and with the extension
 * order exactly as given (a CA that embeds SCTs needs the precertificate and the final certificate
 * to list extensions in the same order).
 */

export interface CertificateTemplate {
  /** Content octets of the serial INTEGER; default: randomSerialNumber(). */
  readonly serialNumber?: Uint8Array;
  readonly subject: Name;
  /** The issuer's subject; equal to `subject` for a self-signed certificate. */
  readonly issuer: Name;
  /** Truncated to whole seconds (X.509 times have no fractions). */
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: KeyObject;
  readonly extensions: readonly Extension[];
}

/** RFC 5280 §4.1.2.5 (and RFC 5652 §11.3 for signingTime): UTCTime for 1950–2049, GeneralizedTime otherwise. */
export function x509Time(date: Date): Time {
  const whole = new Date(Math.floor(date.getTime() / 1000) * 1000);
  const year = whole.getUTCFullYear();
  return year >= 1950 && year < 2050 ? new Time({ utcTime: whole }) : new Time({ generalTime: whole });
}

export function subjectPublicKeyInfo(publicKey: KeyObject): SubjectPublicKeyInfo {
  return AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
}

/**
 * Key identifier per RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value.
 * SHA-1 is only a name here, not a security property; it is what Go, openssl and Fulcio compute.
 */
export function keyIdentifier(publicKey: KeyObject): Uint8Array {
  const spki = subjectPublicKeyInfo(publicKey);
  return new Uint8Array(createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest());
}

/** Signs `template` with `issuerKey` and returns the DER certificate. */
export function buildCertificate(template: CertificateTemplate, issuerKey: KeyObject): Uint8Array {
  if (!(template.notBefore.getTime() < template.notAfter.getTime())) throw new Error('notBefore must be before notAfter');
  const ids = new Set<string>();
  for (const e of template.extensions) {
    if (ids.has(e.extnID)) throw new Error(`extension ${e.extnID} given twice`);
    ids.add(e.extnID);
  }
  const alg = signingAlgorithmFor(issuerKey);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(template.serialNumber ?? randomSerialNumber()),
    signature: alg.identifier(),
    issuer: template.issuer,
    validity: new Validity(),
    subject: template.subject,
    subjectPublicKeyInfo: subjectPublicKeyInfo(template.publicKey),
    extensions: new Extensions([...template.extensions]),
  });
  tbs.validity.notBefore = x509Time(template.notBefore);
  tbs.validity.notAfter = x509Time(template.notAfter);
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = signData(alg, issuerKey, tbsDer);
  const cert = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: alg.identifier(), signatureValue: toArrayBuffer(signature) });
  return new Uint8Array(AsnConvert.serialize(cert));
}

function extension(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** Extension builders (RFC 5280 §4.2.1). Each states its criticality explicitly. */
export const extensions = {
  basicConstraints(opts: { ca: boolean; pathLength?: number; critical: boolean }): Extension {
    const bc = new BasicConstraints({ cA: opts.ca });
    if (opts.pathLength !== undefined) bc.pathLenConstraint = opts.pathLength;
    return extension(id_ce_basicConstraints, opts.critical, bc);
  },
  keyUsage(usages: readonly (keyof typeof KeyUsageFlags)[], critical: boolean): Extension {
    const flags = usages.reduce((acc, u) => acc | KeyUsageFlags[u], 0);
    return extension(id_ce_keyUsage, critical, new KeyUsage(flags));
  },
  extendedKeyUsage(purposes: readonly string[], critical: boolean): Extension {
    return extension(id_ce_extKeyUsage, critical, new ExtendedKeyUsage([...purposes]));
  },
  subjectKeyIdentifier(keyId: Uint8Array): Extension {
    return extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(toArrayBuffer(keyId)));
  },
  authorityKeyIdentifier(keyId: Uint8Array): Extension {
    return extension(
      id_ce_authorityKeyIdentifier,
      false,
      new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(toArrayBuffer(keyId)) }),
    );
  },
};

function toArrayBuffer(u: Uint8Array): ArrayBuffer {
  return u.slice().buffer;
}
