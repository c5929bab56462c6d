/**
 * The certificate model (RFC 5280 §4.1), one for every use: client certificates in entries (the hot
 * path), the operator's CA and TSA chains, and CT submissions.
 *
 *   Certificate    ::= SEQUENCE { tbsCertificate TBSCertificate, signatureAlgorithm AlgorithmIdentifier,
 *                                 signatureValue BIT STRING }
 *   TBSCertificate ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, serialNumber INTEGER,
 *                                 signature AlgorithmIdentifier, issuer Name, validity Validity,
 *                                 subject Name, subjectPublicKeyInfo SubjectPublicKeyInfo,
 *                                 issuerUniqueID [1] IMPLICIT OPTIONAL, subjectUniqueID [2] IMPLICIT OPTIONAL,
 *                                 extensions [3] EXPLICIT Extensions OPTIONAL }
 *
 * `parseCertificate` is a strict walk through src/encoding/der.ts, with Go's crypto/x509 rules where
 * Rekor relies on them (DER, no trailing data, positive serial, no duplicate extensions, extensions
 * only in v3, matching inner and outer signature algorithms), and the key through src/crypto/spki.ts
 * (type and size limits). It costs ~35 µs for a Fulcio certificate (mostly the curve-point check)
 * where @peculiar/asn1-x509 plus node's X509Certificate cost ~0.9 ms, so those two views (`asn1`, for
 * extensions and names; `x509`, for OpenSSL signature checks) are built on first use and kept: the
 * CA, TSA and CT code use them, entries mostly do not.
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate as AsnCertificate, type Extension } from '@peculiar/asn1-x509';
import { ProvenantError } from '../errors.ts';
import { checkNesting, childrenOf, content, decodeOid, DerError, readElement, TAG_BIT_STRING, TAG_INTEGER, TAG_OID, TAG_SEQUENCE, type Tlv, whole } from '../encoding/der.ts';
import { decodePem, encodePem } from '../encoding/pem.ts';
import { type ClientPublicKey, parsePublicKeyDer } from '../crypto/spki.ts';
import { GO_HANDLED_EXTENSIONS, OID_BASIC_CONSTRAINTS, OID_SAN, parseBasicConstraints, readExtensions } from './extensions.ts';
import { parseSubjectAltName } from './general-names.ts';

const TAG_UTC_TIME = 0x17;
const TAG_GENERALIZED_TIME = 0x18;

/** What the strict walk reads; every field is immutable. */
export interface CertificateFields {
  /** The exact DER (what is hashed, embedded and published; Go's `cert.Raw`). */
  readonly der: Uint8Array;
  /** DER TBSCertificate (Go's `RawTBSCertificate`). */
  readonly tbs: Uint8Array;
  /** DER issuer and subject Names, compared byte for byte when chaining (Go's `RawIssuer`, `RawSubject`). */
  readonly issuerRaw: Uint8Array;
  readonly subjectRaw: Uint8Array;
  /** serialNumber INTEGER content octets (minimal, positive). */
  readonly serialNumber: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** signatureAlgorithm OID, dotted. */
  readonly signatureAlgorithm: string;
  readonly key: ClientPublicKey;
  /** basicConstraints present (Go's BasicConstraintsValid) with cA true. */
  readonly isCA: boolean;
  /** basicConstraints pathLenConstraint, -1 when absent. */
  readonly maxPathLen: number;
  /** OIDs of critical extensions Go's x509 does not process (its UnhandledCriticalExtensions). */
  readonly unhandledCritical: readonly string[];
  /** SAN values in the order of cryptoutils.GetSubjectAlternateNames: DNS, emails, IPs, URIs, OtherName. */
  readonly subjects: readonly string[];
  readonly emails: readonly string[];
}

// The class carries the fields (declaration merging) plus the lazily built views.
export interface Certificate extends CertificateFields {}

/** A parsed certificate. Immutable; build it with `parseCertificate`. */
export class Certificate {
  #asn1: AsnCertificate | undefined;
  #x509: X509Certificate | undefined;

  constructor(fields: CertificateFields) {
    Object.assign(this, fields);
    Object.freeze(this);
  }

  /** The @peculiar/asn1-x509 structure (names, extensions with their critical flags), parsed on first use. */
  get asn1(): AsnCertificate {
    this.#asn1 ??= AsnConvert.parse(this.der, AsnCertificate);
    return this.#asn1;
  }

  /** node's view (OpenSSL: signature checks, issuer matching), built on first use; throws when OpenSSL cannot parse the DER. */
  get x509(): X509Certificate {
    this.#x509 ??= new X509Certificate(this.der);
    return this.#x509;
  }

  get publicKey(): KeyObject {
    return this.key.keyObject;
  }

  /** One-line subject for messages, e.g. "O=provenant, CN=provenant TSA" (empty for Fulcio leaves). */
  get subject(): string {
    return (this.x509.subject ?? '').split('\n').join(', ');
  }
}

/**
 * Parses one DER certificate (strict walk; see the module comment). Throws ProvenantError
 * 'invalid_argument' with a message naming the failed check.
 */
export function parseCertificate(der: Uint8Array): Certificate {
  try {
    return walkCertificate(der);
  } catch (e) {
    if (e instanceof DerError) throw new ProvenantError('invalid_argument', `invalid certificate: ${e.message}`, { cause: e });
    throw e;
  }
}

function walkCertificate(derIn: Uint8Array): Certificate {
  const der = new Uint8Array(derIn);
  const top = readElement(der);
  if (top.tag !== TAG_SEQUENCE) throw new DerError('expected SEQUENCE');
  checkNesting(der, top, 0);
  const [tbsT, sigAlgT, sigT, ...extra] = childrenOf(der, top);
  if (tbsT === undefined || sigAlgT === undefined || sigT === undefined || extra.length > 0 || tbsT.tag !== TAG_SEQUENCE) {
    throw new DerError('malformed certificate');
  }
  const tbsFields = childrenOf(der, tbsT);
  let i = 0;
  let version = 0;
  if (sigAlgT.tag !== TAG_SEQUENCE || sigT.tag !== TAG_BIT_STRING) throw new DerError('malformed certificate');
  if (tbsFields[0]?.tag === 0xa0) {
    const [v] = childrenOf(der, tbsFields[0]);
    const vb = v === undefined || v.tag !== TAG_INTEGER ? undefined : content(der, v);
    if (vb === undefined || vb.length !== 1 || (vb[0] as number) > 2) throw new DerError('invalid version');
    version = vb[0] as number;
    i = 1;
  }
  const serialT = tbsFields[i];
  const tbsSigAlgT = tbsFields[i + 1];
  const issuerT = tbsFields[i + 2];
  const subjectT = tbsFields[i + 4];
  const spkiT = tbsFields[i + 5];
  if (serialT === undefined || tbsSigAlgT === undefined || issuerT === undefined || subjectT === undefined || spkiT === undefined) {
    throw new DerError('malformed TBSCertificate');
  }
  const serial = content(der, serialT);
  if (serialT.tag !== TAG_INTEGER || serial.length === 0 || ((serial[0] as number) & 0x80) !== 0) {
    // Go 1.23+ refuses negative serial numbers (GODEBUG x509negativeserial=0).
    throw new DerError('negative or malformed serial number');
  }
  if (serial.length > 1 && serial[0] === 0 && ((serial[1] as number) & 0x80) === 0) throw new DerError('serial number not minimally encoded');
  if ([tbsSigAlgT, issuerT, subjectT, spkiT].some((t) => t.tag !== TAG_SEQUENCE)) throw new DerError('malformed TBSCertificate');
  if (!bytesEqual(whole(der, tbsSigAlgT), whole(der, sigAlgT))) {
    throw new DerError('inner and outer signature algorithm identifiers don\'t match');
  }
  if (version < 2 && tbsFields.some((f) => f.tag === 0xa3)) throw new DerError('extensions present in a non-v3 certificate');

  const validityT = tbsFields[i + 3] as Tlv;
  const [notBeforeT, notAfterT, ...moreTimes] = validityT.tag === TAG_SEQUENCE ? childrenOf(der, validityT) : [];
  if (notBeforeT === undefined || notAfterT === undefined || moreTimes.length > 0) throw new DerError('malformed validity');
  const notBefore = parseTime(der, notBeforeT);
  const notAfter = parseTime(der, notAfterT);
  const [sigOidT] = childrenOf(der, sigAlgT);
  if (sigOidT?.tag !== TAG_OID) throw new DerError('malformed signature algorithm');
  const key = parsePublicKeyDer(whole(der, spkiT));

  const seen = new Set<string>();
  const unhandledCritical: string[] = [];
  let isCA = false;
  let maxPathLen = -1;
  let subjects: string[] = [];
  let emails: string[] = [];
  const otherNames: string[] = [];
  for (const ext of readExtensions(der, tbsFields.slice(i + 6))) {
    if (seen.has(ext.oid)) throw new DerError('certificate contains duplicate extensions');
    seen.add(ext.oid);
    if (ext.critical && !GO_HANDLED_EXTENSIONS.has(ext.oid)) unhandledCritical.push(ext.oid);
    if (ext.oid === OID_SAN) {
      const san = parseSubjectAltName(ext.value);
      subjects = [...san.dns, ...san.emails, ...san.ips, ...san.uris];
      emails = san.emails;
      otherNames.push(...san.otherNames);
    } else if (ext.oid === OID_BASIC_CONSTRAINTS) {
      ({ isCA, maxPathLen } = parseBasicConstraints(ext.value));
    }
  }
  // cryptoutils.UnmarshalOtherNameSAN: indexed only when exactly one is present.
  if (otherNames.length === 1) subjects.push(otherNames[0] as string);

  return new Certificate({
    der,
    tbs: whole(der, tbsT),
    issuerRaw: whole(der, issuerT),
    subjectRaw: whole(der, subjectT),
    serialNumber: serial,
    notBefore,
    notAfter,
    signatureAlgorithm: decodeOid(content(der, sigOidT)),
    key,
    isCA,
    maxPathLen,
    unhandledCritical: Object.freeze(unhandledCritical),
    subjects: Object.freeze(subjects),
    emails: Object.freeze(emails),
  });
}

/**
 * Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime } in the DER forms RFC 5280
 * §4.1.2.5 requires: "YYMMDDHHMMSSZ" (YY ≥ 50 → 19YY) and "YYYYMMDDHHMMSSZ".
 */
function parseTime(der: Uint8Array, t: Tlv): Date {
  const c = content(der, t);
  if (c.length > 15) throw new DerError('malformed certificate time');
  const s = Buffer.from(c).toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  if (t.tag === TAG_UTC_TIME && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)) !== null) {
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (t.tag === TAG_GENERALIZED_TIME && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)) !== null) {
    year = Number(m[1]);
  } else {
    throw new DerError('malformed certificate time');
  }
  const [mo, d, h, mi, se] = m.slice(2).map(Number) as [number, number, number, number, number];
  const date = new Date(Date.UTC(year, mo - 1, d, h, mi, se));
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) throw new DerError('malformed certificate time');
  return date;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

// ---------------------------------------------------------------------------------------------
// Operator files and the CA/TSA/CT code

/**
 * Parses every CERTIFICATE block of an operator's PEM file, in order (lenient PEM: explanatory text
 * allowed). Any other block type is an error. Both lazy views are built here, so a certificate that
 * @peculiar or OpenSSL cannot read fails when the file is loaded, not when it is first used.
 */
export function parseCertificatesPem(text: string): Certificate[] {
  const blocks = decodePem(text, { mode: 'lenient' });
  if (blocks.length === 0) throw new Error('no PEM CERTIFICATE block found');
  return blocks.map((b, i) => {
    if (b.type !== 'CERTIFICATE') throw new Error(`PEM block ${i + 1} is ${b.type}, expected CERTIFICATE`);
    try {
      const cert = parseCertificate(b.bytes);
      void cert.asn1;
      void cert.x509;
      return cert;
    } catch (e) {
      throw new Error(`PEM block ${i + 1}: ${(e as Error).message}`, { cause: e });
    }
  });
}

/** Concatenated PEM, in the given order. */
export function certificatesToPem(certs: readonly { readonly der: Uint8Array }[]): string {
  return certs.map((c) => encodePem('CERTIFICATE', c.der)).join('');
}

export function getExtension(cert: Certificate, oid: string): Extension | undefined {
  return cert.asn1.tbsCertificate.extensions?.find((e) => e.extnID === oid);
}

/** Decodes an extension's extnValue as `type`; throws Error naming the extension when malformed. */
export function decodeExtension<T>(ext: Extension, type: new () => T): T {
  try {
    return AsnConvert.parse(ext.extnValue.buffer, type);
  } catch (e) {
    throw new Error(`malformed extension ${ext.extnID}: ${(e as Error).message}`, { cause: e });
  }
}
