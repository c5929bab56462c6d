import type { SigstoreExtensionValues, SubjectAltName } from '../../x509/ca-extensions.ts';
import type { CaConfig, OidcIssuer } from '../config.ts';
import type { Claims } from './claims.ts';

/**
 * What a verified token becomes (Fulcio's identity.Principal): the value the proof of possession
 * must sign, the certificate's one SAN, and its Sigstore extensions.
 */
export interface Principal {
  /** Fulcio's Principal.Name(): the email for email issuers, the subject otherwise. */
  readonly name: string;
  readonly san: SubjectAltName;
  readonly extensions: SigstoreExtensionValues;
}

/** Everything a principal constructor may look at. `iss` and `sub` are verified/typed already. */
export interface TokenContext {
  readonly issuer: OidcIssuer;
  readonly config: CaConfig;
  readonly iss: string;
  /** "" when the token has no sub. */
  readonly sub: string;
  readonly claims: Claims;
}
