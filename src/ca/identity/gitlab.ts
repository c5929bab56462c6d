/**
 * Issuer type `gitlab-pipeline` (pkg/identity/gitlabcom): URI SAN "https://" + ci_config_ref_uri;
 * repository URLs under https://gitlab.com/; the proof signs `sub`.
 */
import { checkUri, goEscapePath, joinUrl, PrincipalError, requiredClaim, stringClaim } from './claims.ts';
import type { Principal, TokenContext } from './principal.ts';

const GITLAB = 'https://gitlab.com/';

export function gitlabPipelinePrincipal(t: TokenContext): Principal {
  const c = (name: string) => requiredClaim(t.claims, name);
  const projectPath = c('project_path');
  const pipelineSource = c('pipeline_source');
  c('pipeline_id');
  const ciConfigRefUri = c('ci_config_ref_uri');
  const jobId = c('job_id');
  const refRaw = c('ref');
  const refType = c('ref_type');
  const namespacePath = c('namespace_path');
  const namespaceId = c('namespace_id');
  const projectId = c('project_id');
  const sha = c('sha');
  const runnerEnvironment = c('runner_environment');
  const runnerId = t.claims.runner_id;
  if (runnerId === undefined || runnerId === null || runnerId === 0) throw new PrincipalError('missing runner_id claim in ID token');
  if (typeof runnerId !== 'number' || !Number.isInteger(runnerId)) throw new PrincipalError('claim runner_id must be an integer');
  let ref: string;
  if (refType === 'branch') ref = `refs/heads/${refRaw}`;
  else if (refType === 'tag') ref = `refs/tags/${refRaw}`;
  else throw new PrincipalError(`unexpected ref_type: ${refType}`);
  const ciConfigSha = stringClaim(t.claims, 'ci_config_sha');
  // ci_config_ref_uri has no scheme ("gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main"):
  // Go parses it as a path and prints it under https.
  const configUri = checkUri(`https://${goEscapePath(ciConfigRefUri)}`, 'ci_config_ref_uri');
  return {
    name: t.sub,
    san: { type: 'uri', value: configUri },
    extensions: {
      issuer: t.iss,
      subject: t.sub,
      buildConfigUri: configUri,
      buildConfigDigest: ciConfigSha,
      buildSignerUri: configUri,
      buildSignerDigest: ciConfigSha,
      runnerEnvironment,
      sourceRepositoryUri: joinUrl(GITLAB, projectPath),
      sourceRepositoryDigest: sha,
      sourceRepositoryRef: ref,
      sourceRepositoryIdentifier: projectId,
      sourceRepositoryOwnerUri: joinUrl(GITLAB, namespacePath),
      sourceRepositoryOwnerIdentifier: namespaceId,
      buildTrigger: pipelineSource,
      runInvocationUri: joinUrl(GITLAB, projectPath, '/-/jobs/', jobId),
      sourceRepositoryVisibilityAtSigning: stringClaim(t.claims, 'project_visibility'),
    },
  };
}
