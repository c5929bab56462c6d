/**
 * hashedrekord v0.0.1 (Rekor pkg/types/hashedrekord/v0.0.1/entry.go): a signature over an artifact
 * digest, by a PKIX public key or X.509 certificate (chain).
 *
 * Proposed spec:  {"signature": {"content": b64 sig, "publicKey": {"content": b64 PEM}},
 *                  "data": {"hash": {"algorithm": "sha256"|"sha384"|"sha512", "value": hex}}}
 * Verifies:       hex length matches the algorithm; the signature over the *digest* (no re-hash):
 *                 ECDSA (DER, or P1363 as sigstore-go falls back to; high-S accepted), RSA PKCS #1 v1.5,
 *                 Ed25519ph (Rekor forces WithED25519ph); a submitted chain against its last certificate;
 *                 then the key/hash pair against the allow-list (after verification, as Rekor orders it).
 * Stores:         {"data":{"hash":{algorithm, value as sent}},
 *                  "signature":{"content": b64 of the signature bytes, "publicKey":{"content": b64 canonical PEM}}}
 * Index keys:     hex sha256(canonical PEM) (no prefix), leaf certificate SANs, "<alg>:<hex>".
 */
import { parseClientVerifier, verifyCertificateChain, type ClientVerifier } from '../../../crypto/public-key.ts';
import { HASH_SIZE, isAlgorithmPermitted, verifySignature, type HashAlg } from '../../../crypto/verify.ts';
import { b64, buildEntry, decodeField, isObject, malformed, rejected, sha256Hex, withContext, type CanonicalEntry, type DecodeOptions, type KindVersion } from '../common.ts';
import { validateSpec } from '../schema.ts';
import schema from './hashedrekord_v0_0_1_schema.json' with { type: 'json' };

const KIND = 'hashedrekord';
const API_VERSION = '0.0.1';

function decode(spec: unknown, opts: DecodeOptions): CanonicalEntry {
  // Rekor DecodeEntry: byte fields are base64-decoded before the model is validated.
  let sigBytes: Uint8Array | undefined;
  let keyBytes: Uint8Array | undefined;
  if (isObject(spec) && isObject(spec.signature)) {
    const sig = spec.signature;
    if (typeof sig.content === 'string' && sig.content !== '') sigBytes = decodeField(sig.content, 'signature content');
    if (isObject(sig.publicKey) && typeof sig.publicKey.content === 'string' && sig.publicKey.content !== '') {
      keyBytes = decodeField(sig.publicKey.content, 'public key content');
    }
  }
  validateSpec(schema, spec);
  const s = spec as {
    signature: { publicKey?: { content?: string } | null };
    data: { hash?: { algorithm: HashAlg; value: string } | null };
  };

  // validate(): the order of Rekor's checks, so the first failure reported is the same.
  if (s.signature.publicKey === undefined || s.signature.publicKey === null) throw malformed('missing public key');
  let verifier: ClientVerifier;
  try {
    verifier = parseClientVerifier(keyBytes ?? new Uint8Array(0));
  } catch (e) {
    throw withContext(e);
  }
  const hash = s.data.hash;
  if (hash === undefined || hash === null) throw malformed('missing hash');
  const algorithm = hash.algorithm;
  if (hash.value.length !== HASH_SIZE[algorithm] * 2) throw malformed('invalid value for hash');
  const badHex = /[^0-9a-fA-F]/.exec(hash.value);
  if (badHex !== null) {
    throw malformed(`encoding/hex: invalid byte: U+${badHex[0].codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')} '${badHex[0]}'`);
  }
  const digest = Buffer.from(hash.value, 'hex');

  // The allow-list cannot admit P-224 (no PublicKeyDetails value names it), and we cannot verify a
  // P-224 signature over a digest: answer as Rekor finally would, without verifying.
  if (verifier.key.type.alg === 'ecdsa' && verifier.key.type.curve === 'P-224') throw rejected('entry algorithms are not allowed');

  if (sigBytes === undefined || sigBytes.length === 0) throw rejected('verifying signature: X509 signature has not been initialized');
  if (verifier.form === 'certificate-chain') {
    try {
      verifyCertificateChain(verifier.certificates);
    } catch (e) {
      throw withContext(e, 'verifying signature');
    }
  }
  const result = verifySignature(verifier.key, { digest, hash: algorithm }, sigBytes, {
    hash: algorithm,
    ecdsaEncoding: 'der-or-p1363',
    rsaPadding: 'pkcs1v15',
    ed25519: 'ph',
    minRsaBits: 1024,
  });
  if (!result.ok) throw rejected(`verifying signature: ${result.reason}`);

  // createLogEntry → checkEntryAlgorithms (hashedrekord only), after the entry was verified.
  if (!isAlgorithmPermitted(opts.policy, verifier.key.type, algorithm)) throw rejected('entry algorithms are not allowed');

  const body = {
    data: { hash: { algorithm, value: hash.value } },
    signature: { content: b64(sigBytes), publicKey: { content: b64(verifier.canonicalPemBytes) } },
  };
  return buildEntry(KIND, API_VERSION, body, [sha256Hex(verifier.canonicalPemBytes), ...verifier.subjects, `${algorithm}:${hash.value}`]);
}

export const hashedrekordV001: KindVersion = Object.freeze({ kind: KIND, apiVersion: API_VERSION, schema, decode });
