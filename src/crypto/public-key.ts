/**
 * Client verification material: a PEM PUBLIC KEY (PKIX SubjectPublicKeyInfo), a PEM CERTIFICATE, or a
 * concatenated certificate chain — what Rekor's pkg/pki/x509 `NewPublicKey` accepts — parsed once into
 * the canonical PEM Rekor stores, a node:crypto KeyObject, the key type, and the leaf's SAN values.
 *
 * All input is attacker-controlled. Rules, mirroring Go where Rekor relies on Go:
 * - PEM: see src/encoding/pem.ts (stricter than Go: no text outside blocks, no headers).
 *   One block must be "PUBLIC KEY" or "CERTIFICATE"; several blocks are a chain of at most 10
 *   certificates, whatever their labels (cryptoutils.UnmarshalCertificatesFromPEMLimited).
 * - DER: definite, minimal lengths, no trailing data, at every level we walk (Go's encoding/asn1 and
 *   cryptobyte are DER-strict; `x509.ParsePKIXPublicKey` rejects trailing data).
 * - Keys: RSA (rsaEncryption with NULL parameters), ECDSA on P-224/P-256/P-384/P-521 with an
 *   uncompressed point, Ed25519 without parameters. Go's parser also accepts DSA and X25519 but no
 *   Rekor verifier can use them (`signature.LoadVerifier`: "unsupported public key type"), so they are
 *   refused here.
 * - Canonical form = Go's re-marshal: `x509.MarshalPKIXPublicKey` for a key (equal to the strict DER
 *   we accepted; tests assert it equals node's export), `cert.Raw` for certificates, each re-encoded by
 *   `pem.EncodeToMemory` and concatenated for a chain.
 * No trust decision is made here: Rekor checks no trust root, no validity period and no key usage
 * (only a submitted chain is checked against its own last certificate; see verifyCertificateChain).
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { ProvenantError } from '../errors.ts';
import { decodePem, encodePem, PemError } from '../encoding/pem.ts';
import { encodeBase64 } from '../encoding/base64.ts';
import {
  checkNesting,
  childrenOf,
  content,
  decodeOid,
  DerError,
  readElement,
  readPositiveInteger,
  TAG_BIT_STRING,
  TAG_INTEGER,
  TAG_NULL,
  TAG_OCTET_STRING,
  TAG_OID,
  TAG_SEQUENCE,
  TAG_UTF8,
  type Tlv,
  whole,
} from '../encoding/der.ts';

// Chain verification is its own concept (src/x509/chain.ts); re-exported for the entry kinds.
export { verifyCertificateChain } from '../x509/chain.ts';

export type EcCurve = 'P-224' | 'P-256' | 'P-384' | 'P-521';

export type KeyType =
  | { readonly alg: 'ecdsa'; readonly curve: EcCurve }
  | { readonly alg: 'ed25519' }
  /** `sizeBits` is Go's `rsa.PublicKey.Size()*8` (modulus length rounded up to whole bytes), which is
   *  what Rekor's allow-list compares against 2048/3072/4096. */
  | { readonly alg: 'rsa'; readonly modulusBits: number; readonly sizeBits: number };

export interface ClientPublicKey {
  readonly keyObject: KeyObject;
  readonly type: KeyType;
  /** DER SubjectPublicKeyInfo, canonical. */
  readonly spki: Uint8Array;
  /** ECDSA: the uncompressed point 04||X||Y. Ed25519: the 32-byte key. RSA: the modulus (unsigned). */
  readonly raw: Uint8Array;
  /** RSA only: the public exponent. */
  readonly rsaExponent?: bigint;
}

export interface ClientCertificate {
  readonly der: Uint8Array;
  readonly tbs: Uint8Array;
  readonly issuerRaw: Uint8Array;
  readonly subjectRaw: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly signatureAlgorithm: string; // OID, dotted
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

export interface ClientVerifier {
  readonly form: 'public-key' | 'certificate' | 'certificate-chain';
  /** Go `CanonicalValue()`: the PEM Rekor stores (base64-encoded) in the entry body. */
  readonly canonicalPem: string;
  readonly canonicalPemBytes: Uint8Array;
  /** The signing key: the public key itself, or the (leaf) certificate's key. */
  readonly key: ClientPublicKey;
  /** Leaf first; empty for a bare public key. */
  readonly certificates: readonly ClientCertificate[];
  /** Leaf certificate SANs (Rekor `Subjects()`); empty for a bare key. */
  readonly subjects: readonly string[];
}

const MAX_CHAIN = 10;
const CACHE_SIZE = 1024;
const CACHE_MAX_INPUT = 16 * 1024;
const cache = new Map<string, ClientVerifier>();

/**
 * Parses client PEM (bytes as decoded from the entry's base64, or text). Throws ProvenantError
 * 'invalid_argument' with a message naming the failed check. Results are cached (LRU keyed by the
 * exact input) and frozen.
 */
export function parseClientVerifier(pem: Uint8Array | string): ClientVerifier {
  const cacheKey = typeof pem === 'string' ? pem : Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength).toString('latin1');
  const hit = cache.get(cacheKey);
  if (hit !== undefined) {
    cache.delete(cacheKey);
    cache.set(cacheKey, hit);
    return hit;
  }
  const parsed = parseUncached(pem);
  // Bounded memory: entries are at most CACHE_MAX_INPUT characters (a Fulcio certificate is ~3 KB).
  if (cacheKey.length <= CACHE_MAX_INPUT) {
    cache.set(cacheKey, parsed);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  }
  return parsed;
}

/** Parses a DER SubjectPublicKeyInfo (strict). Throws ProvenantError 'invalid_argument'. */
export function parsePublicKeyDer(der: Uint8Array): ClientPublicKey {
  return parseSpki(der);
}

function fail(message: string, cause?: unknown): never {
  throw new ProvenantError('invalid_argument', message, cause === undefined ? {} : { cause });
}

function parseUncached(pem: Uint8Array | string): ClientVerifier {
  let blocks;
  try {
    blocks = decodePem(pem, { mode: 'strict', maxBlocks: MAX_CHAIN });
  } catch (e) {
    if (e instanceof PemError) fail(`invalid public key: failure decoding PEM: ${e.message}`, e);
    throw e;
  }
  if (blocks.length > 1) {
    const certificates = blocks.map((b) => parseCertificate(b.bytes));
    const canonicalPem = certificates.map((c) => encodePem('CERTIFICATE', c.der)).join('');
    const leaf = certificates[0] as ClientCertificate;
    return freeze({ form: 'certificate-chain', canonicalPem, key: leaf.key, certificates, subjects: leaf.subjects });
  }
  const block = blocks[0] as { type: string; bytes: Uint8Array };
  if (block.type === 'PUBLIC KEY') {
    const key = parseSpki(block.bytes);
    return freeze({ form: 'public-key', canonicalPem: encodePem('PUBLIC KEY', key.spki), key, certificates: [], subjects: [] });
  }
  if (block.type === 'CERTIFICATE') {
    const cert = parseCertificate(block.bytes);
    return freeze({ form: 'certificate', canonicalPem: encodePem('CERTIFICATE', cert.der), key: cert.key, certificates: [cert], subjects: cert.subjects });
  }
  return fail(`invalid public key: cannot handle type ${block.type}`);
}

function freeze(v: Omit<ClientVerifier, 'canonicalPemBytes'>): ClientVerifier {
  const buf = Buffer.from(v.canonicalPem, 'latin1');
  return Object.freeze({ ...v, canonicalPemBytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), certificates: Object.freeze([...v.certificates]), subjects: Object.freeze([...v.subjects]) });
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

// ---------------------------------------------------------------------------------------------
// SubjectPublicKeyInfo (RFC 5280 §4.1.2.7; RFC 3279 §2.3.1 RSA, RFC 5480 §2 EC, RFC 8410 §4 Ed25519)
//   SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
//   AlgorithmIdentifier  ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }
//   RSAPublicKey         ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }

/**
 * Largest RSA modulus accepted, in bits. Rekor's and Fulcio's algorithm allow-lists stop at 4096, and
 * the cost of a verification grows with the square of the modulus size, so larger keys are refused
 * while parsing, before any signature is checked.
 */
export const MAX_RSA_MODULUS_BITS = 4096;
/**
 * Largest RSA public exponent: Go's crypto/rsa (checkPublicKey, Go 1.24 and earlier checkPub) refuses
 * e < 2, an even e and e > 2^31-1 at verification; the same rule is applied here at parse time, so
 * odd 3 ≤ e ≤ 2^31-1 (OpenSSL alone would accept up to 64-bit exponents on large moduli). Go also
 * refuses an even modulus.
 */
const MAX_RSA_EXPONENT = 2n ** 31n - 1n;

const OID_RSA = '1.2.840.113549.1.1.1';
const OID_EC = '1.2.840.10045.2.1';
const OID_ED25519 = '1.3.101.112';
const NOBLE_CURVES: Partial<Record<EcCurve, typeof p256>> = { 'P-256': p256, 'P-384': p384, 'P-521': p521 };
const CURVES: Record<string, { curve: EcCurve; fieldBytes: number }> = {
  '1.3.132.0.33': { curve: 'P-224', fieldBytes: 28 },
  '1.2.840.10045.3.1.7': { curve: 'P-256', fieldBytes: 32 },
  '1.3.132.0.34': { curve: 'P-384', fieldBytes: 48 },
  '1.3.132.0.35': { curve: 'P-521', fieldBytes: 66 },
};

function parseSpki(der: Uint8Array): ClientPublicKey {
  try {
    return parseSpkiInner(der);
  } catch (e) {
    if (e instanceof DerError) fail(`invalid public key: ${e.message}`, e);
    throw e;
  }
}

function parseSpkiInner(der: Uint8Array): ClientPublicKey {
  const top = readElement(der);
  if (top.tag !== TAG_SEQUENCE) throw new DerError('SubjectPublicKeyInfo: expected SEQUENCE');
  checkNesting(der, top, 0);
  const [algId, bits, ...extra] = childrenOf(der, top);
  if (algId === undefined || bits === undefined || extra.length > 0 || algId.tag !== TAG_SEQUENCE || bits.tag !== TAG_BIT_STRING) {
    throw new DerError('malformed SubjectPublicKeyInfo');
  }
  const [oidT, params, ...more] = childrenOf(der, algId);
  if (oidT === undefined || oidT.tag !== TAG_OID || more.length > 0) throw new DerError('malformed AlgorithmIdentifier');
  const oid = decodeOid(content(der, oidT));
  const bitString = content(der, bits);
  if (bitString.length < 1 || bitString[0] !== 0) throw new DerError('public key BIT STRING has unused bits');
  const keyBytes = bitString.subarray(1);

  let type: KeyType;
  let raw: Uint8Array;
  let rsaExponent: bigint | undefined;
  if (oid === OID_RSA) {
    if (params === undefined || params.tag !== TAG_NULL || params.end !== params.contentStart) {
      throw new DerError('RSA key missing NULL parameters');
    }
    const rsa = readElement(keyBytes);
    if (rsa.tag !== TAG_SEQUENCE) throw new DerError('RSA public key: expected SEQUENCE');
    const [nT, eT, ...rest] = childrenOf(keyBytes, rsa);
    if (nT === undefined || eT === undefined || rest.length > 0) throw new DerError('malformed RSA public key');
    raw = readPositiveInteger(keyBytes, nT, 'RSA modulus');
    // Size and sanity before anything uses the key (issue 10: a 16384-bit key cost 16× a 4096-bit
    // one per verification, and was verified before any allow-list check).
    const modulusBits = raw.length * 8 - Math.clz32(raw[0] as number) + 24;
    if (modulusBits > MAX_RSA_MODULUS_BITS) {
      throw new DerError(`RSA modulus of ${modulusBits} bits is larger than the limit of ${MAX_RSA_MODULUS_BITS} bits`);
    }
    if (((raw[raw.length - 1] as number) & 1) === 0) throw new DerError('RSA modulus is even');
    const e = readPositiveInteger(keyBytes, eT, 'RSA public exponent');
    // More than 4 octets is over the limit whatever the value; no need to convert it.
    rsaExponent = e.length > 4 ? undefined : BigInt('0x' + hex(e));
    if (rsaExponent === undefined || rsaExponent < 3n || rsaExponent > MAX_RSA_EXPONENT || (rsaExponent & 1n) === 0n) {
      throw new DerError(`RSA public exponent must be odd and between 3 and ${MAX_RSA_EXPONENT} (2^31-1)`);
    }
    type = { alg: 'rsa', modulusBits, sizeBits: raw.length * 8 };
  } else if (oid === OID_EC) {
    if (params === undefined || params.tag !== TAG_OID) throw new DerError('EC key without a named curve');
    const curveOid = decodeOid(content(der, params));
    const c = CURVES[curveOid];
    if (c === undefined) throw new DerError(`unsupported elliptic curve ${curveOid}`);
    if (keyBytes.length !== 1 + 2 * c.fieldBytes || keyBytes[0] !== 0x04) {
      throw new DerError('failed to unmarshal elliptic curve point (only uncompressed points are accepted)');
    }
    raw = keyBytes;
    type = { alg: 'ecdsa', curve: c.curve };
  } else if (oid === OID_ED25519) {
    if (params !== undefined) throw new DerError('Ed25519 key encoded with illegal parameters');
    if (keyBytes.length !== 32) throw new DerError('Ed25519 key has wrong length');
    raw = keyBytes;
    type = { alg: 'ed25519' };
  } else {
    throw new DerError(`unsupported public key algorithm ${oid}`);
  }

  // Go's elliptic.Unmarshal refuses points off the curve; check at parse time, as Go does.
  if (type.alg === 'ecdsa') {
    const noble = NOBLE_CURVES[type.curve];
    try {
      if (noble !== undefined) noble.Point.fromBytes(raw);
      else createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }); // P-224: OpenSSL checks
    } catch {
      throw new DerError('elliptic curve point is not on the curve');
    }
  }
  // Strict DER with minimal integers and the encodings checked above is exactly what Go's
  // x509.MarshalPKIXPublicKey re-marshals, so the input is the canonical form (tests assert it
  // equals node's export for every key type).
  const spki = new Uint8Array(der); // own copy: callers may reuse their buffer
  return lazyKeyObject({ type, spki, raw: new Uint8Array(raw), ...(rsaExponent === undefined ? {} : { rsaExponent }) });
}

/**
 * The node:crypto KeyObject is built on first use (~0.1 ms): the prehashed-ECDSA path of a
 * hashedrekord entry never needs it.
 */
function lazyKeyObject(fields: Omit<ClientPublicKey, 'keyObject'>): ClientPublicKey {
  let keyObject: KeyObject | undefined;
  const key = { ...fields } as ClientPublicKey;
  Object.defineProperty(key, 'keyObject', {
    enumerable: true,
    get(): KeyObject {
      keyObject ??= createPublicKey({ key: Buffer.from(fields.spki), format: 'der', type: 'spki' });
      return keyObject;
    },
  });
  return Object.freeze(key);
}

// ---------------------------------------------------------------------------------------------
// Certificates (RFC 5280 §4.1)
//   Certificate    ::= SEQUENCE { tbsCertificate TBSCertificate, signatureAlgorithm AlgorithmIdentifier,
//                                 signatureValue BIT STRING }
//   TBSCertificate ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, serialNumber INTEGER,
//                                 signature AlgorithmIdentifier, issuer Name, validity Validity,
//                                 subject Name, subjectPublicKeyInfo SubjectPublicKeyInfo,
//                                 issuerUniqueID [1] IMPLICIT OPTIONAL, subjectUniqueID [2] IMPLICIT OPTIONAL,
//                                 extensions [3] EXPLICIT Extensions OPTIONAL }

const OID_SAN = '2.5.29.17';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
/** Extensions Go's crypto/x509 parses; a critical extension not in this set is "unhandled". */
const GO_HANDLED_EXTENSIONS = new Set([
  '2.5.29.15', // keyUsage
  '2.5.29.19', // basicConstraints
  '2.5.29.17', // subjectAltName
  '2.5.29.30', // nameConstraints
  '2.5.29.31', // cRLDistributionPoints
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.37', // extKeyUsage
  '2.5.29.32', // certificatePolicies
  '1.3.6.1.5.5.7.1.1', // authorityInfoAccess
]);
/** Sigstore's OtherName SAN type (cryptoutils.OIDOtherName), the only OtherName Rekor indexes. */
const OID_SIGSTORE_OTHERNAME = '1.3.6.1.4.1.57264.1.7';

function parseCertificate(der: Uint8Array): ClientCertificate {
  try {
    return parseCertificateInner(der);
  } catch (e) {
    if (e instanceof DerError) fail(`invalid certificate: ${e.message}`, e);
    if (e instanceof ProvenantError) throw e;
    fail(`invalid certificate: ${(e as Error).message}`, e);
  }
}

function parseCertificateInner(derIn: Uint8Array): ClientCertificate {
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
  const key = parseSpki(whole(der, spkiT));

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
      const san = parseSan(ext.value);
      subjects = [...san.dns, ...san.emails, ...san.ips, ...san.uris];
      emails = san.emails;
      otherNames.push(...san.otherNames);
    } else if (ext.oid === OID_BASIC_CONSTRAINTS) {
      ({ isCA, maxPathLen } = parseBasicConstraints(ext.value));
    }
  }
  // cryptoutils.UnmarshalOtherNameSAN: indexed only when exactly one is present.
  if (otherNames.length === 1) subjects.push(otherNames[0] as string);

  return Object.freeze({
    der,
    tbs: whole(der, tbsT),
    issuerRaw: whole(der, issuerT),
    subjectRaw: whole(der, subjectT),
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
 * The optional tail of TBSCertificate: issuerUniqueID [1], subjectUniqueID [2], extensions [3]
 * EXPLICIT SEQUENCE OF Extension, where
 *   Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
 */
function readExtensions(der: Uint8Array, tail: Tlv[]): { oid: string; critical: boolean; value: Uint8Array }[] {
  let last = 0;
  let extsT: Tlv | undefined;
  for (const t of tail) {
    const n = { 0x81: 1, 0xa1: 1, 0x82: 2, 0xa2: 2, 0xa3: 3 }[t.tag];
    if (n === undefined || n <= last) throw new DerError('malformed TBSCertificate');
    last = n;
    if (n === 3) extsT = t;
  }
  if (extsT === undefined) return [];
  const [seq, ...rest] = childrenOf(der, extsT);
  if (seq === undefined || seq.tag !== TAG_SEQUENCE || rest.length > 0) throw new DerError('malformed extensions');
  return childrenOf(der, seq).map((e) => {
    const f = e.tag === TAG_SEQUENCE ? childrenOf(der, e) : [];
    const oidT = f[0];
    const critT = f.length === 3 ? f[1] : undefined;
    const valT = f[f.length - 1];
    if (oidT?.tag !== TAG_OID || valT?.tag !== TAG_OCTET_STRING || f.length < 2 || f.length > 3) throw new DerError('malformed extension');
    let critical = false;
    if (critT !== undefined) {
      const c = content(der, critT);
      if (critT.tag !== 0x01 || c.length !== 1 || (c[0] !== 0 && c[0] !== 0xff)) throw new DerError('malformed extension criticality');
      critical = c[0] === 0xff;
    }
    return { oid: decodeOid(content(der, oidT)), critical, value: content(der, valT) };
  });
}

/**
 * Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime } in the DER forms RFC 5280
 * §4.1.2.5 requires: "YYMMDDHHMMSSZ" (YY ≥ 50 → 19YY) and "YYYYMMDDHHMMSSZ".
 */
function parseTime(der: Uint8Array, t: Tlv): Date {
  const s = Buffer.from(content(der, t)).toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  if (t.tag === 0x17 && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)) !== null) {
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (t.tag === 0x18 && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)) !== null) {
    year = Number(m[1]);
  } else {
    throw new DerError('malformed certificate time');
  }
  const [mo, d, h, mi, se] = m.slice(2).map(Number) as [number, number, number, number, number];
  const date = new Date(Date.UTC(year, mo - 1, d, h, mi, se));
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) throw new DerError('malformed certificate time');
  return date;
}

/**
 * SubjectAltName ::= GeneralNames; GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName (RFC 5280
 * §4.2.1.6). Go (x509 parseSANExtension) keeps rfc822Name [1], dNSName [2], URI [6] (IA5String, must be
 * ASCII) and iPAddress [7] (4 or 16 octets); sigstore adds otherName [0] of type 1.3.6.1.4.1.57264.1.7
 * with a [0] EXPLICIT UTF8String value.
 */
function parseSan(value: Uint8Array): { dns: string[]; emails: string[]; ips: string[]; uris: string[]; otherNames: string[] } {
  const out = { dns: [] as string[], emails: [] as string[], ips: [] as string[], uris: [] as string[], otherNames: [] as string[] };
  const seq = readElement(value);
  if (seq.tag !== TAG_SEQUENCE) throw new DerError('SAN: expected SEQUENCE');
  checkNesting(value, seq, 0);
  for (const gn of childrenOf(value, seq)) {
    const c = content(value, gn);
    switch (gn.tag) {
      case 0x81:
        out.emails.push(ia5(c, 'rfc822Name'));
        break;
      case 0x82:
        out.dns.push(ia5(c, 'dNSName'));
        break;
      case 0x86:
        out.uris.push(ia5(c, 'URI'));
        break;
      case 0x87:
        out.ips.push(goIpString(c));
        break;
      case 0xa0: {
        const [oidT, valT] = childrenOf(value, gn);
        if (oidT?.tag !== TAG_OID || valT?.tag !== 0xa0) break;
        if (decodeOid(content(value, oidT)) !== OID_SIGSTORE_OTHERNAME) break;
        const [utf8] = childrenOf(value, valT);
        if (utf8?.tag !== TAG_UTF8) break;
        const s = new TextDecoder('utf-8', { fatal: false }).decode(content(value, utf8));
        out.otherNames.push(s);
        break;
      }
      default:
        break; // other GeneralName types are skipped, as in Go
    }
  }
  return out;
}

function ia5(b: Uint8Array, what: string): string {
  for (const x of b) if (x > 0x7f) throw new DerError(`SAN ${what} is malformed`);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

/** Go `net.IP.String()`: dotted IPv4 (also for IPv4-mapped IPv6), else RFC 5952 IPv6. */
function goIpString(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length !== 16) throw new DerError(`cannot parse IP address of length ${b.length}`);
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return Array.from(b.subarray(12)).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] as number) << 8) | (b[i + 1] as number));
  // Longest run of zero groups (first one on ties), compressed only if at least two groups long.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const h = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  if (bestLen < 2) return h(groups);
  return `${h(groups.slice(0, bestStart))}::${h(groups.slice(bestStart + bestLen))}`;
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL } */
function parseBasicConstraints(value: Uint8Array): { isCA: boolean; maxPathLen: number } {
  const seq = readElement(value);
  if (seq.tag !== TAG_SEQUENCE) throw new DerError('basicConstraints: expected SEQUENCE');
  let isCA = false;
  let maxPathLen = -1;
  for (const f of childrenOf(value, seq)) {
    const c = content(value, f);
    if (f.tag === 0x01) isCA = c.length === 1 && c[0] !== 0;
    else if (f.tag === TAG_INTEGER) {
      if (c.length === 0 || c.length > 4 || ((c[0] as number) & 0x80) !== 0) throw new DerError('basicConstraints: bad pathLenConstraint');
      maxPathLen = c.reduce((acc, x) => acc * 256 + x, 0);
    } else throw new DerError('basicConstraints: unexpected field');
  }
  return { isCA, maxPathLen };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

// ---------------------------------------------------------------------------------------------

/**
 * The key ID go-securesystemslib's DSSE verifier derives when a verifier has no key ID of its own:
 * `ssh.FingerprintSHA256(ssh.NewPublicKey(pub))` = "SHA256:" + unpadded base64 of SHA-256 of the SSH
 * wire encoding (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4). `undefined` where x/crypto/ssh has no
 * encoding (P-224), in which case the DSSE verifier ignores key IDs.
 */
export function sshSha256Fingerprint(key: ClientPublicKey): string | undefined {
  const str = (b: Uint8Array) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const mpint = (mag: Uint8Array) => {
    let m = Buffer.from(mag);
    while (m.length > 0 && m[0] === 0) m = m.subarray(1);
    if (m.length > 0 && ((m[0] as number) & 0x80) !== 0) m = Buffer.concat([Buffer.from([0]), m]);
    return str(m);
  };
  const ascii = (s: string) => Buffer.from(s, 'latin1');
  let wire: Buffer;
  const t = key.type;
  if (t.alg === 'ed25519') wire = Buffer.concat([str(ascii('ssh-ed25519')), str(key.raw)]);
  else if (t.alg === 'rsa') {
    const eHex = (key.rsaExponent as bigint).toString(16);
    const e = Buffer.from(eHex.length % 2 === 0 ? eHex : '0' + eHex, 'hex');
    wire = Buffer.concat([str(ascii('ssh-rsa')), mpint(e), mpint(key.raw)]);
  } else {
    const name = { 'P-256': 'nistp256', 'P-384': 'nistp384', 'P-521': 'nistp521' }[t.curve as string];
    if (name === undefined) return undefined;
    wire = Buffer.concat([str(ascii(`ecdsa-sha2-${name}`)), str(ascii(name)), str(key.raw)]);
  }
  return 'SHA256:' + encodeBase64(createHash('sha256').update(wire).digest()).replace(/=+$/, '');
}
