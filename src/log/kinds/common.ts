/**
 * Shared by every kind: the decoded-entry type, error helpers worded like Rekor's, base64 field
 * decoding with Go's rules, and index-key normalisation.
 */
import { createHash } from 'node:crypto';
import { ProvenantError, type ErrorCode } from '../../errors.ts';
import { Base64Error, decodeBase64Go, encodeBase64 } from '../../encoding/base64.ts';
import { canonicalJson, type JsonValue } from '../../encoding/canonical-json.ts';
import type { AlgorithmPolicy } from '../../crypto/verify.ts';

/** A proposed entry after decoding and verification: what the log appends and indexes. */
export interface CanonicalEntry {
  readonly kind: string;
  readonly apiVersion: string;
  /** RFC 8785 canonical JSON of {"apiVersion","kind","spec"}: the exact leaf bytes Rekor stores. */
  readonly body: Uint8Array;
  /** Search-index keys as Rekor writes them (lowercased, de-duplicated, in Rekor's order). */
  readonly indexKeys: readonly string[];
}

export interface DecodeOptions {
  /** Client key/hash allow-list; Rekor applies it to hashedrekord only. */
  readonly policy: AlgorithmPolicy;
}

/** One kind/apiVersion. `decode` receives the `spec` member as parsed JSON (attacker-controlled). */
export interface KindVersion {
  readonly kind: string;
  readonly apiVersion: string;
  /** Rekor's published JSON schema for `spec` at this version. */
  readonly schema: object;
  decode(spec: unknown, opts: DecodeOptions): CanonicalEntry;
}

/**
 * Status Rekor gives a `spec` that violates its schema. go-openapi validates only the envelope
 * (kind, apiVersion, spec present) before the handler (→ 422); the spec itself is validated inside
 * `types.CreateVersionedEntry` (`Unmarshal` → model `Validate`), whose errors the handler returns as
 * 400 "error processing entry: …". We follow Rekor; flip this constant to 'schema_violation' to answer
 * 422 instead.
 */
export const SPEC_SCHEMA_VIOLATION: ErrorCode = 'invalid_argument';

const PREFIX = 'error processing entry: ';

/** 400 for input Rekor cannot decode (bad base64, PEM, DER, JSON, shape). */
export function malformed(message: string, cause?: unknown): ProvenantError {
  return new ProvenantError('invalid_argument', PREFIX + message, cause === undefined ? {} : { cause });
}

/** 400 for input that decodes but fails verification or policy. */
export function rejected(message: string, cause?: unknown): ProvenantError {
  return new ProvenantError('invalid_entry', PREFIX + message, cause === undefined ? {} : { cause });
}

/** Re-throws an error from a lower layer (public-key parsing) with Rekor's prefix and a context. */
export function withContext(e: unknown, context?: string): ProvenantError {
  if (e instanceof ProvenantError) {
    const msg = e.message.startsWith(PREFIX) ? e.message.slice(PREFIX.length) : e.message;
    return new ProvenantError(e.code, PREFIX + (context === undefined ? msg : `${context}: ${msg}`), { cause: e });
  }
  throw e;
}

/** Decodes a client base64 field as Go's `base64.StdEncoding` does (Rekor's strfmt.Base64). */
export function decodeField(value: string, what: string): Uint8Array {
  try {
    return decodeBase64Go(value, 'std');
  } catch (e) {
    if (e instanceof Base64Error) throw malformed(`failed parsing base64 data for ${what}: ${e.message}`, e);
    throw e;
  }
}

export const b64 = encodeBase64;

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Go's `strings.ToLower`, then de-duplicated (Rekor's MySQL index has a (key, uuid) primary key). */
export function indexKeys(keys: readonly string[]): string[] {
  return [...new Set(keys.map((k) => k.toLowerCase()))];
}

/**
 * Go decodes JSON strings with invalid UTF-16 (lone surrogates) to U+FFFD; JSON.parse keeps them.
 * Apply to every client string that is stored verbatim.
 */
export function goString(s: string): string {
  return s.replace(LONE_SURROGATE, '\ufffd');
}
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function buildEntry(kind: string, apiVersion: string, spec: JsonValue, keys: readonly string[]): CanonicalEntry {
  return Object.freeze({ kind, apiVersion, body: canonicalJson({ apiVersion, kind, spec }), indexKeys: Object.freeze(indexKeys(keys)) });
}
