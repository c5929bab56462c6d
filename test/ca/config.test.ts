import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  CaConfigError,
  checkIssuerUrl,
  devOidcIssuer,
  EMPTY_CA_CONFIG,
  lookupIssuer,
  metaRegex,
  parseFulcioConfig,
  withOidcIssuers,
} from '../../src/ca/config.ts';
import { GoTemplate, TemplateError } from '../../src/ca/template.ts';

const FULCIO_YAML = readFileSync(new URL('./fixtures/fulcio-identity-config.yaml', import.meta.url), 'utf8');

// pkg/config/config_test.go validJSONCfg (Fulcio's own JSON example).
const FULCIO_JSON = `{
  "OIDCIssuers": {
    "https://accounts.google.com": { "IssuerURL": "https://accounts.google.com", "ClientID": "foo", "Type": "email", "ChallengeClaim": "email" },
    "https://internal.example.com": { "IssuerURL": "https://internal.example.com", "ClientID": "foo", "Type": "email", "ChallengeClaim": "email", "SkipEmailVerification": true }
  },
  "MetaIssuers": {
    "https://oidc.eks.*.amazonaws.com/id/*": { "ClientID": "bar", "Type": "kubernetes" },
    "https://oidc.foo.*.bar.com/id/*": { "ClientID": "bar", "Type": "ci-provider", "CiProvider": "github-workflow" }
  }
}`;

describe('Fulcio configuration files', () => {
  it('loads Fulcio\'s production identity config (YAML, anchors, aliases as keys, templates) unchanged', () => {
    const c = parseFulcioConfig(FULCIO_YAML);
    assert.ok(c.oidcIssuers.size >= 20);
    const gh = c.oidcIssuers.get('https://token.actions.githubusercontent.com')!;
    assert.equal(gh.type, 'ci-provider');
    assert.equal(gh.ciProvider, 'github-workflow');
    assert.equal(gh.clientId, 'sigstore');
    assert.equal(gh.challengeClaim, 'sub');
    const dex = c.oidcIssuers.get('https://oauth2.sigstore.dev/auth')!;
    assert.equal(dex.issuerClaim, '$.federated_claims.connector_id');
    assert.equal(dex.challengeClaim, 'email');
    assert.ok(c.ciIssuerMetadata.get('github-workflow')!.extensionTemplates.buildSignerUri === '{{ .url }}/{{ .job_workflow_ref }}');
    assert.equal(c.metaIssuers.find((m) => m.pattern === 'https://oidc.eks.*.amazonaws.com/id/*')!.issuer.type, 'kubernetes');
    assert.deepEqual(c.warnings, ['CA config: ignored unknown key define']);
    // Wildcard issuers resolve to a concrete issuer for the token's iss.
    const eks = lookupIssuer(c, 'https://oidc.eks.eu-west-1.amazonaws.com/id/B02C93B6A2D30341AD01E1B6D48164CB')!;
    assert.equal(eks.type, 'kubernetes');
    assert.equal(eks.issuerUrl, 'https://oidc.eks.eu-west-1.amazonaws.com/id/B02C93B6A2D30341AD01E1B6D48164CB');
    assert.equal(lookupIssuer(c, 'https://token.actions.githubusercontent.com/acme')!.ciProvider, 'github-workflow');
    assert.equal(lookupIssuer(c, 'https://evil.example.com'), undefined);
  });

  it('loads Fulcio\'s JSON form, matching keys case-insensitively as Go does', () => {
    const c = parseFulcioConfig(FULCIO_JSON);
    assert.equal(c.oidcIssuers.get('https://internal.example.com')!.skipEmailVerification, true);
    assert.equal(c.metaIssuers.length, 2);
    assert.equal(c.metaIssuers[1]!.issuer.ciProvider, 'github-workflow');
    assert.match(c.warnings.join('\n'), /has no entry in ci-issuer-metadata/);
  });

  it('meta-issuer wildcards match one [-_a-zA-Z0-9]+ segment, anchored (GHSA-59jp-pj84-45mr)', () => {
    const re = metaRegex('https://oidc.eks.*.amazonaws.com/id/*');
    assert.ok(re.test('https://oidc.eks.us-west-2.amazonaws.com/id/ABC_def-1'));
    for (const bad of [
      'https://oidc.eks.us.west.amazonaws.com/id/X', // '.' inside a segment
      'https://oidc.eks.x.amazonaws.com/id/a/b',
      'https://oidc.eks..amazonaws.com/id/X',
      'http://localhost:3000?https://oidc.eks.x.amazonaws.com/id/X',
      'https://oidc.eks.x.amazonaws.com/id/X?',
      'https://oidcXeks.x.amazonaws.com/id/X', // '.' is literal
    ]) {
      assert.equal(re.test(bad), false, bad);
    }
  });

  it('refuses invalid configurations with a clear error', () => {
    const cases: [string, RegExp][] = [
      ['oidc-issuers:\n  https://a.example.com:\n    client-id: sigstore\n    type: bogus\n', /type "bogus" is not one of/],
      ['oidc-issuers:\n  https://a.example.com:\n    type: email\n', /client-id is required/],
      ['oidc-issuers:\n  http://a.example.com:\n    client-id: sigstore\n    type: email\n', /plain http on a non-loopback host/],
      ['oidc-issuers:\n  https://a.example.com:\n    issuer-url: https://b.example.com\n    client-id: x\n    type: email\n', /must equal its key/],
      ['oidc-issuers:\n  https://a.example.com:\n    client-id: x\n    type: uri\n', /uri issuer must have subject-domain set/],
      ['oidc-issuers:\n  https://a.example.com:\n    client-id: x\n    type: uri\n    subject-domain: https://other.org\n', /domains do not match/],
      ['oidc-issuers:\n  https://a.example.com:\n    client-id: x\n    type: username\n    subject-domain: https://example.com\n', /should not contain scheme/],
      ['oidc-issuers:\n  https://a.example.com:\n    client-id: x\n    type: spiffe\n', /spiffe-trust-domain set/],
      ['oidc-issuers:\n  https://a.example.com:\n    client-id: x\n    type: spiffe\n    spiffe-trust-domain: "Bad Domain"\n', /trust domain is invalid/],
      ['meta-issuers:\n  https://*.example.com:\n    client-id: x\n    type: spiffe\n    spiffe-trust-domain: example.com\n', /SPIFFE meta issuers not supported/],
      ['oidc-issuers:\n  https://a.example.com:\n    client-id: x\n    type: kubernetes\n    issuer-claim: $.x\n', /only email issuers can use issuer claim/],
      ['oidc-issuers:\n  https://a.example.com:\n    client-id: x\n    type: email\n    issuer-claim: "$..x[*]"\n', /not a supported JSONPath/],
      ['oidc-issuers:\n  https://a.example.com:\n    client-id: x\n    type: email\n    ca-cert: nope\n', /ca-cert holds no PEM certificate/],
      [
        'ci-issuer-metadata:\n  p:\n    extension-templates:\n      build-signer-uri: "{{ .a | printf }}"\n    subject-alternative-name-template: "{{ .url }}"\n',
        /build-signer-uri: unsupported template syntax/,
      ],
      ['ci-issuer-metadata:\n  p:\n    subject-alternative-name-template: "{{ .url "\n', /unclosed action|unterminated/],
      ['ci-issuer-metadata:\n  p:\n    extension-templates: {}\n', /subject-alternative-name-template must not be empty/],
      ['oidc-issuers: [1, 2]\n', /must be a mapping/],
      ['oidc-issuers:\n  https://a.example.com:\n    client-id: 5\n    type: email\n', /client-id must be a string/],
      ['{"OIDCIssuers": {"https://a.example.com": {"ClientID": "x", "Type": "email", "SkipEmailVerification": "yes"}}}', /must be true or false/],
      ['a: [unclosed', /neither valid JSON nor valid YAML/],
    ];
    for (const [text, re] of cases) {
      assert.throws(() => parseFulcioConfig(text), (e: unknown) => e instanceof CaConfigError && re.test(e.message), text);
    }
  });

  it('adds the dev issuer programmatically; plain http only on loopback', () => {
    const c = withOidcIssuers(EMPTY_CA_CONFIG, devOidcIssuer('http://127.0.0.1:3000/'));
    const dev = c.oidcIssuers.get('http://127.0.0.1:3000/dev/oidc')!;
    assert.deepEqual([dev.type, dev.clientId, dev.challengeClaim, dev.skipEmailVerification], ['email', 'sigstore', 'email', false]);
    assert.throws(() => withOidcIssuers(c, devOidcIssuer('http://127.0.0.1:3000')), /already configured/);
    assert.throws(() => withOidcIssuers(EMPTY_CA_CONFIG, devOidcIssuer('http://provenant.example.com')), /plain http/);
    for (const ok of ['https://x.example', 'http://localhost:1', 'http://127.1.2.3/x', 'http://[::1]:8/']) assert.equal(typeof checkIssuerUrl(ok), 'object', ok);
    for (const bad of ['ftp://x', 'http://10.0.0.1/', 'https://u:p@x.example', 'https://x.example/?q', 'not a url']) assert.equal(typeof checkIssuerUrl(bad), 'string', bad);
  });
});

describe('Go text/template subset', () => {
  const data = { url: 'https://github.com', repository: 'o/r', ref: 'main', ref_type: 'branch', 'oidc.circleci.com/vcs-ref': 'refs/heads/x' };
  it('executes the template forms of Fulcio\'s config', () => {
    assert.equal(GoTemplate.compile('{{ .url }}/{{ .repository }}').execute(data), 'https://github.com/o/r');
    assert.equal(GoTemplate.compile('{{.url}}/{{.repository}}').execute(data), 'https://github.com/o/r');
    const ref = GoTemplate.compile('refs/{{if eq .ref_type "branch"}}heads/{{ else }}tags/{{end}}{{ .ref }}');
    assert.equal(ref.execute(data), 'refs/heads/main');
    assert.equal(ref.execute({ ...data, ref_type: 'tag' }), 'refs/tags/main');
    assert.equal(GoTemplate.compile('{{index . "oidc.circleci.com/vcs-ref"}}').execute(data), 'refs/heads/x');
    assert.equal(GoTemplate.compile('{{(index . "nope")}}').execute(data), '', 'index of a missing key is empty');
    assert.equal(GoTemplate.compile('{{if eq (index . "a") "true"}}yes{{ else }}""{{end}}').execute({ a: 'true' }), 'yes');
    assert.equal(GoTemplate.compile('{{if eq .x "1"}}one{{else if eq .x "2"}}two{{else}}many{{end}}').execute({ x: '2' }), 'two');
    assert.equal(GoTemplate.compile('a {{- .x -}} b').execute({ x: 'X' }), 'aXb');
  });
  it('missing keys are errors (missingkey=error); unsupported syntax fails at compile time', () => {
    assert.throws(() => GoTemplate.compile('{{ .nope }}').execute(data), TemplateError);
    for (const bad of ['{{ .a | html }}', '{{ $x := 1 }}', '{{ range . }}{{ end }}', '{{ printf "%s" .a }}', '{{ if .a }}', '{{ end }}', '{{ .a.b }}', '{{/* c */}}']) {
      assert.throws(() => GoTemplate.compile(bad), TemplateError, bad);
    }
  });
});
