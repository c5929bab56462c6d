/**
 * dsse v0.0.1 (Rekor pkg/types/dsse/v0.0.1/entry.go): a DSSE envelope and the keys or certificates
 * that verify its signatures.
 *
 * Proposed spec:  {"proposedContent": {"envelope": "<DSSE envelope JSON, as a string>",
 *                                      "verifiers": ["<b64 PEM>", ...]}}
 *                 (The read-side fields signatures/envelopeHash/payloadHash are refused on insert.)
 * Budget:         at most MAX_DSSE_SIGNATURES signatures and MAX_DSSE_VERIFIERS verifiers (10 each,
 *                 as rekor-tiles), no two verifiers with the same canonical key, no two identical
 *                 signatures, each signature ≤ MAX_SIGNATURE_BYTES — all checked (400) before any
 *                 signature is verified. Unlike Rekor v1, every verifier is parsed up front, so a
 *                 verifier that is not a key is refused even when earlier ones verified everything.
 * Verifies:       verifiers are tried in order until every envelope signature is accounted for; each
 *                 one tried must verify a signature (the first not yet matched, in envelope order,
 *                 that it verifies); at the end every signature must have been verified. SHA-256
 *                 verifiers: ECDSA and RSA PKCS #1 v1.5 over SHA-256(PAE), pure Ed25519 over PAE.
 *                 Key IDs are ignored. No certificate chain check (the leaf key is used as is).
 * Stores:         {"envelopeHash": {"algorithm":"sha256","value": hex sha256(envelope string as sent)},
 *                  "payloadHash":  {"algorithm":"sha256","value": hex sha256(decoded payload)},
 *                  "signatures": [{"signature": <sig string as in the envelope>,
 *                                  "verifier": b64 canonical PEM}] sorted by signature string}
 *                 The envelope and payload are not stored.
 * Index keys:     per signature "sha256:"+hex sha256(canonical PEM) (with the prefix, unlike
 *                 hashedrekord) and the certificate's SANs; "sha256:<payload hash>";
 *                 "sha256:<envelope hash>"; for in-toto payloads the statement's subject digests and
 *                 predicate.materials digests as "alg:digest".
 */
import { parseClientVerifier, type ClientVerifier } from '../../../crypto/public-key.ts';
import { buildEntry, b64, decodeField, isObject, malformed, rejected, sha256Hex, withContext, type CanonicalEntry, type KindVersion } from '../common.ts';
import { validateSpec } from '../schema.ts';
import {
  checkCount,
  dsseInTotoKeys,
  EnvelopeError,
  IN_TOTO_PAYLOAD_TYPE,
  parseEnvelopeJson,
  prepareEnvelope,
  refuseDuplicateVerifiers,
  SignatureMatcher,
  type DsseEnvelope,
  type PreparedSignature,
} from '../dsse-envelope.ts';
import schema from './dsse_v0_0_1_schema.json' with { type: 'json' };

const KIND = 'dsse';
const API_VERSION = '0.0.1';

function decode(spec: unknown): CanonicalEntry {
  // DecodeEntry: non-empty verifier strings are base64-decoded; empty or non-string items are skipped.
  let verifierBytes: Uint8Array[] | undefined;
  if (isObject(spec)) {
    if (isObject(spec.proposedContent) && Array.isArray(spec.proposedContent.verifiers)) {
      const present = spec.proposedContent.verifiers.filter((v): v is string => typeof v === 'string' && v !== '');
      checkCount('verifiers', present.length);
      verifierBytes = present.map((v) => decodeField(v, 'verifier'));
    }
    if (Array.isArray(spec.signatures)) {
      for (const s of spec.signatures) {
        if (isObject(s) && typeof s.verifier === 'string' && s.verifier !== '') decodeField(s.verifier, 'signature verifier');
      }
    }
  }
  validateSpec(schema, spec);
  const s = spec as Record<string, unknown>;
  const proposed = s.proposedContent as { envelope: string; verifiers: unknown[] } | undefined | null;
  const hasReadSide = (s.envelopeHash ?? null) !== null || (s.payloadHash ?? null) !== null || (Array.isArray(s.signatures) && s.signatures.length > 0);
  if (proposed === undefined || proposed === null) {
    const complete = (s.envelopeHash ?? null) !== null && (s.payloadHash ?? null) !== null && Array.isArray(s.signatures) && s.signatures.length > 0;
    if (!complete) throw malformed('either proposedContent or envelopeHash, payloadHash, and signatures must be present');
    throw malformed('entry not insertable into log: missing proposed content');
  }
  if (hasReadSide) throw malformed('either proposedContent or envelopeHash, payloadHash, and signatures must be present but not both');
  const verifierList = verifierBytes ?? [];
  // The model's minItems applies after DecodeEntry dropped empty strings.
  if (verifierList.length === 0) throw malformed('validation failure list:\nproposedContent.verifiers in body should have at least 1 items');

  let env: DsseEnvelope;
  try {
    env = parseEnvelopeJson(proposed.envelope);
  } catch (e) {
    if (e instanceof EnvelopeError) throw malformed(e.message, e);
    throw e;
  }
  if (env.signatures.length === 0) throw malformed('DSSE envelope must contain 1 or more signatures');
  checkCount('signatures', env.signatures.length);

  // Every verifier parsed and de-duplicated before any signature is verified (≤ MAX_DSSE_VERIFIERS).
  const verifiers = verifierList.map((keyBytes) => {
    try {
      return parseClientVerifier(keyBytes);
    } catch (e) {
      throw withContext(e, 'could not parse public key as x509');
    }
  });
  refuseDuplicateVerifiers(
    verifiers.map((v) => v.canonicalPemBytes),
    (i) => `verifiers[${i}]`,
  );

  // verifyEnvelope
  const verifierBySig = new Map<string, ClientVerifier>();
  let payload: Uint8Array;
  try {
    const prepared = prepareEnvelope(env);
    payload = prepared.body;
    const matcher = new SignatureMatcher(prepared);
    for (const v of verifiers) {
      if (matcher.unmatched === 0) break; // all signatures verified: later verifiers are not tried
      verifierBySig.set((prepared.signatures[matcher.match(v.key)] as PreparedSignature).sig, v);
    }
    if (matcher.unmatched > 0) throw rejected('all signatures must have a key that verifies it');
  } catch (e) {
    if (e instanceof EnvelopeError) throw rejected(`could not verify envelope: ${e.message}`, e);
    throw e;
  }

  // Go sort.Strings: byte order; the strings are base64 text, so UTF-16 order is the same.
  const sorted = [...verifierBySig.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const signatures = sorted.map((sig) => ({ signature: sig, verifier: b64((verifierBySig.get(sig) as ClientVerifier).canonicalPemBytes) }));
  const payloadHash = sha256Hex(payload);
  // Hash of the envelope string as the client sent it (its UTF-8 bytes); the server never re-serialises it.
  const envelopeHash = sha256Hex(Buffer.from(proposed.envelope, 'utf8'));

  const keys: string[] = [];
  for (const sig of sorted) {
    const v = verifierBySig.get(sig) as ClientVerifier;
    keys.push(`sha256:${sha256Hex(v.canonicalPemBytes)}`, ...v.subjects);
  }
  keys.push(`sha256:${payloadHash}`, `sha256:${envelopeHash}`);
  if (env.payloadType === IN_TOTO_PAYLOAD_TYPE) keys.push(...dsseInTotoKeys(payload));

  const body = {
    envelopeHash: { algorithm: 'sha256', value: envelopeHash },
    payloadHash: { algorithm: 'sha256', value: payloadHash },
    signatures,
  };
  return buildEntry(KIND, API_VERSION, body, keys);
}

export const dsseV001: KindVersion = Object.freeze({ kind: KIND, apiVersion: API_VERSION, schema, decode });
