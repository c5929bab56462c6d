/**
 * The remaining built-in issuer types of Fulcio: buildkite-job, codefresh-workflow and
 * chainguard-identity (pkg/identity/{buildkite,codefresh,chainguard}).
 */
import { checkUri, emailVerified, joinUrl, PrincipalError, requiredClaim, stringClaim } from './claims.ts';
import type { Principal, TokenContext } from './principal.ts';

export function buildkiteJobPrincipal(t: TokenContext): Principal {
  const org = requiredClaim(t.claims, 'organization_slug');
  const pipeline = requiredClaim(t.claims, 'pipeline_slug');
  const uri = checkUri(`https://buildkite.com/${org}/${pipeline}`, 'buildkite pipeline URL');
  return { name: t.sub, san: { type: 'uri', value: uri }, extensions: { issuer: t.iss, subject: t.sub } };
}

export function codefreshWorkflowPrincipal(t: TokenContext): Principal {
  const accountId = requiredClaim(t.claims, 'account_id');
  const pipelineId = requiredClaim(t.claims, 'pipeline_id');
  const workflowId = requiredClaim(t.claims, 'workflow_id');
  const platform = stringClaim(t.claims, 'platform_url') || 'https://g.codefresh.io';
  let san: string;
  try {
    san = joinUrl(platform, stringClaim(t.claims, 'account_name'), `${stringClaim(t.claims, 'pipeline_name')}:${accountId}/${pipelineId}`);
  } catch {
    throw new PrincipalError('platform_url is not a URL');
  }
  return {
    name: t.sub,
    san: { type: 'uri', value: checkUri(san, 'codefresh pipeline URL') },
    extensions: {
      issuer: t.iss,
      subject: t.sub,
      buildSignerUri: joinUrl(platform, 'build', workflowId),
      runnerEnvironment: stringClaim(t.claims, 'runner_environment'),
      sourceRepositoryUri: stringClaim(t.claims, 'scm_repo_url'),
      sourceRepositoryRef: stringClaim(t.claims, 'scm_ref'),
      buildConfigUri: joinUrl(platform, 'api', 'pipelines', pipelineId),
      runInvocationUri: joinUrl(platform, 'build', workflowId),
    },
  };
}

/** Name as cosign's oauthflow.SubjectFromToken: the verified email if there is one, else sub. */
export function chainguardPrincipal(t: TokenContext): Principal {
  const email = stringClaim(t.claims, 'email');
  if (email !== '' && !emailVerified(t.claims)) throw new PrincipalError('email not verified by issuer');
  const name = email || t.sub;
  if (name === '') throw new PrincipalError('no subject found in claims');
  return { name, san: { type: 'uri', value: checkUri(joinUrl(t.iss, t.sub), 'subject URL') }, extensions: { issuer: t.iss, subject: t.sub } };
}
