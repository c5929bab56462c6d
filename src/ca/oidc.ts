/**
 * OIDC identity-token verification, as Fulcio does it with coreos/go-oidc (pkg/identity/authorize.go,
 * pkg/config GetVerifier), on jose:
 *
 * 1. read `iss` from the unverified token and find its issuer in the configuration (exact, then
 *    meta-issuer wildcards); unknown issuers are refused before any network access;
 * 2. discovery: GET <iss>/.well-known/openid-configuration; its `issuer` must equal `iss` exactly;
 *    redirects are not followed; https only, plain http only on loopback hosts;
 * 3. keys from `jwks_uri`, cached per issuer and fetched again when a token names an unknown key
 *    (at most once per REFETCH_COOLDOWN_MS per issuer);
 * 4. signature with an algorithm the issuer advertises (`id_token_signing_alg_values_supported`,
 *    RS256 when absent, as go-oidc), `aud` containing the client id, `exp` required and `nbf`/`iat`
 *    checked, each with CLOCK_SKEW_SECONDS of tolerance against the injected clock.
 *
 * Token problems are ProvenantError 'unauthenticated' (401); an issuer that cannot be reached is
 * 'unavailable' (503), since retrying may succeed.
 */
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { createLocalJWKSet, type CryptoKey, decodeJwt, errors as joseErrors, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { ProvenantError } from '../errors.ts';
import type { Clock } from '../log/types.ts';
import { type CaConfig, checkIssuerUrl, lookupIssuer, type OidcIssuer } from './config.ts';

export const CLOCK_SKEW_SECONDS = 60;
export const REFETCH_COOLDOWN_MS = 10_000;
export const DISCOVERY_TTL_MS = 60 * 60_000;
export const HTTP_TIMEOUT_MS = 10_000;
const MAX_DOCUMENT_BYTES = 1 << 20;
const MAX_TOKEN_CHARS = 64 * 1024;
const MAX_CACHED_ISSUERS = 100;

/** Asymmetric JWS algorithms jose verifies; `none` and HMAC are never accepted. */
const ASYMMETRIC_ALGS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);

/** A fetch-compatible function (the global fetch by default). Issuers with a ca-cert use node:https. */
export type FetchLike = (url: string, init: { redirect: 'manual'; signal: AbortSignal; headers: Record<string, string> }) => Promise<Response>;

export interface VerifiedToken {
  /** The issuer configuration that accepted the token (a meta issuer with its URL filled in). */
  readonly issuer: OidcIssuer;
  /** The verified claims. */
  readonly claims: Readonly<JWTPayload>;
}

export interface OidcVerifierOptions {
  readonly config: CaConfig;
  readonly clock: Clock;
  readonly fetch?: FetchLike;
  readonly clockSkewSeconds?: number;
  readonly timeoutMs?: number;
  /** Least time between two JWKS fetches for one issuer (unknown-kid refetch); default REFETCH_COOLDOWN_MS. */
  readonly jwksRefetchCooldownMs?: number;
}

interface IssuerState {
  readonly jwksUri: string;
  readonly algorithms: readonly string[];
  keys: ReturnType<typeof createLocalJWKSet> | undefined;
  keysFetchedAt: number;
  keysInFlight: Promise<void> | undefined;
}

const unauthenticated = (reason: string, cause?: unknown) =>
  new ProvenantError('unauthenticated', `There was an error processing the identity token: ${reason}`, cause === undefined ? {} : { cause });

export class OidcVerifier {
  readonly #config: CaConfig;
  readonly #clock: Clock;
  readonly #fetch: FetchLike;
  readonly #skew: number;
  readonly #timeoutMs: number;
  readonly #cooldownMs: number;
  readonly #issuers = new Map<string, Promise<IssuerState>>();

  constructor(o: OidcVerifierOptions) {
    this.#config = o.config;
    this.#clock = o.clock;
    this.#fetch = o.fetch ?? ((url, init) => fetch(url, init));
    this.#skew = o.clockSkewSeconds ?? CLOCK_SKEW_SECONDS;
    this.#timeoutMs = o.timeoutMs ?? HTTP_TIMEOUT_MS;
    this.#cooldownMs = o.jwksRefetchCooldownMs ?? REFETCH_COOLDOWN_MS;
  }

  get config(): CaConfig {
    return this.#config;
  }

  /** Verifies `token` (attacker-controlled); resolves with its issuer and claims or throws. */
  async verify(token: string): Promise<VerifiedToken> {
    if (typeof token !== 'string' || token.length === 0) throw unauthenticated('no identity token was provided');
    if (token.length > MAX_TOKEN_CHARS) throw unauthenticated('token is too large');
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch (e) {
      throw unauthenticated(`malformed token: ${(e as Error).message}`, e);
    }
    const iss = unverified.iss;
    if (typeof iss !== 'string' || iss === '') throw unauthenticated('token has no iss claim');
    const issuer = lookupIssuer(this.#config, iss);
    if (!issuer) throw unauthenticated(`unsupported issuer: ${iss}`);
    const url = checkIssuerUrl(iss);
    if (typeof url === 'string') throw unauthenticated(`issuer ${url}`);

    const state = await this.#issuerState(issuer);
    const now = this.#clock.now();
    const options = {
      issuer: iss,
      audience: issuer.clientId,
      algorithms: [...state.algorithms],
      currentDate: now,
      clockTolerance: this.#skew,
      requiredClaims: ['exp'],
    };
    let payload: JWTPayload;
    try {
      const getKey: JWTVerifyGetKey = (header, tok) => this.#key(issuer, state, header, tok);
      ({ payload } = await jwtVerify(token, getKey, options));
    } catch (e) {
      if (!(e instanceof joseErrors.JWKSMultipleMatchingKeys)) throw this.#tokenError(e);
      // No kid and several candidate keys: try each, as go-oidc does.
      payload = await this.#verifyWithEach(token, e, options);
    }
    const nowSeconds = Math.floor(now.getTime() / 1000);
    // jose checks iat only against a maximum age; a token issued in the future is refused here.
    if (payload.iat !== undefined && payload.iat > nowSeconds + this.#skew) throw unauthenticated('token was issued in the future (iat)');
    if (payload.sub !== undefined && typeof payload.sub !== 'string') throw unauthenticated('sub claim must be a string');
    return { issuer, claims: payload };
  }

  async #verifyWithEach(token: string, candidates: joseErrors.JWKSMultipleMatchingKeys, options: Parameters<typeof jwtVerify>[2]): Promise<JWTPayload> {
    let last: unknown = candidates;
    for await (const key of candidates as unknown as AsyncIterable<CryptoKey>) {
      try {
        return (await jwtVerify(token, key, options)).payload;
      } catch (e) {
        last = e;
        if (!(e instanceof joseErrors.JWSSignatureVerificationFailed)) break;
      }
    }
    throw this.#tokenError(last);
  }

  #tokenError(e: unknown): ProvenantError {
    if (e instanceof ProvenantError) return e;
    if (e instanceof joseErrors.JWTExpired) return unauthenticated('token is expired', e);
    if (e instanceof joseErrors.JWTClaimValidationFailed) {
      switch (e.claim) {
        case 'aud':
          return unauthenticated(`token audience does not include the client id (${e.message})`, e);
        case 'nbf':
          return unauthenticated('token is not yet valid (nbf)', e);
        case 'iss':
          return unauthenticated('token issuer does not match', e);
        default:
          return unauthenticated(`${e.claim} claim: ${e.message}`, e);
      }
    }
    if (e instanceof joseErrors.JWSSignatureVerificationFailed) return unauthenticated('failed to verify signature', e);
    if (e instanceof joseErrors.JWKSNoMatchingKey) return unauthenticated('no key of the issuer matches the token', e);
    if (e instanceof joseErrors.JOSEAlgNotAllowed) return unauthenticated(`token algorithm is not one the issuer advertises (${e.message})`, e);
    if (e instanceof joseErrors.JOSEError) return unauthenticated(e.message, e);
    return unauthenticated(`malformed token: ${(e as Error).message}`, e);
  }

  async #key(issuer: OidcIssuer, state: IssuerState, header: Parameters<ReturnType<typeof createLocalJWKSet>>[0], tok: Parameters<ReturnType<typeof createLocalJWKSet>>[1]) {
    if (!state.keys) await this.#loadKeys(issuer, state);
    try {
      return await state.keys!(header, tok);
    } catch (e) {
      if (!(e instanceof joseErrors.JWKSNoMatchingKey)) throw e;
      // An unknown kid: the issuer may have rotated its keys. Refetch, but not more often than the
      // cooldown, so that tokens naming random kids cannot make us hammer the issuer.
      if (Date.now() - state.keysFetchedAt < this.#cooldownMs) throw e;
      await this.#loadKeys(issuer, state);
      return state.keys!(header, tok);
    }
  }

  #loadKeys(issuer: OidcIssuer, state: IssuerState): Promise<void> {
    state.keysInFlight ??= (async () => {
      try {
        const doc = await this.#getJson(state.jwksUri, issuer, 'JWKS');
        if (doc === null || typeof doc !== 'object' || !Array.isArray((doc as { keys?: unknown }).keys)) {
          throw unauthenticated(`the issuer's JWKS at ${state.jwksUri} has no keys array`);
        }
        try {
          state.keys = createLocalJWKSet(doc as JSONWebKeySet);
        } catch (e) {
          throw unauthenticated(`the issuer's JWKS at ${state.jwksUri} is invalid: ${(e as Error).message}`, e);
        }
        state.keysFetchedAt = Date.now();
      } finally {
        state.keysInFlight = undefined;
      }
    })();
    return state.keysInFlight;
  }

  /** Discovery, cached per issuer URL for DISCOVERY_TTL_MS; failures are not cached. */
  #issuerState(issuer: OidcIssuer): Promise<IssuerState> {
    const iss = issuer.issuerUrl;
    const cached = this.#issuers.get(iss);
    if (cached) return cached;
    const p = this.#discover(issuer).then(
      (s) => {
        setTimeout(() => {
          if (this.#issuers.get(iss) === p) this.#issuers.delete(iss);
        }, DISCOVERY_TTL_MS).unref();
        return s;
      },
      (e: unknown) => {
        this.#issuers.delete(iss);
        throw e;
      },
    );
    this.#issuers.set(iss, p);
    if (this.#issuers.size > MAX_CACHED_ISSUERS) this.#issuers.delete(this.#issuers.keys().next().value as string);
    return p;
  }

  async #discover(issuer: OidcIssuer): Promise<IssuerState> {
    const iss = issuer.issuerUrl;
    const url = `${iss.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const doc = (await this.#getJson(url, issuer, 'discovery document')) as Record<string, unknown> | null;
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw unauthenticated(`the discovery document at ${url} is not a JSON object`);
    if (doc.issuer !== iss) {
      throw unauthenticated(`oidc: issuer did not match the issuer returned by provider, expected ${JSON.stringify(iss)} got ${JSON.stringify(doc.issuer)}`);
    }
    if (typeof doc.jwks_uri !== 'string') throw unauthenticated(`the discovery document at ${url} has no jwks_uri`);
    const jwks = checkIssuerUrl(doc.jwks_uri);
    if (typeof jwks === 'string') throw unauthenticated(`jwks_uri ${jwks}`);
    const advertised = doc.id_token_signing_alg_values_supported;
    const algs = Array.isArray(advertised) ? advertised.filter((a): a is string => typeof a === 'string') : ['RS256'];
    const algorithms = algs.filter((a) => ASYMMETRIC_ALGS.has(a));
    if (algorithms.length === 0) throw unauthenticated(`the issuer advertises no supported signing algorithm (${algs.join(', ') || 'none'})`);
    return { jwksUri: jwks.toString(), algorithms, keys: undefined, keysFetchedAt: 0, keysInFlight: undefined };
  }

  async #getJson(url: string, issuer: OidcIssuer, what: string): Promise<unknown> {
    let status: number;
    let body: string;
    try {
      ({ status, body } = issuer.caCert ? await httpsGet(url, issuer.caCert, this.#timeoutMs) : await this.#fetchText(url));
    } catch (e) {
      if (e instanceof ProvenantError) throw e;
      throw new ProvenantError('unavailable', `cannot reach the OIDC issuer ${issuer.issuerUrl} (${what}): ${(e as Error).message}`, { cause: e, retryAfterSeconds: 5 });
    }
    if (status >= 500) throw new ProvenantError('unavailable', `the OIDC issuer ${issuer.issuerUrl} answered ${status} for its ${what}`, { retryAfterSeconds: 5 });
    if (status !== 200) throw unauthenticated(`the issuer's ${what} at ${url} answered HTTP ${status}`);
    try {
      return JSON.parse(body);
    } catch {
      throw unauthenticated(`the issuer's ${what} at ${url} is not JSON`);
    }
  }

  async #fetchText(url: string): Promise<{ status: number; body: string }> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    const res = await this.#fetch(url, { redirect: 'manual', signal, headers: { accept: 'application/json' } });
    const buf = Buffer.from(await res.arrayBuffer());
    if (buf.length > MAX_DOCUMENT_BYTES) throw unauthenticated(`the document at ${url} is larger than ${MAX_DOCUMENT_BYTES} bytes`);
    return { status: res.status, body: buf.toString('utf8') };
  }
}

/** GET over https trusting the system roots plus `caCert` (Fulcio's per-issuer CACert). No redirects. */
function httpsGet(url: string, caCert: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'GET', ca: [...rootCertificates, caCert], timeout: timeoutMs, headers: { accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_DOCUMENT_BYTES) {
          req.destroy(new Error(`document larger than ${MAX_DOCUMENT_BYTES} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}
