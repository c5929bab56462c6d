/**
 * DSSE envelopes as Rekor's dsse and intoto kinds read them (go-securesystemslib `dsse` package, Go
 * `encoding/json`), and the in-toto digests Rekor indexes from their payloads.
 *
 * Spec: https://github.com/secure-systems-lab/dsse/blob/master/protocol.md
 *   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body   (LEN = ASCII decimal bytes)
 *   envelope JSON   = {"payload": b64(body), "payloadType": type, "signatures": [{"keyid", "sig": b64}]}
 * Both base64 alphabets are allowed (std first, then URL, each with padding — `b64Decode`).
 */
import { createHash } from 'node:crypto';
import { decodeBase64Go } from '../../encoding/base64.ts';
import type { ClientPublicKey } from '../../crypto/public-key.ts';
import type { EcCurve, KeyType } from '../../crypto/spki.ts';
import { type SignedData, type VerifyOptions, verifySignature } from '../../crypto/verify.ts';
import { isObject, malformed } from './common.ts';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface DsseSignature {
  readonly keyid: string;
  readonly sig: string;
}

export interface DsseEnvelope {
  readonly payloadType: string;
  /** As in the envelope: base64 text (either alphabet). */
  readonly payload: string;
  readonly signatures: readonly DsseSignature[];
}

export class EnvelopeError extends Error {}

/**
 * A member of a Go-decoded struct: Go's encoding/json matches JSON names to struct fields
 * case-insensitively, and with repeated matches the last one wins.
 */
export function goField(obj: Record<string, unknown>, name: string): unknown {
  let found: unknown = undefined;
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k === name || k.toLowerCase() === lower) found = obj[k];
  return found;
}

function goStringField(obj: Record<string, unknown>, name: string, where: string): string {
  const v = goField(obj, name);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new EnvelopeError(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${where}.${name} of type string`);
  return v;
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

/** Go `json.Unmarshal(text, &dsse.Envelope{})`. Throws EnvelopeError. */
export function parseEnvelopeJson(text: string): DsseEnvelope {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new EnvelopeError((e as Error).message);
  }
  if (v === null) return { payloadType: '', payload: '', signatures: [] };
  if (!isObject(v)) throw new EnvelopeError(`json: cannot unmarshal ${jsonKind(v)} into Go value of type dsse.Envelope`);
  const payloadType = goStringField(v, 'payloadType', 'Envelope');
  const payload = goStringField(v, 'payload', 'Envelope');
  const rawSigs = goField(v, 'signatures');
  const signatures: DsseSignature[] = [];
  if (rawSigs !== undefined && rawSigs !== null) {
    if (!Array.isArray(rawSigs)) throw new EnvelopeError(`json: cannot unmarshal ${jsonKind(rawSigs)} into Go struct field Envelope.signatures of type []dsse.Signature`);
    for (const s of rawSigs) {
      if (s === null) signatures.push({ keyid: '', sig: '' });
      else if (!isObject(s)) throw new EnvelopeError(`json: cannot unmarshal ${jsonKind(s)} into Go struct field Envelope.signatures of type dsse.Signature`);
      else signatures.push({ keyid: goStringField(s, 'keyid', 'Signature'), sig: goStringField(s, 'sig', 'Signature') });
    }
  }
  return { payloadType, payload, signatures };
}

/** DSSE pre-authentication encoding. */
export function pae(payloadType: string, body: Uint8Array): Uint8Array {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `, 'latin1'), type, Buffer.from(` ${body.length} `, 'latin1'), body]);
}

/** go-securesystemslib `b64Decode`: standard base64, else URL-safe base64 (both padded). */
export function dsseB64Decode(s: string): Uint8Array {
  try {
    return decodeBase64Go(s, 'std');
  } catch {
    try {
      return decodeBase64Go(s, 'url');
    } catch {
      throw new EnvelopeError('unable to base64 decode payload (is payload in the right format?)');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Verification budget. Rekor v1 (pkg/types/dsse/v0.0.1, intoto/v0.0.2 `verifyEnvelope`) has none: every
// verifier runs go-securesystemslib's VerifyAndDecode over every signature, so V verifiers × S signatures
// verifications, each re-hashing the payload. rekor-tiles (Rekor v2) capped DSSE requests at 10
// signatures and 10 verifiers (sigstore/rekor-tiles#684, "too many signatures: %d, max allowed: %d")
// and refused duplicate verifiers (#709). We apply the same maxima to every kind that carries a
// signature or verifier list, refuse duplicate signatures too, and check all of it before any
// signature is verified.

/** Most signatures in one DSSE envelope (rekor-tiles `maxSignatures`). */
export const MAX_DSSE_SIGNATURES = 10;
/** Most verifiers (keys or certificates) offered for one envelope (rekor-tiles `maxVerifiers`). */
export const MAX_DSSE_VERIFIERS = 10;
/**
 * Longest decoded signature accepted, in bytes: RSA-4096 (512 bytes) is the largest key allowed
 * (ECDSA P-521 DER ≤ 139 bytes, Ed25519 64). Checked before any verification.
 */
export const MAX_SIGNATURE_BYTES = 512;

/** 400 naming a budget: "too many signatures: 11, max allowed: 10". */
export function checkCount(what: 'signatures' | 'verifiers', n: number): void {
  const max = what === 'signatures' ? MAX_DSSE_SIGNATURES : MAX_DSSE_VERIFIERS;
  if (n > max) throw malformed(`too many ${what}: ${n}, max allowed: ${max}`);
}

/**
 * Refuses a verifier whose canonical key bytes equal an earlier one's (rekor-tiles#709): a repeated
 * verifier can only re-verify what the first copy verified, so it is never needed.
 * `label(i)` names the i-th verifier in the message.
 */
export function refuseDuplicateVerifiers(canonical: readonly Uint8Array[], label: (i: number) => string): void {
  const d = firstRepeat(canonical);
  if (d !== undefined) throw malformed(`duplicate verifier: ${label(d.index)} is the same key as ${label(d.first)}`);
}

/** The first item whose bytes equal an earlier item's, with that earlier index. Linear. */
function firstRepeat(items: readonly Uint8Array[]): { index: number; first: number } | undefined {
  const seen = new Map<string, number>();
  for (let index = 0; index < items.length; index++) {
    const b = items[index] as Uint8Array;
    const k = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
    const first = seen.get(k);
    if (first !== undefined) return { index, first };
    seen.set(k, index);
  }
  return undefined;
}

/** ASN.1 DER ECDSA-Sig-Value of the largest (r, s) for each curve; IEEE P1363 (2 × scalar) is shorter. */
const ECDSA_MAX_SIGNATURE_BYTES: Readonly<Record<EcCurve, number>> = { 'P-224': 64, 'P-256': 72, 'P-384': 104, 'P-521': 139 };

/** Longest signature `type` can verify: a longer one is skipped without any arithmetic. */
export function maxSignatureBytes(type: KeyType): number {
  switch (type.alg) {
    case 'ecdsa':
      return ECDSA_MAX_SIGNATURE_BYTES[type.curve];
    case 'rsa':
      return Math.ceil(type.modulusBits / 8);
    case 'ed25519':
      return 64;
  }
}

export interface PreparedSignature {
  readonly keyid: string;
  /** As in the envelope (base64 text). */
  readonly sig: string;
  readonly bytes: Uint8Array;
}

/** An envelope decoded once: payload, PAE and signatures, shared by every verifier tried. */
export interface PreparedEnvelope {
  readonly body: Uint8Array;
  /** PAE(payloadType, body), built once per envelope. */
  readonly pae: Uint8Array;
  readonly signatures: readonly PreparedSignature[];
}

/**
 * The decoding half of go-securesystemslib `VerifyAndDecode`, done once per envelope: the payload
 * (error → EnvelopeError, Rekor's wording), then every signature must base64-decode. Refuses (400,
 * before any verification) more than MAX_DSSE_SIGNATURES signatures, a signature over
 * MAX_SIGNATURE_BYTES, and two signatures with the same bytes.
 */
export function prepareEnvelope(env: DsseEnvelope): PreparedEnvelope {
  if (env.signatures.length === 0) throw new EnvelopeError('no signature found');
  checkCount('signatures', env.signatures.length);
  const body = dsseB64Decode(env.payload);
  const signatures = env.signatures.map((s, i) => {
    const bytes = dsseB64Decode(s.sig);
    if (bytes.length > MAX_SIGNATURE_BYTES) throw malformed(`signatures[${i}] is ${bytes.length} bytes, max allowed: ${MAX_SIGNATURE_BYTES}`);
    return { keyid: s.keyid, sig: s.sig, bytes };
  });
  const d = firstRepeat(signatures.map((s) => s.bytes));
  if (d !== undefined) throw malformed(`duplicate signature: signatures[${d.index}] is the same as signatures[${d.first}]`);
  return { body, pae: pae(env.payloadType, body), signatures };
}

/** sigstore `signature.LoadVerifier(pub, crypto.SHA256)`: ECDSA and RSA PKCS #1 v1.5 over SHA-256, pure Ed25519. */
const DSSE_VERIFY: VerifyOptions = { hash: 'sha256', ecdsaEncoding: 'der-or-p1363', rsaPadding: 'pkcs1v15', ed25519: 'pure', minRsaBits: 1024 };

/**
 * Matches verifiers to the signatures of one prepared envelope. Each verifier is tried only against
 * the signatures no earlier verifier matched, in envelope order, and takes the first that verifies
 * (go-securesystemslib `VerifyAndDecode` with one verifier and threshold 1, as Rekor builds it,
 * except that Rekor also retries signatures already matched — only a crafted key could verify one,
 * and it could not then verify the rest). Work per envelope: at most MAX_DSSE_VERIFIERS ×
 * MAX_DSSE_SIGNATURES verifications (in practice S + (S−1) + …, as a verifier that matches nothing
 * ends the decode), none of them for a signature longer than its key can produce.
 *
 * Hashing: RSA is checked against SHA-256(PAE) computed once. ECDSA and Ed25519 are given the PAE:
 * node:crypto hashes it inside OpenSSL, and the digest-only ECDSA path costs more than the hash it
 * saves (measured per verification, 1 KB / 1 MB payload: P-256 0.19 / 1.5 ms with the message vs
 * 0.75 / 0.49 ms with the digest; P-521 1.9 / 5.2 ms vs 13.7 / 12.5 ms); the number of
 * verifications is what the budget bounds.
 */
export class SignatureMatcher {
  readonly #env: PreparedEnvelope;
  readonly #matched: boolean[];
  #unmatched: number;
  #digest: Uint8Array | undefined;

  constructor(env: PreparedEnvelope) {
    this.#env = env;
    this.#matched = env.signatures.map(() => false);
    this.#unmatched = env.signatures.length;
  }

  /** Signatures no verifier has matched yet. */
  get unmatched(): number {
    return this.#unmatched;
  }

  /**
   * Index of the signature `key` verifies, now matched. `keyId`: when defined, a signature whose
   * non-empty keyid differs is skipped (intoto v0.0.1). Throws EnvelopeError (Rekor's wording) when
   * `key` verifies none.
   */
  match(key: ClientPublicKey, keyId?: string): number {
    const maxBytes = maxSignatureBytes(key.type);
    const sigs = this.#env.signatures;
    // Bounded by MAX_DSSE_SIGNATURES (prepareEnvelope), and by the unmatched ones.
    for (let i = 0; i < sigs.length; i++) {
      const s = sigs[i] as PreparedSignature;
      if (this.#matched[i]) continue;
      if (keyId !== undefined && s.keyid !== '' && s.keyid !== keyId) continue;
      if (s.bytes.length > maxBytes) continue;
      if (verifySignature(key, this.#signed(key), s.bytes, DSSE_VERIFY).ok) {
        this.#matched[i] = true;
        this.#unmatched--;
        return i;
      }
    }
    throw new EnvelopeError('accepted signatures do not match threshold, Found: 0, Expected 1');
  }

  #signed(key: ClientPublicKey): SignedData {
    if (key.type.alg !== 'rsa') return { message: this.#env.pae };
    this.#digest ??= createHash('sha256').update(this.#env.pae).digest();
    return { digest: this.#digest, hash: 'sha256' };
  }
}

// ---------------------------------------------------------------------------------------------
// in-toto digests for the index. Go decodes into typed structs and Rekor drops everything when the
// decoder reports an error, so type mismatches matter; `undefined` means "Go would have failed".

/** `[]struct{ Digest map[string]string \`json:"digest"\` }` → "alg:digest" keys. */
function digestList(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return undefined;
  const out: string[] = [];
  for (const item of v) {
    if (item === null) continue;
    if (!isObject(item)) return undefined;
    const d = digestSet(goField(item, 'digest'));
    if (d === undefined) return undefined;
    out.push(...d);
  }
  return out;
}

function digestSet(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return [];
  if (!isObject(v)) return undefined;
  const out: string[] = [];
  for (const [alg, d] of Object.entries(v)) {
    if (d === null) out.push(`${alg}:`);
    else if (typeof d === 'string') out.push(`${alg}:${d}`);
    else return undefined;
  }
  return out;
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: false }).decode(bytes));
  } catch {
    return undefined;
  }
}

/**
 * dsse v0.0.1: statement `subject[].digest`, then `predicate.materials[].digest` (a separate decode:
 * its failure only drops the materials). Empty when the statement does not decode.
 */
export function dsseInTotoKeys(payload: Uint8Array): string[] {
  const st = parseJson(payload);
  if (st === null) return [];
  if (!isObject(st)) return [];
  const subjects = digestList(goField(st, 'subject'));
  if (subjects === undefined) return [];
  const predicate = goField(st, 'predicate');
  if (predicate === undefined || predicate === null || !isObject(predicate)) return subjects;
  const materials = digestList(goField(predicate, 'materials'));
  return materials === undefined ? subjects : [...subjects, ...materials];
}

/**
 * intoto v0.0.1/v0.0.2 `parseStatement`: `subject[].digest`; undefined when it does not decode (the
 * caller decides: v0.0.1 skips the in-toto keys, v0.0.2 fails IndexKeys — no keys at all).
 */
export function intotoSubjectKeys(payload: Uint8Array): string[] | undefined {
  const st = parseJson(payload);
  if (st === undefined) return undefined;
  if (st === null) return [];
  if (!isObject(st)) return undefined;
  return digestList(goField(st, 'subject'));
}

/**
 * intoto `parseSlsaPredicate`: decoding into in-toto-golang's `ProvenanceStatement` (SLSA v0.2
 * predicate), then `predicate.materials[].digest`. We check the JSON types of the fields that struct
 * declares (an approximation of Go's decoder: timestamps are only checked to be strings).
 */
export function slsa02MaterialKeys(payload: Uint8Array): string[] {
  const st = parseJson(payload);
  if (!isObject(st)) return [];
  const str = (o: Record<string, unknown>, k: string) => {
    const v = goField(o, k);
    return v === undefined || v === null || typeof v === 'string';
  };
  const bool = (o: Record<string, unknown>, k: string) => {
    const v = goField(o, k);
    return v === undefined || v === null || typeof v === 'boolean';
  };
  const obj = (o: Record<string, unknown>, k: string): Record<string, unknown> | null | false => {
    const v = goField(o, k);
    if (v === undefined || v === null) return null;
    return isObject(v) ? v : false;
  };
  if (!str(st, '_type') || !str(st, 'predicateType')) return [];
  const subject = goField(st, 'subject');
  if (digestList(subject) === undefined) return [];
  if (Array.isArray(subject) && !subject.every((s) => s === null || str(s as Record<string, unknown>, 'name'))) return [];
  const p = obj(st, 'predicate');
  if (p === false) return [];
  if (p === null) return [];
  const builder = obj(p, 'builder');
  if (builder === false || (builder !== null && !str(builder, 'id')) || !str(p, 'buildType')) return [];
  const inv = obj(p, 'invocation');
  if (inv === false) return [];
  if (inv !== null) {
    const cs = obj(inv, 'configSource');
    if (cs === false) return [];
    if (cs !== null && (!str(cs, 'uri') || !str(cs, 'entryPoint') || digestSet(goField(cs, 'digest')) === undefined)) return [];
  }
  const md = obj(p, 'metadata');
  if (md === false) return [];
  if (md !== null) {
    if (!str(md, 'buildInvocationID') || !str(md, 'buildStartedOn') || !str(md, 'buildFinishedOn') || !bool(md, 'reproducible')) return [];
    const c = obj(md, 'completeness');
    if (c === false || (c !== null && !(bool(c, 'parameters') && bool(c, 'environment') && bool(c, 'materials')))) return [];
  }
  const materials = goField(p, 'materials');
  if (Array.isArray(materials) && !materials.every((m) => m === null || (isObject(m) && str(m, 'uri')))) return [];
  return digestList(materials) ?? [];
}
