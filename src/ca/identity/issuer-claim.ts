import { parseJsonPath } from '../config.ts';
import { type Claims, goClaimString, PrincipalError } from './claims.ts';

/**
 * The certified issuer taken from a claim (Fulcio's IssuerFromIDToken with `issuer-claim`, e.g.
 * Dex's "$.federated_claims.connector_id"): the value at the JSONPath, printed like Go's %v.
 */
export function issuerFromClaim(claims: Claims, path: string): string {
  let v: unknown = claims;
  for (const key of parseJsonPath(path)) {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, key)) throw new PrincipalError(`unknown key ${key} in issuer claim ${path}`);
    v = (v as Record<string, unknown>)[key];
  }
  const s = goClaimString(v);
  if (s === '') throw new PrincipalError(`issuer claim ${path} is empty`);
  return s;
}
