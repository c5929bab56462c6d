/**
 * DSSE envelopes as Rekor's dsse and intoto kinds read them (go-securesystemslib `dsse` package, Go
 * `encoding/json`), and the in-toto digests Rekor indexes from their payloads.
 *
 * Spec: https://github.com/secure-systems-lab/dsse/blob/master/protocol.md
 *   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body   (LEN = ASCII decimal bytes)
 *   envelope JSON   = {"payload": b64(body), "payloadType": type, "signatures": [{"keyid", "sig": b64}]}
 * Both base64 alphabets are allowed (std first, then URL, each with padding — `b64Decode`).
 */
import { decodeBase64Go } from '../../encoding/base64.ts';
import type { ClientPublicKey } from '../../crypto/public-key.ts';
import { verifySignature } from '../../crypto/verify.ts';
import { isObject } from './common.ts';

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

/**
 * go-securesystemslib `EnvelopeVerifier.VerifyAndDecode` with a single verifier and threshold 1, as
 * Rekor builds it: every signature must base64-decode; the first signature (in envelope order) that
 * verifies under `key` is accepted and the verifier is then used up; none → error.
 * `keyId`: when defined, a signature whose non-empty keyid differs is skipped (the verifier's derived
 * key ID — intoto v0.0.1); undefined: key IDs are ignored (dsse, intoto v0.0.2).
 * The signature is checked as `signature.LoadVerifier(pub, crypto.SHA256)` does: ECDSA and RSA
 * PKCS #1 v1.5 over SHA-256 of the PAE, pure Ed25519 over the PAE.
 */
export function verifyAndDecode(env: DsseEnvelope, key: ClientPublicKey, keyId: string | undefined): { accepted: DsseSignature; body: Uint8Array } {
  if (env.signatures.length === 0) throw new EnvelopeError('no signature found');
  const body = dsseB64Decode(env.payload);
  const message = pae(env.payloadType, body);
  let accepted: DsseSignature | undefined;
  for (const s of env.signatures) {
    const sig = dsseB64Decode(s.sig);
    if (accepted !== undefined) continue;
    if (keyId !== undefined && s.keyid !== '' && s.keyid !== keyId) continue;
    const r = verifySignature(key, { message }, sig, {
      hash: 'sha256',
      ecdsaEncoding: 'der-or-p1363',
      rsaPadding: 'pkcs1v15',
      ed25519: 'pure',
      minRsaBits: 1024,
    });
    if (r.ok) accepted = s;
  }
  if (accepted === undefined) throw new EnvelopeError('accepted signatures do not match threshold, Found: 0, Expected 1');
  return { accepted, body };
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
