/**
 * Certificate requests as Fulcio's grpc-gateway decodes them (fulcio.proto, protojson): JSON field
 * names in lowerCamelCase or as in the proto, unknown fields ignored, `bytes` fields base64
 * (standard or URL-safe, padding optional), the `key` oneof set at most once. Parsed once here into
 * a domain request; all of it is attacker-controlled.
 */
import { ProvenantError } from '../errors.ts';

export type KeyRequest =
  /** publicKeyRequest: PEM (or DER) SPKI and a signature over the principal's name. */
  | { readonly kind: 'public-key'; readonly content: string | Uint8Array; readonly proofOfPossession: Uint8Array }
  /** certificateSigningRequest: the PEM CSR bytes (after the JSON base64). */
  | { readonly kind: 'csr'; readonly csr: Uint8Array };

export interface SigningCertificateRequest {
  readonly token: string;
  readonly key: KeyRequest;
}

const bad = (m: string) => new ProvenantError('invalid_argument', m);
const PUBLIC_KEY_ALGORITHMS = ['PUBLIC_KEY_ALGORITHM_UNSPECIFIED', 'RSA_PSS', 'ECDSA', 'ED25519'];

/**
 * POST /api/v2/signingCert. `authorization` is the HTTP Authorization header: grpc-gateway passes
 * "Bearer <token>" as the token when `credentials` carries none.
 */
export function parseV2Request(body: unknown, authorization: string | undefined): SigningCertificateRequest {
  const o = object(body, 'request body');
  const creds = field(o, 'credentials', 'credentials');
  let token = '';
  if (creds !== undefined && creds !== null) token = str(field(object(creds, 'credentials'), 'oidcIdentityToken', 'oidc_identity_token'), 'credentials.oidcIdentityToken');
  if (token === '') token = bearer(authorization);

  const pkr = field(o, 'publicKeyRequest', 'public_key_request');
  const csr = field(o, 'certificateSigningRequest', 'certificate_signing_request');
  const hasPkr = pkr !== undefined && pkr !== null;
  const hasCsr = csr !== undefined && csr !== null;
  if (hasPkr && hasCsr) throw bad('request sets both publicKeyRequest and certificateSigningRequest; send one');
  if (hasCsr) return { token, key: { kind: 'csr', csr: bytes(csr, 'certificateSigningRequest') } };
  const p = hasPkr ? object(pkr, 'publicKeyRequest') : {};
  const pkRaw = field(p, 'publicKey', 'public_key');
  const pk = pkRaw === undefined || pkRaw === null ? {} : object(pkRaw, 'publicKeyRequest.publicKey');
  const algorithm = field(pk, 'algorithm', 'algorithm');
  if (algorithm !== undefined && algorithm !== null && !PUBLIC_KEY_ALGORITHMS.includes(algorithm as string) && !(Number.isInteger(algorithm) && (algorithm as number) >= 0)) {
    throw bad(`publicKeyRequest.publicKey.algorithm: invalid value ${JSON.stringify(algorithm)} (one of ${PUBLIC_KEY_ALGORITHMS.join(', ')})`);
  }
  return {
    token,
    key: {
      kind: 'public-key',
      content: str(field(pk, 'content', 'content'), 'publicKeyRequest.publicKey.content'),
      proofOfPossession: bytes(field(p, 'proofOfPossession', 'proof_of_possession'), 'publicKeyRequest.proofOfPossession'),
    },
  };
}

/**
 * Legacy POST /api/v1/signingCert (fulcio_legacy.proto): the token only in Authorization,
 * `publicKey {algorithm, content (bytes)}` + `signedEmailAddress (bytes)`, or `certificateSigningRequest (bytes)`.
 */
export function parseV1Request(body: unknown, authorization: string | undefined): SigningCertificateRequest {
  const o = object(body, 'request body');
  const token = bearer(authorization);
  const csr = field(o, 'certificateSigningRequest', 'certificate_signing_request');
  if (csr !== undefined && csr !== null && csr !== '') return { token, key: { kind: 'csr', csr: bytes(csr, 'certificateSigningRequest') } };
  const pkRaw = field(o, 'publicKey', 'public_key');
  if (pkRaw === undefined || pkRaw === null) throw bad('The public key supplied in the request could not be parsed: public key not provided');
  const pk = object(pkRaw, 'publicKey');
  return {
    token,
    key: {
      kind: 'public-key',
      content: bytes(field(pk, 'content', 'content'), 'publicKey.content'),
      proofOfPossession: bytes(field(o, 'signedEmailAddress', 'signed_email_address'), 'signedEmailAddress'),
    },
  };
}

/** grpc-gateway: the Authorization header with its first "Bearer " removed. */
function bearer(authorization: string | undefined): string {
  return (authorization ?? '').replace('Bearer ', '').trim();
}

function object(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(`${what} must be a JSON object`);
  return v as Record<string, unknown>;
}

/** protojson accepts the JSON name and the proto name; setting both is an error. */
function field(o: Record<string, unknown>, json: string, proto: string): unknown {
  const a = Object.hasOwn(o, json) ? o[json] : undefined;
  const b = json !== proto && Object.hasOwn(o, proto) ? o[proto] : undefined;
  if (a !== undefined && b !== undefined) throw bad(`field ${json} is set twice (as ${json} and ${proto})`);
  return a ?? b;
}

function str(v: unknown, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw bad(`${what} must be a string`);
  return v;
}

/** A proto `bytes` field: standard or URL-safe base64, padded or not. */
function bytes(v: unknown, what: string): Uint8Array {
  const s = str(v, what);
  if (!/^[A-Za-z0-9+/\-_]*={0,2}$/.test(s) || s.replace(/=+$/, '').length % 4 === 1) throw bad(`${what} is not valid base64`);
  const std = s.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  return new Uint8Array(Buffer.from(std, 'base64'));
}
