/**
 * intoto v0.0.1 (Rekor pkg/types/intoto/v0.0.1/entry.go): a DSSE envelope signed by one key.
 *
 * Proposed spec:  {"publicKey": "<b64 PEM>", "content": {"envelope": "<DSSE envelope JSON string>"}}
 *                 (client-supplied content.hash / content.payloadHash must fit the schema but are
 *                 replaced by the server's values)
 * Verifies:       sigstore's DSSE wrapper around `LoadVerifier(key, SHA256)`: at least one envelope
 *                 signature verifies (ECDSA / RSA PKCS #1 v1.5 over SHA-256(PAE), pure Ed25519); a
 *                 signature whose non-empty keyid differs from the key's SSH SHA256 fingerprint is
 *                 skipped (the wrapper sets the verifier's public key, so go-securesystemslib derives
 *                 that ID); every signature must base64-decode; the payload must decode as standard
 *                 base64; payloadType, payload and signatures must be non-empty.
 * Budget:         at most MAX_DSSE_SIGNATURES (10) signatures, no two identical, each
 *                 ≤ MAX_SIGNATURE_BYTES — checked (400) before any signature is verified.
 * Stores:         {"content":{"hash":{"algorithm":"sha256","value": hex sha256(envelope string)},
 *                             "payloadHash":{"algorithm":"sha256","value": hex sha256(payload)}},
 *                  "publicKey": b64 canonical PEM}
 * Index keys:     "sha256:<envelope hash>", "sha256:"+hex sha256(canonical PEM), the certificate's SANs,
 *                 "sha256:<payload hash>", for in-toto payloads subject digests and SLSA v0.2
 *                 materials digests.
 */
import { parseClientVerifier, sshSha256Fingerprint, type ClientVerifier } from '../../../crypto/public-key.ts';
import { Base64Error, decodeBase64Go } from '../../../encoding/base64.ts';
import { buildEntry, b64, decodeField, isObject, malformed, rejected, sha256Hex, withContext, type CanonicalEntry, type KindVersion } from '../common.ts';
import { validateSpec } from '../schema.ts';
import {
  EnvelopeError,
  IN_TOTO_PAYLOAD_TYPE,
  intotoSubjectKeys,
  parseEnvelopeJson,
  prepareEnvelope,
  SignatureMatcher,
  slsa02MaterialKeys,
  type DsseEnvelope,
} from '../dsse-envelope.ts';
import schema from './intoto_v0_0_1_schema.json' with { type: 'json' };

const KIND = 'intoto';
const API_VERSION = '0.0.1';

function decode(spec: unknown): CanonicalEntry {
  let keyBytes: Uint8Array | undefined;
  if (isObject(spec) && typeof spec.publicKey === 'string' && spec.publicKey !== '') keyBytes = decodeField(spec.publicKey, 'public key');
  validateSpec(schema, spec);
  const s = spec as { content: { envelope?: unknown } };
  if (keyBytes === undefined) throw malformed('missing public key in intoto v0.0.1 entry');
  let verifier: ClientVerifier;
  try {
    verifier = parseClientVerifier(keyBytes);
  } catch (e) {
    throw withContext(e);
  }
  const envelope = typeof s.content.envelope === 'string' ? s.content.envelope : '';
  // Without an envelope the model is a read-side entry, which Insertable() refuses.
  if (envelope === '') throw malformed('entry not insertable into log: missing envelope content');

  let env: DsseEnvelope;
  try {
    env = parseEnvelopeJson(envelope);
  } catch (e) {
    if (e instanceof EnvelopeError) throw malformed(e.message, e);
    throw e;
  }
  try {
    // One key: at most MAX_DSSE_SIGNATURES verifications (checked in prepareEnvelope, before any).
    new SignatureMatcher(prepareEnvelope(env)).match(verifier.key, sshSha256Fingerprint(verifier.key));
  } catch (e) {
    if (e instanceof EnvelopeError) throw rejected(e.message, e);
    throw e;
  }
  let payload: Uint8Array;
  try {
    payload = decodeBase64Go(env.payload, 'std');
  } catch (e) {
    if (e instanceof Base64Error) throw malformed(e.message, e);
    throw e;
  }
  if (env.payload === '' || env.payloadType === '' || env.signatures.length === 0) throw malformed('entry not insertable into log: invalid DSSE envelope');

  const envelopeHash = sha256Hex(Buffer.from(envelope, 'utf8'));
  const payloadHash = sha256Hex(payload);
  const keys = [`sha256:${envelopeHash}`, `sha256:${sha256Hex(verifier.canonicalPemBytes)}`, ...verifier.subjects, `sha256:${payloadHash}`];
  if (env.payloadType === IN_TOTO_PAYLOAD_TYPE) {
    const subjects = intotoSubjectKeys(payload);
    if (subjects !== undefined) keys.push(...subjects, ...slsa02MaterialKeys(payload));
  }
  const body = {
    content: {
      hash: { algorithm: 'sha256', value: envelopeHash },
      payloadHash: { algorithm: 'sha256', value: payloadHash },
    },
    publicKey: b64(verifier.canonicalPemBytes),
  };
  return buildEntry(KIND, API_VERSION, body, keys);
}

export const intotoV001: KindVersion = Object.freeze({ kind: KIND, apiVersion: API_VERSION, schema, decode });
