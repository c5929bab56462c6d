/** Issuer type `email` (pkg/identity/email): rfc822Name SAN; the proof signs the email. */
import { emailVerified, isEmail, PrincipalError, stringClaim } from './claims.ts';
import { issuerFromClaim } from './issuer-claim.ts';
import type { Principal, TokenContext } from './principal.ts';

export function emailPrincipal(t: TokenContext): Principal {
  const email = stringClaim(t.claims, 'email');
  if (email === '') throw new PrincipalError('token missing email claim');
  if (!t.issuer.skipEmailVerification && !emailVerified(t.claims)) throw new PrincipalError('email_verified claim was false');
  if (!isEmail(email)) throw new PrincipalError('email address is not valid');
  const issuer = t.issuer.issuerClaim ? issuerFromClaim(t.claims, t.issuer.issuerClaim) : t.iss;
  return { name: email, san: { type: 'email', value: email }, extensions: { issuer, subject: t.sub } };
}
