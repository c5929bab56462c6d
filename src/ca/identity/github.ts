/**
 * Issuer type `github-workflow` (pkg/identity/github): every GitHub Actions claim below is required;
 * URI SAN https://github.com/<job_workflow_ref>; the proof signs `sub`.
 */
import { joinUrl, requiredClaim } from './claims.ts';
import type { Principal, TokenContext } from './principal.ts';

const GITHUB = 'https://github.com/';

export function githubWorkflowPrincipal(t: TokenContext): Principal {
  const c = (name: string) => requiredClaim(t.claims, name);
  const jobWorkflowRef = c('job_workflow_ref');
  const sha = c('sha');
  const eventName = c('event_name');
  const repository = c('repository');
  const workflow = c('workflow');
  const ref = c('ref');
  const jobWorkflowSha = c('job_workflow_sha');
  const runnerEnvironment = c('runner_environment');
  const repositoryId = c('repository_id');
  const repositoryOwner = c('repository_owner');
  const repositoryOwnerId = c('repository_owner_id');
  const repositoryVisibility = c('repository_visibility');
  const workflowRef = c('workflow_ref');
  const workflowSha = c('workflow_sha');
  const runId = c('run_id');
  const runAttempt = c('run_attempt');
  const signer = joinUrl(GITHUB, jobWorkflowRef);
  return {
    name: t.sub,
    san: { type: 'uri', value: signer },
    extensions: {
      issuer: t.iss,
      subject: t.sub,
      githubWorkflowTrigger: eventName,
      githubWorkflowSha: sha,
      githubWorkflowName: workflow,
      githubWorkflowRepository: repository,
      githubWorkflowRef: ref,
      buildSignerUri: signer,
      buildSignerDigest: jobWorkflowSha,
      runnerEnvironment,
      sourceRepositoryUri: joinUrl(GITHUB, repository),
      sourceRepositoryDigest: sha,
      sourceRepositoryRef: ref,
      sourceRepositoryIdentifier: repositoryId,
      sourceRepositoryOwnerUri: joinUrl(GITHUB, repositoryOwner),
      sourceRepositoryOwnerIdentifier: repositoryOwnerId,
      buildConfigUri: joinUrl(GITHUB, workflowRef),
      buildConfigDigest: workflowSha,
      buildTrigger: eventName,
      runInvocationUri: joinUrl(GITHUB, repository, 'actions/runs', runId, 'attempts', runAttempt),
      sourceRepositoryVisibilityAtSigning: repositoryVisibility,
    },
  };
}
