/** Token → principal, by issuer type (Fulcio's challenges.PrincipalFromIDToken). */
import type { CaConfig, OidcIssuer } from '../config.ts';
import { type Claims, PrincipalError, stringClaim } from './claims.ts';
import { ciProviderPrincipal } from './ci-provider.ts';
import { emailPrincipal } from './email.ts';
import { githubWorkflowPrincipal } from './github.ts';
import { gitlabPipelinePrincipal } from './gitlab.ts';
import { buildkiteJobPrincipal, chainguardPrincipal, codefreshWorkflowPrincipal } from './platforms.ts';
import type { Principal, TokenContext } from './principal.ts';
import { kubernetesPrincipal, spiffePrincipal, uriPrincipal, usernamePrincipal } from './workload.ts';

export { PrincipalError } from './claims.ts';
export type { Principal } from './principal.ts';

const BY_TYPE: Readonly<Record<OidcIssuer['type'], (t: TokenContext) => Principal>> = {
  email: emailPrincipal,
  'github-workflow': githubWorkflowPrincipal,
  'ci-provider': ciProviderPrincipal,
  'gitlab-pipeline': gitlabPipelinePrincipal,
  'buildkite-job': buildkiteJobPrincipal,
  'codefresh-workflow': codefreshWorkflowPrincipal,
  'chainguard-identity': chainguardPrincipal,
  kubernetes: kubernetesPrincipal,
  spiffe: spiffePrincipal,
  uri: uriPrincipal,
  username: usernamePrincipal,
};

/**
 * The principal of a verified token. Throws PrincipalError when the claims cannot make a
 * certificate (missing/malformed claims, unverified email, subject outside the configured domain).
 */
export function principalFromToken(issuer: OidcIssuer, config: CaConfig, claims: Claims): Principal {
  const iss = stringClaim(claims, 'iss');
  const sub = stringClaim(claims, 'sub');
  const p = BY_TYPE[issuer.type]({ issuer, config, iss, sub, claims });
  if (p.name === '') throw new PrincipalError('the token has no subject to prove possession over');
  return p;
}
