import { constants, createHash, type KeyObject, randomFillSync, sign, verify } from 'node:crypto';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';

/**
 * Hash and signature algorithms for certificates and CMS, keyed by what sigstore-js, openssl and
 * Go all understand. Every sign/verify call states its options (DER ECDSA, PKCS#1 v1.5 RSA).
 */

export type HashName = 'sha256' | 'sha384' | 'sha512';

/** RFC 5754 §2 (SHA-2 OIDs). */
export const HASH_OIDS: Readonly<Record<HashName, string>> = Object.freeze({
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
});

export const HASH_LENGTHS: Readonly<Record<HashName, number>> = Object.freeze({ sha256: 32, sha384: 48, sha512: 64 });

export function hashNameForOid(oid: string): HashName | undefined {
  for (const name of Object.keys(HASH_OIDS) as HashName[]) if (HASH_OIDS[name] === oid) return name;
  return undefined;
}

/**
 * A SHA-2 AlgorithmIdentifier. RFC 5754 §2: generate with parameters absent (CMS digestAlgorithm,
 * ESSCertIDv2); `withNullParameters` exists for message imprints, where Go and openssl send NULL.
 */
export function hashAlgorithmIdentifier(hash: HashName, withNullParameters = false): AlgorithmIdentifier {
  return new AlgorithmIdentifier({ algorithm: HASH_OIDS[hash], ...(withNullParameters ? { parameters: null } : {}) });
}

export function digest(hash: HashName, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(hash).update(data).digest());
}

export interface SigningAlgorithm {
  /** Human-readable, for messages and logs, e.g. 'ECDSA P-256 with SHA-256'. */
  readonly description: string;
  readonly keyType: 'ec' | 'rsa';
  /** Digest used both for the signature and (in CMS) for the messageDigest attribute. */
  readonly hash: HashName;
  /** signatureAlgorithm: ecdsa-with-SHA* (RFC 5758 §3.2, parameters absent) or sha*WithRSAEncryption (RFC 4055, NULL). */
  readonly oid: string;
  readonly identifier: () => AlgorithmIdentifier;
}

const EC_ALGORITHMS: Readonly<Record<string, { hash: HashName; oid: string; curve: string }>> = {
  prime256v1: { hash: 'sha256', oid: '1.2.840.10045.4.3.2', curve: 'P-256' },
  secp384r1: { hash: 'sha384', oid: '1.2.840.10045.4.3.3', curve: 'P-384' },
  secp521r1: { hash: 'sha512', oid: '1.2.840.10045.4.3.4', curve: 'P-521' },
};
const RSA_SHA256_OID = '1.2.840.113549.1.1.11';
export const MIN_RSA_BITS = 2048;

/**
 * The signature algorithm used with `key` (private or public): ECDSA P-256/P-384/P-521 with the
 * matching SHA-2, or RSA ≥ 2048 bits with PKCS#1 v1.5 and SHA-256. Anything else (Ed25519, RSA-PSS
 * keys, other curves) throws: sigstore-js maps only ecdsa-with-SHA* and sha*WithRSA OIDs.
 */
export function signingAlgorithmFor(key: KeyObject): SigningAlgorithm {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'ec') {
    const alg = details.namedCurve === undefined ? undefined : EC_ALGORITHMS[details.namedCurve];
    if (alg === undefined) throw new Error(`unsupported EC curve ${details.namedCurve ?? '(unknown)'}; use P-256, P-384 or P-521`);
    const { hash, oid, curve } = alg;
    return {
      description: `ECDSA ${curve} with ${hash.toUpperCase().replace('SHA', 'SHA-')}`,
      keyType: 'ec',
      hash,
      oid,
      identifier: () => new AlgorithmIdentifier({ algorithm: oid }),
    };
  }
  if (type === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw new Error(`RSA key of ${bits} bits is too small; at least ${MIN_RSA_BITS} bits are required`);
    return {
      description: `RSA-${bits} PKCS#1 v1.5 with SHA-256`,
      keyType: 'rsa',
      hash: 'sha256',
      oid: RSA_SHA256_OID,
      identifier: () => new AlgorithmIdentifier({ algorithm: RSA_SHA256_OID, parameters: null }),
    };
  }
  throw new Error(`unsupported key type ${type ?? '(unknown)'}; use ECDSA P-256/P-384/P-521 or RSA`);
}

/** Signs `data` (hashing it with alg.hash). ECDSA signatures are DER-encoded, as X.509 and CMS require. */
export function signData(alg: SigningAlgorithm, privateKey: KeyObject, data: Uint8Array): Uint8Array {
  const options =
    alg.keyType === 'ec'
      ? { key: privateKey, dsaEncoding: 'der' as const }
      : { key: privateKey, padding: constants.RSA_PKCS1_PADDING };
  return new Uint8Array(sign(alg.hash, data, options));
}

export function verifyData(alg: SigningAlgorithm, publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const options =
    alg.keyType === 'ec'
      ? { key: publicKey, dsaEncoding: 'der' as const }
      : { key: publicKey, padding: constants.RSA_PKCS1_PADDING };
  return verify(alg.hash, data, options, signature);
}

/**
 * A random positive serial number of 20 octets (RFC 5280 §4.1.2.2 allows at most 20; RFC 3161
 * clients must accept 160 bits). The first octet is forced into 0x01..0x7f so the value is positive
 * and its DER encoding is minimal and exactly 20 octets long: 159 bits of randomness less a sliver.
 */
export function randomSerialNumber(): Uint8Array {
  const serial = randomFillSync(new Uint8Array(20));
  serial[0] = (serial[0]! & 0x7f) || 0x01;
  return serial;
}
