import type { HashName } from '../x509/algorithms.ts';
import { checkImprint, invalid, type TimestampRequest } from './request.ts';

/**
 * The JSON request of Sigstore's timestamp-authority (pkg/api/timestamp.go ParseJSONRequest), what
 * sigstore-js sends:
 * ```json
 * {"artifactHash": "<base64 digest>", "hashAlgorithm": "sha256"|"sha384"|"sha512",
 *  "nonce"?: <integer>, "certificates"?: <bool>, "tsaPolicyOID"?: "1.2.3"}
 * ```
 * Stricter than Go's encoding/json: unknown or duplicate fields, keys in another case, non-canonical
 * base64 and non-integer nonces are refused instead of ignored. Like Sigstore: at most 1 KiB (the
 * nonce is arbitrary-precision), hashAlgorithm case-insensitive, "" or null policy = none.
 */
export const MAX_JSON_REQUEST_BYTES = 1024;

/** OID syntax; at most 128 arcs, as Sigstore ("OID should be comprised of at most 128 components"). */
const OID = /^[0-2](\.(0|[1-9][0-9]*)){1,127}$/;
const INTEGER_LITERAL = /^-?(0|[1-9][0-9]*)$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const FIELDS = new Set(['artifactHash', 'hashAlgorithm', 'nonce', 'certificates', 'tsaPolicyOID']);
const JSON_HASHES: Readonly<Record<string, HashName>> = { sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' };

export function isValidOid(oid: string): boolean {
  return OID.test(oid);
}

/** Parses and validates the JSON form. Throws ProvenantError('invalid_argument'). */
export function parseJsonTimestampRequest(body: Uint8Array | string): TimestampRequest {
  const size = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  if (size > MAX_JSON_REQUEST_BYTES) throw invalid(`timestamp request is too large: ${size} bytes, at most ${MAX_JSON_REQUEST_BYTES}`);
  let text: string;
  try {
    text = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body);
  } catch (e) {
    throw invalid('timestamp request is not UTF-8', e);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw invalid(`failed to parse JSON into request: ${(e as Error).message}`, e);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('timestamp request must be a JSON object');

  // JSON.parse has validated the syntax; re-scan the top level for duplicate keys and for the exact
  // text of the nonce (a JSON number beyond 2^53 loses precision in JSON.parse).
  const raw = new Map<string, string>();
  for (const { key, text: valueText } of topLevelMembers(text)) {
    if (!FIELDS.has(key)) throw invalid(`unknown field ${JSON.stringify(key)} in timestamp request`);
    if (raw.has(key)) throw invalid(`field ${JSON.stringify(key)} appears more than once`);
    raw.set(key, valueText);
  }
  const obj = value as Record<string, unknown>;

  const alg = obj['hashAlgorithm'];
  if (typeof alg !== 'string') throw invalid('hashAlgorithm must be a string: sha256, sha384 or sha512');
  const lower = alg.toLowerCase();
  if (lower === 'sha1' || lower === 'sha-1' || lower === 'md5') {
    throw invalid(`Weak hash algorithm in timestamp request: ${alg} is not accepted; use sha256, sha384 or sha512`);
  }
  const hashAlgorithm = JSON_HASHES[lower];
  if (hashAlgorithm === undefined) throw invalid(`unsupported hash algorithm ${JSON.stringify(alg)}; use sha256, sha384 or sha512`);

  const artifactHash = obj['artifactHash'];
  if (typeof artifactHash !== 'string') throw invalid('artifactHash must be a base64 string');
  const hashedMessage = decodeBase64(artifactHash);
  checkImprint(hashAlgorithm, hashedMessage);

  let nonce: bigint | undefined;
  const nonceText = raw.get('nonce');
  if (nonceText !== undefined && nonceText !== 'null') {
    if (!INTEGER_LITERAL.test(nonceText)) throw invalid('nonce must be a JSON integer');
    nonce = BigInt(nonceText);
  }

  const certificates = obj['certificates'];
  if (certificates !== undefined && certificates !== null && typeof certificates !== 'boolean') {
    throw invalid('certificates must be a boolean');
  }

  const policyValue = obj['tsaPolicyOID'];
  let policy: string | undefined;
  if (policyValue !== undefined && policyValue !== null && policyValue !== '') {
    if (typeof policyValue !== 'string' || !isValidOid(policyValue)) {
      throw invalid('tsaPolicyOID must be a dotted OID string of at most 128 components');
    }
    policy = policyValue;
  }

  return { hashAlgorithm, hashParameters: 'null', hashedMessage, nonce, certReq: certificates === true, policy };
}

/** Standard base64 with padding, canonical (no stray bits, no whitespace). */
function decodeBase64(s: string): Uint8Array {
  if (s.length % 4 !== 0 || !BASE64.test(s)) throw invalid('failed to decode base64 encoded artifact hash');
  const bytes = Buffer.from(s, 'base64');
  if (bytes.toString('base64') !== s) throw invalid('failed to decode base64 encoded artifact hash: not canonical base64');
  return new Uint8Array(bytes);
}

/**
 * The top-level members of a JSON object, each with the exact source text of its value.
 * Precondition: `text` is valid JSON whose top-level value is an object (JSON.parse succeeded).
 */
function topLevelMembers(text: string): { key: string; text: string }[] {
  const members: { key: string; text: string }[] = [];
  let i = skipWs(text, 0) + 1; // past '{'
  for (;;) {
    i = skipWs(text, i);
    if (text[i] === '}') return members;
    const keyEnd = stringEnd(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, keyEnd) + 1; // past ':'
    i = skipWs(text, i);
    const start = i;
    i = valueEnd(text, i);
    members.push({ key, text: text.slice(start, i) });
    i = skipWs(text, i);
    if (text[i] === ',') i++;
  }
}

function skipWs(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  return i;
}

/** Index just past the string literal starting at i (text[i] === '"'). */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return j + 1;
  }
  return text.length;
}

/** Index just past the value starting at i: a string, a nested object/array, or a bare literal. */
function valueEnd(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return stringEnd(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text[j];
      if (d === '"') j = stringEnd(text, j) - 1;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return text.length;
  }
  let j = i;
  while (j < text.length && !',}] \t\n\r'.includes(text[j]!)) j++;
  return j;
}
