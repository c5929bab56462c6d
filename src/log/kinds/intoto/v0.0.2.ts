/**
 * intoto v0.0.2 (Rekor pkg/types/intoto/v0.0.2/entry.go): a DSSE envelope inlined as JSON, each
 * signature carrying its own verifier.
 *
 * Proposed spec:  {"content": {"envelope": {"payloadType": "...",
 *                                           "payload": b64( <the DSSE payload's base64 text> ),
 *                                           "signatures": [{"keyid"?: "...",
 *                                                           "sig": b64( <the DSSE signature's base64 text> ),
 *                                                           "publicKey": b64 PEM}]},
 *                              "hash": {"algorithm":"sha256","value": "..."}}}
 *   Quirk kept for compatibility (rekor #1139; the fix #1150 was reverted in #1158 because it changes
 *   the canonical form): `payload` and `sig` are base64 of the DSSE base64 strings — double-encoded.
 * Budget:         at most MAX_DSSE_SIGNATURES (10) signatures, so as many keys; no two keys with the
 *                 same canonical form, no two identical signatures, each ≤ MAX_SIGNATURE_BYTES — all
 *                 checked (400) before any signature is verified.
 * Verifies:       every `publicKey` parses and verifies some signature (the first not yet matched, in
 *                 envelope order, that it verifies; key IDs ignored; SHA-256 verifiers as for dsse),
 *                 and every signature is verified by some key. No chain check; keys are not
 *                 re-canonicalised.
 * Stores:         {"content":{"envelope":{"payloadType", "signatures":[{"keyid" (omitted when empty),
 *                 "publicKey": b64 of the PEM bytes as sent, "sig": b64 of the DSSE signature text}]},
 *                 "hash": as sent (not recomputed: the server cannot know the client's envelope bytes),
 *                 "payloadHash":{"algorithm":"sha256","value": hex sha256(decoded payload)}}}
 *                 Signature order as sent; the payload is not stored.
 * Index keys:     per signature "sha256:"+hex sha256(canonical PEM) and SANs; "sha256:<payload hash>";
 *                 for in-toto payloads subject and SLSA v0.2 materials digests. When an in-toto payload
 *                 is not a decodable statement Rekor's IndexKeys fails and it indexes nothing at all;
 *                 so do we.
 */
import { parseClientVerifier, type ClientVerifier } from '../../../crypto/public-key.ts';
import { Base64Error, decodeBase64Go } from '../../../encoding/base64.ts';
import { buildEntry, b64, decodeField, goString, isObject, malformed, rejected, sha256Hex, withContext, type CanonicalEntry, type KindVersion } from '../common.ts';
import { validateSpec } from '../schema.ts';
import {
  checkCount,
  EnvelopeError,
  IN_TOTO_PAYLOAD_TYPE,
  intotoSubjectKeys,
  prepareEnvelope,
  refuseDuplicateVerifiers,
  SignatureMatcher,
  slsa02MaterialKeys,
  type DsseEnvelope,
} from '../dsse-envelope.ts';
import schema from './intoto_v0_0_2_schema.json' with { type: 'json' };

const KIND = 'intoto';
const API_VERSION = '0.0.2';

interface DecodedSignature {
  readonly keyid: string;
  readonly sig: Uint8Array | undefined;
  readonly publicKey: Uint8Array | undefined;
}

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

function decode(spec: unknown): CanonicalEntry {
  // DecodeEntry: base64 byte fields first; signature items that are not objects are dropped.
  let payload: Uint8Array | undefined;
  const sigs: DecodedSignature[] = [];
  if (isObject(spec) && isObject(spec.content) && isObject(spec.content.envelope)) {
    const e = spec.content.envelope;
    if (typeof e.payload === 'string' && e.payload !== '') payload = decodeField(e.payload, 'payload');
    if (Array.isArray(e.signatures)) {
      checkCount('signatures', e.signatures.length);
      for (const item of e.signatures) {
        if (!isObject(item)) continue;
        sigs.push({
          keyid: typeof item.keyid === 'string' ? goString(item.keyid) : '',
          sig: typeof item.sig === 'string' ? decodeField(item.sig, 'signature') : undefined,
          publicKey: typeof item.publicKey === 'string' ? decodeField(item.publicKey, 'public key') : undefined,
        });
      }
    }
  }
  validateSpec(schema, spec);
  const s = spec as { content: { envelope: { payloadType: string }; hash?: { algorithm: string; value: string } | null } };
  const payloadType = goString(s.content.envelope.payloadType);
  // Unmarshal returns early without a payload; Insertable() then refuses the entry.
  if (payload === undefined || payload.length === 0) throw malformed('entry not insertable into log: missing envelope content');

  // The DSSE envelope the signatures cover: one level of base64 removed.
  const env: DsseEnvelope = {
    payloadType,
    payload: latin1(payload),
    signatures: sigs.map((x) => ({ keyid: x.keyid, sig: latin1(x.sig as Uint8Array) })),
  };

  // verifyEnvelope: every key must verify a signature, every signature must be verified. Every key is
  // parsed and de-duplicated before any signature is verified (one key per signature, ≤ MAX_DSSE_SIGNATURES).
  const verifiers: ClientVerifier[] = sigs.map((x) => {
    try {
      return parseClientVerifier(x.publicKey as Uint8Array);
    } catch (e) {
      throw withContext(e, 'could not parse public key as x509');
    }
  });
  refuseDuplicateVerifiers(
    verifiers.map((v) => v.canonicalPemBytes),
    (i) => `signatures[${i}].publicKey`,
  );
  try {
    const matcher = new SignatureMatcher(prepareEnvelope(env));
    for (const v of verifiers) matcher.match(v.key);
    if (matcher.unmatched > 0) throw rejected('all signatures must have a key that verifies it');
  } catch (e) {
    if (e instanceof EnvelopeError) throw rejected(`could not verify envelope: ${e.message}`, e);
    throw e;
  }

  let decodedPayload: Uint8Array;
  try {
    decodedPayload = decodeBase64Go(env.payload, 'std');
  } catch (e) {
    if (e instanceof Base64Error) throw malformed(`could not decode envelope payload: ${e.message}`, e);
    throw e;
  }
  // Insertable()
  if (payloadType === '') throw malformed('entry not insertable into log: missing payloadType content');
  for (const x of sigs) {
    if (x.sig === undefined || x.sig.length === 0) throw malformed('entry not insertable into log: missing signature content');
    if (x.publicKey === undefined || x.publicKey.length === 0) throw malformed('entry not insertable into log: missing publicKey content');
  }
  // Canonicalize(): the client's envelope hash is required and stored as sent.
  const hash = s.content.hash;
  if (hash === undefined || hash === null) throw malformed('missing envelope digest');
  const payloadHash = sha256Hex(decodedPayload);

  let keys: string[] = [];
  verifiers.forEach((v) => keys.push(`sha256:${sha256Hex(v.canonicalPemBytes)}`, ...v.subjects));
  keys.push(`sha256:${payloadHash}`);
  if (payloadType === IN_TOTO_PAYLOAD_TYPE) {
    const subjects = intotoSubjectKeys(decodedPayload);
    keys = subjects === undefined ? [] : [...keys, ...subjects, ...slsa02MaterialKeys(decodedPayload)];
  }

  const body = {
    content: {
      envelope: {
        payloadType,
        signatures: sigs.map((x) => ({
          keyid: x.keyid === '' ? undefined : x.keyid,
          publicKey: b64(x.publicKey as Uint8Array),
          sig: b64(x.sig as Uint8Array),
        })),
      },
      hash: { algorithm: hash.algorithm, value: goString(hash.value) },
      payloadHash: { algorithm: 'sha256', value: payloadHash },
    },
  };
  return buildEntry(KIND, API_VERSION, body, keys);
}

export const intotoV002: KindVersion = Object.freeze({ kind: KIND, apiVersion: API_VERSION, schema, decode });
