/**
 * Development identity provider: an OIDC issuer at <publicUrl>/dev/oidc that mints ID tokens for
 * any claims it is given, so a new user can try keyless signing without an identity provider.
 * Only in the quickstart setup: config.ts turns it on only in the dev profile with nothing
 * production-like (no DATABASE_URL, no key file, loopback HOST and public URL).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type JWK, SignJWT } from 'jose';
import { ProvenantError } from '../errors.ts';

export const DEV_OIDC_PATH = '/dev/oidc';
export const DEV_OIDC_AUDIENCE = 'sigstore';
export const DEV_TOKEN_LIFETIME_SECONDS = 600;
const MAX_CLAIMS_BYTES = 8192;

export interface DevOidcIssuer {
  readonly issuer: string;
  discovery(): Record<string, unknown>;
  jwks(): { keys: JWK[] };
  /** Mints an ID token for the given claims; iss, aud, exp, iat and nbf in the input are ignored. */
  token(claims: unknown): Promise<string>;
}

export function loadOrCreateDevOidcKey(dataDir: string): KeyObject {
  const path = join(dataDir, 'dev-oidc-key.pem');
  if (existsSync(path)) return createPrivateKey(readFileSync(path, 'utf8'));
  mkdirSync(dataDir, { recursive: true });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  return privateKey;
}

export async function createDevOidcIssuer(publicUrl: string, key: KeyObject, now: () => Date = () => new Date()): Promise<DevOidcIssuer> {
  const issuer = `${publicUrl}${DEV_OIDC_PATH}`;
  const jwk = await exportJWK(createPublicKey(key));
  const kid = await calculateJwkThumbprint(jwk);
  const publicJwk: JWK = { ...jwk, kid, alg: 'ES256', use: 'sig' };
  return {
    issuer,
    discovery: () => ({
      issuer,
      jwks_uri: `${issuer}/jwks`,
      token_endpoint: `${issuer}/token`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
      claims_supported: ['sub', 'email', 'email_verified', 'iss', 'aud', 'exp', 'iat'],
    }),
    jwks: () => ({ keys: [publicJwk] }),
    async token(input: unknown) {
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new ProvenantError('invalid_argument', 'the body must be a JSON object of claims, e.g. {"sub":"alice","email":"alice@example.com","email_verified":true}');
      }
      if (JSON.stringify(input).length > MAX_CLAIMS_BYTES) throw new ProvenantError('invalid_argument', `claims larger than ${MAX_CLAIMS_BYTES} bytes`);
      const { iss: _i, aud: _a, exp: _e, iat: _t, nbf: _n, ...claims } = input as Record<string, unknown>;
      if (typeof claims.sub !== 'string' || claims.sub.length === 0) throw new ProvenantError('invalid_argument', 'claims must include "sub" (a non-empty string)');
      const t = Math.floor(now().getTime() / 1000);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(DEV_OIDC_AUDIENCE)
        .setIssuedAt(t)
        .setNotBefore(t)
        .setExpirationTime(t + DEV_TOKEN_LIFETIME_SECONDS)
        .sign(key);
    },
  };
}
