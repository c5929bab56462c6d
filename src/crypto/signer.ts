/**
 * The log's signer: checkpoints and SETs. ECDSA P-256 (SHA-256, ASN.1 DER signatures) or pure
 * Ed25519. Other curves are refused: sigstore-js verifies log signatures with SHA-256 whatever the
 * curve, so a P-384 log key would break every client verification.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

export type LogKeyAlgorithm = 'ecdsa-p256-sha256' | 'ed25519';

export interface Signer {
  readonly algorithm: LogKeyAlgorithm;
  /** DER SubjectPublicKeyInfo. */
  readonly publicKeyDer: Uint8Array;
  readonly publicKeyPem: string;
  /** hex SHA-256 of the SPKI DER: Rekor's logID. */
  readonly logId: string;
  sign(message: Uint8Array): Uint8Array;
}

export class KeyError extends Error {
  override name = 'KeyError';
}

export function signerFromPrivateKey(key: KeyObject, what = 'log key'): Signer {
  if (key.type !== 'private') throw new KeyError(`${what}: expected a private key, got a ${key.type} key`);
  let algorithm: LogKeyAlgorithm;
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve !== 'prime256v1') {
      throw new KeyError(
        `${what}: ECDSA curve ${curve ?? 'unknown'} is not supported; use P-256 (prime256v1) or Ed25519 — sigstore clients verify log signatures with SHA-256, so other curves break every verification`,
      );
    }
    algorithm = 'ecdsa-p256-sha256';
  } else if (key.asymmetricKeyType === 'ed25519') {
    algorithm = 'ed25519';
  } else {
    throw new KeyError(`${what}: key type ${key.asymmetricKeyType ?? 'unknown'} is not supported; use ECDSA P-256 or Ed25519`);
  }
  const pub = createPublicKey(key);
  const publicKeyDer = new Uint8Array(pub.export({ format: 'der', type: 'spki' }));
  const publicKeyPem = pub.export({ format: 'pem', type: 'spki' }).toString();
  const logId = createHash('sha256').update(publicKeyDer).digest('hex');
  // Options stated explicitly: DER signatures for ECDSA over SHA-256; pure Ed25519 takes no digest.
  const signFn =
    algorithm === 'ed25519'
      ? (m: Uint8Array) => new Uint8Array(sign(null, m, key))
      : (m: Uint8Array) => new Uint8Array(sign('sha256', m, { key, dsaEncoding: 'der' }));
  return Object.freeze({ algorithm, publicKeyDer, publicKeyPem, logId, sign: signFn });
}

export function signerFromPem(pem: string, what = 'log key'): Signer {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new KeyError(`${what}: not a PEM private key (PKCS#8 or SEC1): ${(e as Error).message}`);
  }
  return signerFromPrivateKey(key, what);
}

export function generateLogKeyPem(algorithm: LogKeyAlgorithm = 'ecdsa-p256-sha256'): string {
  const { privateKey } =
    algorithm === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}
