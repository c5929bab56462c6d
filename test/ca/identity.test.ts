import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type CaConfig, lookupIssuer, parseFulcioConfig } from '../../src/ca/config.ts';
import { joinUrl } from '../../src/ca/identity/claims.ts';
import { type Principal, PrincipalError, principalFromToken } from '../../src/ca/identity/index.ts';
import { GITHUB_CLAIMS } from './helpers.ts';

const FULCIO = parseFulcioConfig(readFileSync(new URL('./fixtures/fulcio-identity-config.yaml', import.meta.url), 'utf8'));
const LOCAL = parseFulcioConfig(`
oidc-issuers:
  https://mail.example.com:
    client-id: sigstore
    type: email
  https://dex.example.com:
    client-id: sigstore
    type: email
    issuer-claim: $.federated_claims.connector_id
  https://trusting.example.com:
    client-id: sigstore
    type: email
    skip-email-verification: true
  https://token.actions.githubusercontent.com:
    client-id: sigstore
    type: github-workflow
  https://gitlab.com:
    client-id: sigstore
    type: gitlab-pipeline
  https://k8s.example.com:
    client-id: sigstore
    type: kubernetes
  https://spire.example.org:
    client-id: sigstore
    type: spiffe
    spiffe-trust-domain: example.org
  https://accounts.example.com:
    client-id: sigstore
    type: uri
    subject-domain: https://users.example.com
  https://login.example.com:
    client-id: sigstore
    type: username
    subject-domain: example.com
  https://agent.buildkite.com:
    client-id: sigstore
    type: buildkite-job
  https://oidc.codefresh.io:
    client-id: sigstore
    type: codefresh-workflow
  https://issuer.enforce.dev:
    client-id: sigstore
    type: chainguard-identity
`);

function principal(config: CaConfig, claims: Record<string, unknown>): Principal {
  const issuer = lookupIssuer(config, claims.iss as string);
  assert.ok(issuer, `issuer ${claims.iss}`);
  return principalFromToken(issuer, config, claims);
}
const refused = (config: CaConfig, claims: Record<string, unknown>, re: RegExp) =>
  assert.throws(() => principal(config, claims), (e: unknown) => e instanceof PrincipalError && re.test(e.message), JSON.stringify(claims));

describe('token → principal, per issuer type (Fulcio pkg/identity)', () => {
  it('email: rfc822Name SAN, proof over the email, email_verified required, issuer claim mapping', () => {
    const p = principal(LOCAL, { iss: 'https://mail.example.com', sub: 'u-1', email: 'alice@example.com', email_verified: true });
    assert.deepEqual(p, { name: 'alice@example.com', san: { type: 'email', value: 'alice@example.com' }, extensions: { issuer: 'https://mail.example.com', subject: 'u-1' } });
    assert.equal(principal(LOCAL, { iss: 'https://mail.example.com', email: 'a@b.example', email_verified: 'true' }).name, 'a@b.example');
    refused(LOCAL, { iss: 'https://mail.example.com', email: 'a@b.example', email_verified: false }, /email_verified claim was false/);
    refused(LOCAL, { iss: 'https://mail.example.com', email: 'a@b.example' }, /email_verified claim was false/);
    refused(LOCAL, { iss: 'https://mail.example.com', email: 'a@b.example', email_verified: 'yes' }, /invalid value/);
    refused(LOCAL, { iss: 'https://mail.example.com', sub: 'x', email_verified: true }, /missing email claim/);
    refused(LOCAL, { iss: 'https://mail.example.com', email: 'not an email', email_verified: true }, /not valid/);
    refused(LOCAL, { iss: 'https://mail.example.com', email: 'ünï@example.com', email_verified: true }, /not valid/);
    assert.equal(principal(LOCAL, { iss: 'https://trusting.example.com', email: 'a@b.example' }).name, 'a@b.example');
    const dex = principal(LOCAL, { iss: 'https://dex.example.com', email: 'a@b.example', email_verified: true, federated_claims: { connector_id: 'https://github.com/login/oauth' } });
    assert.equal(dex.extensions.issuer, 'https://github.com/login/oauth');
    refused(LOCAL, { iss: 'https://dex.example.com', email: 'a@b.example', email_verified: true }, /unknown key federated_claims/);
  });

  const iss = 'https://token.actions.githubusercontent.com';
  const expectedGithub = {
    issuer: iss,
    subject: GITHUB_CLAIMS.sub,
    githubWorkflowTrigger: 'push',
    githubWorkflowSha: GITHUB_CLAIMS.sha,
    githubWorkflowName: 'Release',
    githubWorkflowRepository: 'octo-org/octo-repo',
    githubWorkflowRef: 'refs/heads/main',
    buildSignerUri: 'https://github.com/octo-org/octo-repo/.github/workflows/release.yml@refs/heads/main',
    buildSignerDigest: GITHUB_CLAIMS.job_workflow_sha,
    runnerEnvironment: 'github-hosted',
    sourceRepositoryUri: 'https://github.com/octo-org/octo-repo',
    sourceRepositoryDigest: GITHUB_CLAIMS.sha,
    sourceRepositoryRef: 'refs/heads/main',
    sourceRepositoryIdentifier: '123456',
    sourceRepositoryOwnerUri: 'https://github.com/octo-org',
    sourceRepositoryOwnerIdentifier: '654321',
    buildConfigUri: 'https://github.com/octo-org/octo-repo/.github/workflows/release.yml@refs/heads/main',
    buildConfigDigest: GITHUB_CLAIMS.workflow_sha,
    buildTrigger: 'push',
    runInvocationUri: 'https://github.com/octo-org/octo-repo/actions/runs/42/attempts/1',
    sourceRepositoryVisibilityAtSigning: 'public',
  };

  it('github-workflow: URI SAN https://github.com/<job_workflow_ref>, every .1–.24 value, proof over sub', () => {
    const p = principal(LOCAL, { iss, ...GITHUB_CLAIMS });
    assert.equal(p.name, GITHUB_CLAIMS.sub);
    assert.deepEqual(p.san, { type: 'uri', value: expectedGithub.buildSignerUri });
    assert.deepEqual(p.extensions, expectedGithub);
    for (const missing of ['job_workflow_ref', 'run_attempt', 'repository_visibility']) {
      const claims: Record<string, unknown> = { iss, ...GITHUB_CLAIMS };
      delete claims[missing];
      refused(LOCAL, claims, new RegExp(`missing ${missing} claim`));
    }
    refused(LOCAL, { iss, ...GITHUB_CLAIMS, run_id: 42 }, /run_id must be a string/);
  });

  it('ci-provider with Fulcio\'s github-workflow templates yields the same certificate values', () => {
    const p = principal(FULCIO, { iss, ...GITHUB_CLAIMS });
    assert.deepEqual(p.san, { type: 'uri', value: expectedGithub.buildSignerUri });
    assert.deepEqual(p.extensions, expectedGithub);
    const withEnv = principal(FULCIO, { iss, ...GITHUB_CLAIMS, environment: 'prod', run_id: 42 });
    assert.equal(withEnv.extensions.deploymentEnvironment, 'prod');
    assert.equal(withEnv.extensions.runInvocationUri, 'https://github.com/octo-org/octo-repo/actions/runs/42/attempts/1', 'numbers print as Go %v');
    const claims: Record<string, unknown> = { iss, ...GITHUB_CLAIMS };
    delete claims.job_workflow_sha;
    refused(FULCIO, claims, /value <job_workflow_sha> not present/);
  });

  it('ci-provider GitLab templates (if/else on ref_type)', () => {
    const claims = {
      iss: 'https://gitlab.com',
      sub: 'project_path:g/p:ref_type:branch:ref:main',
      project_path: 'g/p',
      project_id: '7',
      namespace_path: 'g',
      namespace_id: '8',
      pipeline_source: 'push',
      pipeline_id: '9',
      ci_config_ref_uri: 'gitlab.com/g/p//.gitlab-ci.yml@refs/heads/main',
      ci_config_sha: 'abc',
      job_id: '10',
      ref: 'main',
      ref_type: 'branch',
      sha: 'def',
      runner_environment: 'gitlab-hosted',
      runner_id: 11,
      project_visibility: 'public',
    };
    const viaTemplates = principal(FULCIO, claims);
    assert.equal(viaTemplates.san.value, 'https://gitlab.com/g/p//.gitlab-ci.yml@refs/heads/main');
    assert.equal(viaTemplates.extensions.sourceRepositoryRef, 'refs/heads/main');
    assert.equal(viaTemplates.extensions.runInvocationUri, 'https://gitlab.com/g/p/-/jobs/10');
    // The dedicated gitlab-pipeline type gives the same values.
    const dedicated = principal(LOCAL, claims);
    assert.equal(dedicated.san.value, viaTemplates.san.value);
    for (const k of ['sourceRepositoryUri', 'sourceRepositoryRef', 'runInvocationUri', 'buildSignerUri', 'buildConfigDigest', 'sourceRepositoryOwnerUri'] as const) {
      assert.equal(dedicated.extensions[k], viaTemplates.extensions[k], k);
    }
    refused(LOCAL, { ...claims, ref_type: 'mr' }, /unexpected ref_type/);
    refused(LOCAL, { ...claims, runner_id: 0 }, /missing runner_id/);
  });

  it('kubernetes, spiffe, uri and username', () => {
    const k = principal(LOCAL, { iss: 'https://k8s.example.com', sub: 'system:serviceaccount:ns:sa', 'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'sa' } } });
    assert.deepEqual(k.san, { type: 'uri', value: 'https://kubernetes.io/namespaces/ns/serviceaccounts/sa' });
    assert.equal(k.name, 'system:serviceaccount:ns:sa');
    refused(LOCAL, { iss: 'https://k8s.example.com', sub: 'x', 'kubernetes.io': { namespace: 'ns' } }, /lacks namespace or serviceaccount/);

    const s = principal(LOCAL, { iss: 'https://spire.example.org', sub: 'spiffe://example.org/ns/prod/sa/builder' });
    assert.deepEqual(s.san, { type: 'uri', value: 'spiffe://example.org/ns/prod/sa/builder' });
    refused(LOCAL, { iss: 'https://spire.example.org', sub: 'spiffe://evil.org/x' }, /doesn't match configured trust domain/);
    refused(LOCAL, { iss: 'https://spire.example.org', sub: 'spiffe://example.org/../x' }, /invalid spiffe ID/);

    const u = principal(LOCAL, { iss: 'https://accounts.example.com', sub: 'https://users.example.com/alice' });
    assert.deepEqual(u.san, { type: 'uri', value: 'https://users.example.com/alice' });
    refused(LOCAL, { iss: 'https://accounts.example.com', sub: 'https://evil.com/alice' }, /must match expected domain/);
    refused(LOCAL, { iss: 'https://accounts.example.com', sub: 'http://users.example.com/alice' }, /scheme/);
    refused(LOCAL, { iss: 'https://accounts.example.com', sub: 'alice@users.example.com' }, /should not be an email/);

    const n = principal(LOCAL, { iss: 'https://login.example.com', sub: 'alice' });
    assert.deepEqual(n.san, { type: 'username', value: 'alice!example.com' });
    assert.equal(n.name, 'alice');
    refused(LOCAL, { iss: 'https://login.example.com', sub: 'al!ce' }, /cannot contain !/);
  });

  it('buildkite-job, codefresh-workflow, chainguard-identity', () => {
    assert.equal(principal(LOCAL, { iss: 'https://agent.buildkite.com', sub: 's', organization_slug: 'o', pipeline_slug: 'p' }).san.value, 'https://buildkite.com/o/p');
    const cf = principal(LOCAL, { iss: 'https://oidc.codefresh.io', sub: 's', account_id: 'A', account_name: 'acct', pipeline_id: 'P', pipeline_name: 'proj/pipe', workflow_id: 'W' });
    assert.equal(cf.san.value, 'https://g.codefresh.io/acct/proj/pipe:A/P');
    assert.equal(cf.extensions.buildSignerUri, 'https://g.codefresh.io/build/W');
    const cg = principal(LOCAL, { iss: 'https://issuer.enforce.dev', sub: 'abc/def' });
    assert.deepEqual([cg.name, cg.san.value], ['abc/def', 'https://issuer.enforce.dev/abc/def']);
    assert.equal(principal(LOCAL, { iss: 'https://issuer.enforce.dev', sub: 'x', email: 'a@b.example', email_verified: true }).name, 'a@b.example');
  });

  it('joinUrl behaves like Go url.JoinPath', () => {
    assert.equal(joinUrl('https://github.com/', 'a/b', 'actions/runs', '1'), 'https://github.com/a/b/actions/runs/1');
    assert.equal(joinUrl('https://github.com/', 'a/./b/../c'), 'https://github.com/a/c');
    assert.equal(joinUrl('https://github.com/', 'a b@c'), 'https://github.com/a%20b@c');
    assert.equal(joinUrl('https://github.com/', 'dir/'), 'https://github.com/dir/');
  });
});
