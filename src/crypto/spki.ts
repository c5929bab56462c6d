/**
 * SubjectPublicKeyInfo (RFC 5280 §4.1.2.7; RFC 3279 §2.3.1 RSA, RFC 5480 §2 EC, RFC 8410 §4 Ed25519)
 * of client keys — a bare PUBLIC KEY or a certificate's key — as Go's `x509.ParsePKIXPublicKey`
 * reads it, plus the limits every key must meet before it is used (issue 10):
 *
 *   SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
 *   AlgorithmIdentifier  ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }
 *   RSAPublicKey         ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
 *
 * - DER through src/encoding/der.ts: definite minimal lengths, no trailing data, bounded nesting.
 * - Keys: RSA (rsaEncryption with NULL parameters; modulus odd and at most MAX_RSA_MODULUS_BITS,
 *   exponent odd in [3, 2^31-1]), ECDSA on P-224/P-256/P-384/P-521 with an uncompressed point on the
 *   curve, Ed25519 without parameters. Go's parser also accepts DSA and X25519 but no Rekor verifier
 *   can use them (`signature.LoadVerifier`: "unsupported public key type"), so they are refused here.
 * - Canonical form: strict DER with minimal integers is exactly what Go's `x509.MarshalPKIXPublicKey`
 *   re-marshals, so the input is the canonical form (tests assert it equals node's export).
 * All input is attacker-controlled.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { ProvenantError } from '../errors.ts';
import { checkNesting, childrenOf, content, decodeOid, DerError, readElement, readPositiveInteger, TAG_BIT_STRING, TAG_NULL, TAG_OID, TAG_SEQUENCE } from '../encoding/der.ts';

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

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

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

/**
 * Parses a DER SubjectPublicKeyInfo (strict; see the module comment). Throws ProvenantError
 * 'invalid_argument' with a message naming the failed check.
 */
export function parsePublicKeyDer(der: Uint8Array): ClientPublicKey {
  try {
    return parseSpki(der);
  } catch (e) {
    if (e instanceof DerError) throw new ProvenantError('invalid_argument', `invalid public key: ${e.message}`, { cause: e });
    throw e;
  }
}

function parseSpki(der: Uint8Array): ClientPublicKey {
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
  // The canonical form (see the module comment).
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

