/**
 * Workload issuer types whose identity is the subject: kubernetes, spiffe, uri and username
 * (pkg/identity/{kubernetes,spiffe,uri,username}). The proof signs `sub` for each.
 */
import { spiffeTrustDomain } from '../config.ts';
import { checkUri, isEmail, PrincipalError, stringClaim } from './claims.ts';
import type { Principal, TokenContext } from './principal.ts';

const base = (t: TokenContext) => ({ issuer: t.iss, subject: t.sub });

/** URI SAN https://kubernetes.io/namespaces/<ns>/serviceaccounts/<sa> from the "kubernetes.io" claim. */
export function kubernetesPrincipal(t: TokenContext): Principal {
  const k8s = t.claims['kubernetes.io'];
  if (k8s === null || typeof k8s !== 'object' || Array.isArray(k8s)) throw new PrincipalError('missing kubernetes.io claim in ID token');
  const ns = stringClaim(k8s as Record<string, unknown>, 'namespace');
  const sa = (k8s as Record<string, unknown>).serviceaccount;
  const saName = sa !== null && typeof sa === 'object' && !Array.isArray(sa) ? stringClaim(sa as Record<string, unknown>, 'name') : '';
  // Fulcio would certify ".../namespaces//serviceaccounts/" for a token without them; we refuse.
  if (ns === '' || saName === '') throw new PrincipalError('kubernetes.io claim lacks namespace or serviceaccount.name');
  const uri = checkUri(`https://kubernetes.io/namespaces/${ns}/serviceaccounts/${saName}`, 'kubernetes service account URI');
  return { name: t.sub, san: { type: 'uri', value: uri }, extensions: base(t) };
}

/** URI SAN = sub, a SPIFFE ID in the configured trust domain. */
export function spiffePrincipal(t: TokenContext): Principal {
  const td = spiffeTrustDomain(t.issuer.spiffeTrustDomain ?? '');
  if (td === undefined) throw new PrincipalError('unable to parse trust domain from configuration');
  const m = /^spiffe:\/\/([a-z0-9._-]+)((?:\/[A-Za-z0-9._-]+)*)$/.exec(t.sub);
  if (!m || m[2]!.split('/').some((seg) => seg === '.' || seg === '..')) throw new PrincipalError(`invalid spiffe ID provided: ${t.sub}`);
  if (m[1] !== td) throw new PrincipalError(`spiffe ID trust domain ${m[1]} doesn't match configured trust domain ${td}`);
  return { name: t.sub, san: { type: 'uri', value: t.sub }, extensions: base(t) };
}

/** URI SAN = sub, whose scheme and host must be those of the configured subject domain. */
export function uriPrincipal(t: TokenContext): Principal {
  if (isEmail(t.sub)) throw new PrincipalError('uri subject should not be an email address');
  let subject: URL;
  try {
    subject = new URL(checkUri(t.sub, 'subject'));
  } catch (e) {
    if (e instanceof PrincipalError) throw e;
    throw new PrincipalError(`subject ${JSON.stringify(t.sub)} is not a URI`);
  }
  const domain = new URL(t.issuer.subjectDomain ?? '');
  if (subject.protocol !== domain.protocol) {
    throw new PrincipalError(`subject URI scheme (${subject.protocol.slice(0, -1)}) must match expected domain URI scheme (${domain.protocol.slice(0, -1)})`);
  }
  if (subject.hostname !== domain.hostname) throw new PrincipalError(`subject hostname (${subject.hostname}) must match expected domain (${domain.hostname})`);
  return { name: t.sub, san: { type: 'uri', value: t.sub }, extensions: base(t) };
}

/** OtherName SAN "<sub>!<subject domain>" (OID 1.3.6.1.4.1.57264.1.7). */
export function usernamePrincipal(t: TokenContext): Principal {
  if (t.sub === '') throw new PrincipalError('missing sub claim in ID token');
  if (t.sub.includes('!')) throw new PrincipalError('username cannot contain ! character');
  if (isEmail(t.sub)) throw new PrincipalError('uri subject should not be an email address');
  return { name: t.sub, san: { type: 'username', value: `${t.sub}!${t.issuer.subjectDomain}` }, extensions: base(t) };
}
