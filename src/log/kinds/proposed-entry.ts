/**
 * The proposed-entry envelope `{"kind","apiVersion","spec"}` and its dispatch to a kind version
 * (Rekor openapi.yaml ProposedEntry, models.UnmarshalProposedEntry, types.CreateVersionedEntry).
 *
 * Envelope errors are go-openapi's, before Rekor's handler runs (→ 422, schema_violation):
 *   missing or empty kind → "kind in body is required"; unknown kind → `invalid kind value: "x"`;
 *   missing apiVersion/spec → "apiVersion in body is required" / "spec in body is required";
 *   apiVersion not semver → "apiVersion in body should match '<pattern>'".
 * Everything after that is the handler's (→ 400 "error processing entry: …"), including a version
 * this server does not implement and a kind Rekor knows but we do not implement.
 */
import { ProvenantError } from '../../errors.ts';
import { checkJsonDepth } from '../../encoding/json-depth.ts';
import { isObject, malformed, type CanonicalEntry, type DecodeOptions } from './common.ts';
import { KINDS, REKOR_ONLY_KINDS } from './registry.ts';

/** openapi.yaml: the apiVersion pattern of every kind (semantic version). */
const API_VERSION_PATTERN =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$';
const API_VERSION_RE = new RegExp(API_VERSION_PATTERN);

const envelopeError = (message: string) => new ProvenantError('schema_violation', message);

/**
 * Decodes, verifies and canonicalises a proposed entry (the parsed JSON body of
 * POST /api/v1/log/entries, or one item of a search's `entries`). Throws ProvenantError:
 * 'schema_violation' (envelope), 'invalid_argument' (malformed spec, unsupported version/kind/format),
 * 'invalid_entry' (verification or algorithm policy failed).
 */
export function decodeProposedEntry(input: unknown, opts: DecodeOptions): CanonicalEntry {
  if (!isObject(input)) {
    if (input === null || input === undefined) throw envelopeError('kind in body is required');
    throw envelopeError(`proposedEntry in body must be of type object: "${Array.isArray(input) ? 'array' : typeof input}"`);
  }
  const { kind, apiVersion, spec } = input;
  if (kind === undefined || kind === null || kind === '') throw envelopeError('kind in body is required');
  if (typeof kind !== 'string') throw envelopeError(`kind in body must be of type string: "${typeof kind}"`);
  // The base type's own name passes go-swagger's discriminator and then matches no registered type.
  if (kind === 'ProposedEntry') throw malformed("could not unmarshal entry for kind 'ProposedEntry'");
  const versions = KINDS.get(kind);
  if (versions === undefined && !REKOR_ONLY_KINDS.has(kind)) throw envelopeError(`invalid kind value: ${JSON.stringify(kind)}`);
  if (apiVersion === undefined || apiVersion === null) throw envelopeError('apiVersion in body is required');
  if (typeof apiVersion !== 'string') throw envelopeError(`apiVersion in body must be of type string: "${typeof apiVersion}"`);
  if (!API_VERSION_RE.test(apiVersion)) throw envelopeError(`apiVersion in body should match '${API_VERSION_PATTERN}'`);
  if (spec === undefined || spec === null) throw envelopeError('spec in body is required');
  if (versions === undefined) throw malformed(`entry kind '${kind}' is not enabled for submission on this server`);
  const impl = versions.get(apiVersion);
  if (impl === undefined) {
    throw malformed(`${kind} implementation for version '${apiVersion}' not found: unable to locate entry for version ${apiVersion}`);
  }
  if (!isObject(spec)) throw malformed(`unsupported input type ${goTypeName(spec)} for DecodeEntry`);
  return impl.decode(spec, opts);
}

function goTypeName(v: unknown): string {
  if (Array.isArray(v)) return '[]interface {}';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'json.Number';
    case 'boolean':
      return 'bool';
    default:
      return 'interface {}';
  }
}

const BODY_PREFIX = /^\{"apiVersion":"((?:[^"\\]|\\.)*)","kind":"((?:[^"\\]|\\.)*)","spec":/;

/**
 * {kind, apiVersion} of a stored canonical body. RFC 8785 sorts "apiVersion" < "kind" < "spec", so a
 * body we produced starts with them; anything else is parsed in full. Throws ProvenantError 'internal'
 * when the bytes are not an entry body.
 */
export function kindFromBody(body: Uint8Array): { kind: string; apiVersion: string } {
  const head = Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, 256)).toString('utf8');
  const m = BODY_PREFIX.exec(head);
  if (m !== null && !m[1]?.includes('\\') && !m[2]?.includes('\\')) return { apiVersion: m[1] as string, kind: m[2] as string };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (e) {
    throw new ProvenantError('internal', 'stored entry body is not JSON', { cause: e });
  }
  if (isObject(parsed) && typeof parsed.kind === 'string' && typeof parsed.apiVersion === 'string') {
    return { kind: parsed.kind, apiVersion: parsed.apiVersion };
  }
  throw new ProvenantError('internal', 'stored entry body has no kind/apiVersion');
}

/** Raw request bytes → canonical entry: malformed JSON is invalid_argument (400), then decodeProposedEntry. */
export function decodeProposedEntryJson(json: Uint8Array, opts: DecodeOptions): CanonicalEntry {
  // Attacker-controlled bytes: nesting bounded (linear scan) before JSON.parse and the recursive
  // decoders and canonicalisation that follow it.
  checkJsonDepth(json);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8'));
  } catch (e) {
    throw new ProvenantError('invalid_argument', `malformed JSON body: ${(e as Error).message}`);
  }
  return decodeProposedEntry(parsed, opts);
}
