/**
 * rekord v0.0.1 (Rekor pkg/types/rekord/v0.0.1/entry.go): a detached signature over an artifact sent
 * inline. Only the x509 signature format is implemented; pgp, minisign and ssh are refused with 400.
 *
 * Proposed spec:  {"signature": {"format": "x509", "content": b64 sig, "publicKey": {"content": b64 PEM}},
 *                  "data": {"content": b64 artifact, "hash"?: {"algorithm":"sha256","value": hex}}}
 * Verifies:       a given hash must be 64 hex characters and equal sha256(content) exactly; the
 *                 signature over the artifact with `LoadVerifier(key)` defaults: ECDSA and RSA PKCS #1
 *                 v1.5 over SHA-256 (whatever the curve), pure Ed25519; a submitted chain against its
 *                 last certificate. No algorithm allow-list (Rekor applies it to hashedrekord only).
 * Stores:         {"data":{"hash":{"algorithm":"sha256","value": hex sha256(artifact)}},
 *                  "signature":{"content": b64 sig bytes, "format":"x509",
 *                               "publicKey":{"content": b64 canonical PEM}}}
 * Index keys:     hex sha256(canonical PEM) (no prefix), SANs, "sha256:<hex>".
 */
import { createHash } from 'node:crypto';
import { parseClientVerifier, verifyCertificateChain, type ClientVerifier } from '../../../crypto/public-key.ts';
import { verifySignature } from '../../../crypto/verify.ts';
import { buildEntry, b64, decodeField, isObject, malformed, rejected, sha256Hex, withContext, type CanonicalEntry, type KindVersion } from '../common.ts';
import { validateSpec } from '../schema.ts';
import schema from './rekord_v0_0_1_schema.json' with { type: 'json' };

const KIND = 'rekord';
const API_VERSION = '0.0.1';

function decode(spec: unknown): CanonicalEntry {
  let sigBytes: Uint8Array | undefined;
  let keyBytes: Uint8Array | undefined;
  let content: Uint8Array | undefined;
  if (isObject(spec)) {
    if (isObject(spec.signature)) {
      const sig = spec.signature;
      if (typeof sig.content === 'string' && sig.content !== '') sigBytes = decodeField(sig.content, 'signature content');
      if (isObject(sig.publicKey) && typeof sig.publicKey.content === 'string' && sig.publicKey.content !== '') {
        keyBytes = decodeField(sig.publicKey.content, 'signature publicKey content');
      }
    }
    if (isObject(spec.data) && typeof spec.data.content === 'string' && spec.data.content !== '') {
      content = decodeField(spec.data.content, 'data content');
    }
  }
  validateSpec(schema, spec);
  const s = spec as { signature: { format: string }; data: { hash?: { algorithm: string; value: string } | null } };

  // validate()
  if (sigBytes === undefined || sigBytes.length === 0) throw malformed("'content' must be specified for signature");
  if (keyBytes === undefined || keyBytes.length === 0) throw malformed("'content' must be specified for publicKey");
  const hash = s.data.hash ?? undefined;
  if (hash !== undefined) {
    if (hash.value.length !== 64 || /[^0-9a-fA-F]/.test(hash.value)) throw malformed('invalid value for hash');
  } else if (content === undefined) {
    throw malformed("'content' must be specified for data");
  }
  // Insertable(): the artifact itself is required to insert.
  if (content === undefined) throw malformed('entry not insertable into log: missing data content');

  // fetchExternalEntities
  if (s.signature.format !== 'x509') throw malformed(`signature format "${s.signature.format}" is not supported by this server`);
  const computed = createHash('sha256').update(content).digest('hex');
  if (hash !== undefined && hash.value !== computed) throw malformed(`SHA mismatch: ${computed} != ${hash.value}`);
  let verifier: ClientVerifier;
  try {
    verifier = parseClientVerifier(keyBytes);
  } catch (e) {
    throw withContext(e);
  }
  if (verifier.form === 'certificate-chain') {
    try {
      verifyCertificateChain(verifier.certificates);
    } catch (e) {
      throw withContext(e);
    }
  }
  const result = verifySignature(verifier.key, { message: content }, sigBytes, {
    hash: 'sha256',
    ecdsaEncoding: 'der-or-p1363',
    rsaPadding: 'pkcs1v15',
    ed25519: 'pure',
    minRsaBits: 1024,
  });
  if (!result.ok) throw rejected(result.reason);

  const body = {
    data: { hash: { algorithm: 'sha256', value: computed } },
    signature: { content: b64(sigBytes), format: 'x509', publicKey: { content: b64(verifier.canonicalPemBytes) } },
  };
  return buildEntry(KIND, API_VERSION, body, [sha256Hex(verifier.canonicalPemBytes), ...verifier.subjects, `sha256:${computed}`]);
}

export const rekordV001: KindVersion = Object.freeze({ kind: KIND, apiVersion: API_VERSION, schema, decode });
