/**
 * Typed domain errors. Domain code (log, kinds, ca, tsa, trust) throws ProvenantError with one of
 * these codes; src/api/errors.ts is the only place that maps a code to an HTTP status and body.
 * Adding a code here without a mapping there fails test/api/errors.test.ts.
 */
export const ERROR_CODES = [
  'invalid_argument', // malformed parameter or body (400)
  'invalid_entry', // entry parsed but failed verification (400)
  'schema_violation', // body does not match the published schema (422, as go-openapi does)
  'not_found', // (404)
  'already_exists', // duplicate entry (409 + Location)
  'payload_too_large', // (413)
  'unsupported_media_type', // (415)
  'unauthenticated', // bad or missing credentials, e.g. OIDC token (401)
  'permission_denied', // authenticated but not allowed (403)
  'unavailable', // storage unreachable / pushback (503 + Retry-After)
  'refuse_to_sign', // storage is behind what we signed, or the clock is wrong (503)
  'internal', // a bug (500)
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetails {
  /** For already_exists: the path of the existing resource (sent as Location). */
  location?: string;
  /** For unavailable: seconds a client should wait (sent as Retry-After). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class ProvenantError extends Error {
  readonly code: ErrorCode;
  readonly location: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ProvenantError';
    this.code = code;
    this.location = details.location;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

export const isProvenantError = (e: unknown): e is ProvenantError => e instanceof ProvenantError;
