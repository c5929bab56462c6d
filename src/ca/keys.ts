/**
 * The subject key of a certificate request: parsing, Fulcio's weak-key refusal (sigstore
 * cryptoutils/goodkey) and algorithm registry (--client-signing-algorithms default), and the
 * proof of possession (challenges.CheckSignatureWithVerifier with signature.LoadDefaultVerifier).
 * All input is attacker-controlled; every refusal is ProvenantError 'invalid_argument' (400) with
 * Fulcio's message first.
 */
import { ProvenantError } from '../errors.ts';
import { decodePem, PemError } from '../encoding/pem.ts';
import { type ClientPublicKey, parsePublicKeyDer } from '../crypto/spki.ts';
import { verifySignature } from '../crypto/verify.ts';

export const MSG_INVALID_PUBLIC_KEY = 'The public key supplied in the request could not be parsed';
export const MSG_INSECURE_PUBLIC_KEY = 'The public key supplied in the request is insecure';
export const MSG_INVALID_SIGNATURE = 'The signature supplied in the request could not be verified';
export const MSG_INVALID_CSR = 'The certificate signing request could not be parsed';

/** Hash a key signs with by default (sigstore GetDefaultAlgorithmDetails); 'none' = pure Ed25519. */
export type SigningHash = 'sha256' | 'sha384' | 'sha512' | 'none';

const bad = (fulcioMessage: string, detail: string) => new ProvenantError('invalid_argument', `${fulcioMessage}: ${detail}`);

/**
 * `content` of publicKeyRequest.publicKey: a PEM PUBLIC KEY, else DER SPKI bytes (Fulcio's
 * challenges.ParsePublicKey). Returns the strictly parsed key.
 */
export function parseRequestPublicKey(content: string | Uint8Array): ClientPublicKey {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'latin1') : Buffer.from(content);
  if (bytes.length === 0) throw bad(MSG_INVALID_PUBLIC_KEY, 'public key not provided');
  let der: Uint8Array = bytes;
  if (bytes.includes('-----BEGIN')) {
    try {
      const [block] = decodePem(bytes, { mode: 'strict', maxBlocks: 1 });
      if (block!.type !== 'PUBLIC KEY') throw bad(MSG_INVALID_PUBLIC_KEY, `PEM block is ${block!.type}, expected PUBLIC KEY`);
      der = block!.bytes;
    } catch (e) {
      if (e instanceof PemError) throw bad(MSG_INVALID_PUBLIC_KEY, e.message);
      throw e;
    }
  }
  try {
    return parsePublicKeyDer(der);
  } catch (e) {
    throw bad(MSG_INVALID_PUBLIC_KEY, (e as Error).message);
  }
}

/**
 * Weak or unsupported keys (goodkey.ValidatePubKey): ECDSA only on P-256/P-384/P-521, RSA with a
 * 2048–4096-bit modulus and exponent 65537, Ed25519. Returns the key's default signing hash.
 */
export function checkKeyStrength(key: ClientPublicKey): SigningHash {
  const t = key.type;
  switch (t.alg) {
    case 'ecdsa':
      if (t.curve === 'P-256') return 'sha256';
      if (t.curve === 'P-384') return 'sha384';
      if (t.curve === 'P-521') return 'sha512';
      throw bad(MSG_INSECURE_PUBLIC_KEY, `ECDSA curve ${t.curve} is not supported (use P-256, P-384 or P-521)`);
    case 'rsa':
      if (t.modulusBits < 2048) throw bad(MSG_INSECURE_PUBLIC_KEY, `RSA key of ${t.modulusBits} bits is too small (at least 2048)`);
      if (t.modulusBits > 4096) throw bad(MSG_INSECURE_PUBLIC_KEY, `RSA key of ${t.modulusBits} bits is too large (at most 4096)`);
      if (key.rsaExponent !== 65537n) throw bad(MSG_INSECURE_PUBLIC_KEY, `RSA public exponent must be 65537, got ${key.rsaExponent}`);
      return 'sha256';
    case 'ed25519':
      return 'none';
  }
}

/**
 * Fulcio's default algorithm registry: ECDSA P-256/SHA-256, P-384/SHA-384, P-521/SHA-512,
 * RSA-2048/3072/4096 PKCS#1 v1.5 with SHA-256, Ed25519. `hash` is the key's default hash for a
 * proof of possession, or the CSR signature's hash.
 */
export function checkAlgorithmPermitted(key: ClientPublicKey, hash: SigningHash): void {
  const t = key.type;
  const ok =
    t.alg === 'ecdsa'
      ? (t.curve === 'P-256' && hash === 'sha256') || (t.curve === 'P-384' && hash === 'sha384') || (t.curve === 'P-521' && hash === 'sha512')
      : t.alg === 'rsa'
        ? [2048, 3072, 4096].includes(t.sizeBits) && hash === 'sha256'
        : hash === 'none';
  if (!ok) {
    const what = t.alg === 'ecdsa' ? `ECDSA ${t.curve}` : t.alg === 'rsa' ? `RSA-${t.sizeBits}` : 'Ed25519';
    throw new ProvenantError('invalid_argument', `signing algorithm not permitted: ${what} with ${hash === 'none' ? 'no hash' : hash.toUpperCase()}`);
  }
}

/**
 * The proof of possession: `proof` must be the key's signature over the UTF-8 `challenge` (the
 * principal's name), with the key's default hash (ECDSA ASN.1 DER, or IEEE P1363 as sigstore's
 * verifier also accepts; RSA PKCS#1 v1.5; pure Ed25519).
 */
export function verifyProofOfPossession(key: ClientPublicKey, hash: SigningHash, proof: Uint8Array, challenge: string): void {
  if (proof.length === 0) throw bad(MSG_INVALID_SIGNATURE, 'no proof of possession was provided');
  const r = verifySignature(key, { message: new Uint8Array(Buffer.from(challenge, 'utf8')) }, proof, {
    hash: hash === 'none' ? 'sha512' : hash, // ignored for pure Ed25519
    ecdsaEncoding: 'der-or-p1363',
    rsaPadding: 'pkcs1v15',
    ed25519: 'pure',
    minRsaBits: 2048,
  });
  if (!r.ok) throw bad(MSG_INVALID_SIGNATURE, r.reason);
}
