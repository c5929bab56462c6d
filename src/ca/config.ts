/**
 * The CA's OIDC issuers, read from Fulcio's own configuration format (pkg/config/config.go), so
 * an operator can bring the file they already have:
 *
 *   JSON  {"OIDCIssuers": {<iss>: {"IssuerURL", "ClientID", "Type", ...}}, "MetaIssuers": {...},
 *          "CIIssuerMetadata": {<provider>: {"DefaultTemplateValues", "ExtensionTemplates",
 *          "SubjectAlternativeNameTemplate"}}}            (keys matched case-insensitively, as Go does)
 *   YAML  oidc-issuers / meta-issuers / ci-issuer-metadata with issuer-url, client-id, type, ...
 *
 * As Fulcio, the text is tried as JSON first, then as YAML, and unknown keys are ignored (Fulcio's
 * own file has a top-level `define:` list of YAML anchors); they are reported in `warnings`.
 * Validation follows Fulcio's validateConfig and adds what Fulcio only finds at request time
 * (missing client id, unknown ci-provider, bad templates, non-loopback plain-http issuers).
 * The result is frozen; withOidcIssuers() derives a new one.
 */
import { X509Certificate } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { SIGSTORE_EXTENSION_FIELDS, type SigstoreExtensionField } from '../x509/ca-extensions.ts';
import { GoTemplate, TemplateError } from './template.ts';

export class CaConfigError extends Error {
  override name = 'CaConfigError';
}

export const ISSUER_TYPES = [
  'email',
  'github-workflow',
  'ci-provider',
  'gitlab-pipeline',
  'buildkite-job',
  'codefresh-workflow',
  'chainguard-identity',
  'kubernetes',
  'spiffe',
  'uri',
  'username',
] as const;
export type IssuerType = (typeof ISSUER_TYPES)[number];

export interface OidcIssuer {
  /** The exact `iss` of accepted tokens (for a meta issuer: filled in from the token). */
  readonly issuerUrl: string;
  /** Required `aud` value. */
  readonly clientId: string;
  readonly type: IssuerType;
  /** type ci-provider: the key in ciIssuerMetadata. */
  readonly ciProvider?: string | undefined;
  /** type email: JSONPath ("$.a.b") of the claim holding the issuer to certify (Dex federation). */
  readonly issuerClaim?: string | undefined;
  /** type uri (with scheme) / username (without). */
  readonly subjectDomain?: string | undefined;
  /** type spiffe. */
  readonly spiffeTrustDomain?: string | undefined;
  /** Informational (GET /api/v2/configuration); defaults per type as Fulcio. */
  readonly challengeClaim: string;
  readonly description?: string | undefined;
  readonly contact?: string | undefined;
  readonly environment?: string | undefined;
  /** PEM CA certificate(s) trusted, besides the system roots, when talking to this issuer. */
  readonly caCert?: string | undefined;
  readonly skipEmailVerification: boolean;
}

export interface MetaIssuer {
  /** The wildcard URL as configured, e.g. https://oidc.eks.*.amazonaws.com/id/* */
  readonly pattern: string;
  readonly regex: RegExp;
  /** issuerUrl is the pattern; lookups return a copy with the token's `iss`. */
  readonly issuer: OidcIssuer;
}

export interface CiIssuerMetadata {
  readonly defaultTemplateValues: Readonly<Record<string, string>>;
  /** Per extension: a template (contains "{{") or the name of a claim/default to copy. */
  readonly extensionTemplates: Readonly<Partial<Record<SigstoreExtensionField, string>>>;
  readonly subjectAlternativeNameTemplate: string;
  /** Compiled forms of the templates above (only those containing "{{"). */
  readonly compiled: ReadonlyMap<string, GoTemplate>;
}

export interface CaConfig {
  readonly oidcIssuers: ReadonlyMap<string, OidcIssuer>;
  readonly metaIssuers: readonly MetaIssuer[];
  readonly ciIssuerMetadata: ReadonlyMap<string, CiIssuerMetadata>;
  /** Keys that were ignored, for the start-up log. */
  readonly warnings: readonly string[];
}

export const EMPTY_CA_CONFIG: CaConfig = freezeConfig(new Map(), [], new Map(), []);

/** Fulcio's issuerToChallengeClaim: email for email issuers, sub for every other type. */
export function defaultChallengeClaim(type: IssuerType): string {
  return type === 'email' ? 'email' : 'sub';
}

/** Parses and validates Fulcio configuration text (JSON or YAML). Throws CaConfigError. */
export function parseFulcioConfig(text: string, source = 'CA config'): CaConfig {
  let doc: unknown;
  let format: 'json' | 'yaml';
  try {
    doc = JSON.parse(text);
    format = 'json';
  } catch {
    try {
      // go-yaml reads "*anchor:" as an alias used as a mapping key (Fulcio's own file relies on it:
      // `*github-type:` under ci-issuer-metadata); YAML 1.2 reads the colon as part of the alias
      // name. Add the space YAML 1.2 needs, only in that key position.
      const goYaml = text.replace(/^([ \t]*(?:- +)?)\*([^\s:,[\]{}]+):(?=[ \t]|$)/gm, '$1*$2 :');
      doc = parseYaml(goYaml, { prettyErrors: true, uniqueKeys: true, maxAliasCount: 1000 });
      format = 'yaml';
    } catch (e) {
      throw new CaConfigError(`${source}: neither valid JSON nor valid YAML: ${(e as Error).message}`);
    }
  }
  if (doc === null || doc === undefined) doc = {};
  const warnings: string[] = [];
  const r = new Reader(format, source, warnings);
  const top = r.object(doc, '');
  const issuersRaw = r.take(top, '', format === 'json' ? 'OIDCIssuers' : 'oidc-issuers');
  const metaRaw = r.take(top, '', format === 'json' ? 'MetaIssuers' : 'meta-issuers');
  const ciRaw = r.take(top, '', format === 'json' ? 'CIIssuerMetadata' : 'ci-issuer-metadata');
  r.rest(top, '');

  const ciIssuerMetadata = new Map<string, CiIssuerMetadata>();
  for (const [name, v] of Object.entries(r.object(ciRaw ?? {}, 'ci-issuer-metadata'))) {
    ciIssuerMetadata.set(name, readCiMetadata(r, v, `ci-issuer-metadata.${name}`));
  }
  const oidcIssuers = new Map<string, OidcIssuer>();
  for (const [key, v] of Object.entries(r.object(issuersRaw ?? {}, 'oidc-issuers'))) {
    const where = `oidc-issuers.${key}`;
    const issuer = readIssuer(r, v, where, key);
    if (issuer.issuerUrl !== key) throw new CaConfigError(`${source}: ${where}: issuer-url ${issuer.issuerUrl} must equal its key`);
    validateIssuer(issuer, where, source, ciIssuerMetadata, false, warnings);
    oidcIssuers.set(key, issuer);
  }
  const metaIssuers: MetaIssuer[] = [];
  for (const [pattern, v] of Object.entries(r.object(metaRaw ?? {}, 'meta-issuers'))) {
    const where = `meta-issuers.${pattern}`;
    const issuer = readIssuer(r, v, where, pattern);
    validateIssuer({ ...issuer, issuerUrl: pattern }, where, source, ciIssuerMetadata, true, warnings);
    metaIssuers.push(Object.freeze({ pattern, regex: metaRegex(pattern), issuer: Object.freeze({ ...issuer, issuerUrl: pattern }) }));
  }
  return freezeConfig(oidcIssuers, metaIssuers, ciIssuerMetadata, warnings);
}

/** Input of withOidcIssuers: the configuration fields of one exact issuer. */
export type OidcIssuerInput = Omit<OidcIssuer, 'challengeClaim' | 'skipEmailVerification'> & {
  readonly challengeClaim?: string;
  readonly skipEmailVerification?: boolean;
};

/** A new configuration with these exact issuers added (validated like the file's). */
export function withOidcIssuers(config: CaConfig, ...issuers: readonly OidcIssuerInput[]): CaConfig {
  const map = new Map(config.oidcIssuers);
  const warnings = [...config.warnings];
  for (const input of issuers) {
    const issuer: OidcIssuer = Object.freeze({
      ...input,
      challengeClaim: input.challengeClaim || defaultChallengeClaim(input.type),
      skipEmailVerification: input.skipEmailVerification ?? false,
    });
    const where = `issuer ${issuer.issuerUrl}`;
    if (map.has(issuer.issuerUrl)) throw new CaConfigError(`${where} is already configured`);
    validateIssuer(issuer, where, 'CA config', config.ciIssuerMetadata, false, warnings);
    map.set(issuer.issuerUrl, issuer);
  }
  return freezeConfig(map, config.metaIssuers, config.ciIssuerMetadata, warnings);
}

/** The development issuer the instance serves itself: `<publicUrl>/dev/oidc`, type email, client id "sigstore". */
export function devOidcIssuer(publicUrl: string): OidcIssuerInput {
  return { issuerUrl: `${publicUrl.replace(/\/+$/, '')}/dev/oidc`, clientId: 'sigstore', type: 'email' };
}

/** Fulcio's GetIssuer: the exact issuer, else the first meta issuer whose pattern matches. */
export function lookupIssuer(config: CaConfig, iss: string): OidcIssuer | undefined {
  const exact = config.oidcIssuers.get(iss);
  if (exact) return exact;
  for (const m of config.metaIssuers) {
    if (m.regex.test(iss)) return Object.freeze({ ...m.issuer, issuerUrl: iss, description: undefined, contact: undefined, environment: undefined });
  }
  return undefined;
}

/** Fulcio's MetaRegex: the URL quoted, each `*` matching one [-_a-zA-Z0-9]+ segment, anchored. */
export function metaRegex(pattern: string): RegExp {
  const quoted = pattern.replace(/[.*+?^${}()|[\]\\/-]/g, (c) => (c === '*' ? '*' : `\\${c}`));
  return new RegExp(`^${quoted.replaceAll('*', '[-_a-zA-Z0-9]+')}$`);
}

/** Hosts on which plain http is accepted (tests and the built-in dev issuer). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** https://…, or http:// on a loopback host. Returns the parsed URL or a reason. */
export function checkIssuerUrl(url: string): URL | string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `${JSON.stringify(url)} is not a URL`;
  }
  if (u.username || u.password || u.search || u.hash) return `${url} must not carry credentials, a query or a fragment`;
  if (u.protocol === 'https:') return u;
  if (u.protocol === 'http:' && isLoopbackHost(u.hostname)) return u;
  if (u.protocol === 'http:') return `${url} uses plain http on a non-loopback host; use https`;
  return `${url} must be an https URL`;
}

// ---------------------------------------------------------------------------------------------

const ISSUER_KEYS = {
  issuerUrl: ['IssuerURL', 'issuer-url'],
  clientId: ['ClientID', 'client-id'],
  type: ['Type', 'type'],
  ciProvider: ['CIProvider', 'ci-provider'],
  issuerClaim: ['IssuerClaim', 'issuer-claim'],
  subjectDomain: ['SubjectDomain', 'subject-domain'],
  spiffeTrustDomain: ['SPIFFETrustDomain', 'spiffe-trust-domain'],
  challengeClaim: ['ChallengeClaim', 'challenge-claim'],
  description: ['Description', 'description'],
  contact: ['Contact', 'contact'],
  environment: ['Environment', 'environment'],
  caCert: ['CACert', 'ca-cert'],
  skipEmailVerification: ['SkipEmailVerification', 'skip-email-verification'],
} as const;

function readIssuer(r: Reader, v: unknown, where: string, key: string): OidcIssuer {
  const o = r.object(v, where);
  const s = (k: keyof typeof ISSUER_KEYS) => r.string(r.take(o, where, ISSUER_KEYS[k][r.format === 'json' ? 0 : 1]), `${where}.${ISSUER_KEYS[k][1]}`);
  const issuerUrl = s('issuerUrl') || key;
  const clientId = s('clientId');
  const typeRaw = s('type');
  if (!(ISSUER_TYPES as readonly string[]).includes(typeRaw)) {
    throw new CaConfigError(`${r.source}: ${where}: type ${JSON.stringify(typeRaw)} is not one of ${ISSUER_TYPES.join(', ')}`);
  }
  const type = typeRaw as IssuerType;
  const skipRaw = r.take(o, where, ISSUER_KEYS.skipEmailVerification[r.format === 'json' ? 0 : 1]);
  if (skipRaw !== undefined && skipRaw !== null && typeof skipRaw !== 'boolean') {
    throw new CaConfigError(`${r.source}: ${where}.skip-email-verification must be true or false`);
  }
  const opt = (k: keyof typeof ISSUER_KEYS) => s(k) || undefined;
  const issuer: OidcIssuer = Object.freeze({
    issuerUrl,
    clientId,
    type,
    ciProvider: opt('ciProvider'),
    issuerClaim: opt('issuerClaim'),
    subjectDomain: opt('subjectDomain'),
    spiffeTrustDomain: opt('spiffeTrustDomain'),
    challengeClaim: s('challengeClaim') || defaultChallengeClaim(type),
    description: opt('description'),
    contact: opt('contact'),
    environment: opt('environment'),
    caCert: opt('caCert'),
    skipEmailVerification: skipRaw === true,
  });
  r.rest(o, where);
  return issuer;
}

function validateIssuer(
  iss: OidcIssuer,
  where: string,
  source: string,
  ci: ReadonlyMap<string, CiIssuerMetadata>,
  meta: boolean,
  warnings?: string[],
): void {
  const fail: (m: string) => never = (m) => {
    throw new CaConfigError(`${source}: ${where}: ${m}`);
  };
  const url = checkIssuerUrl(meta ? iss.issuerUrl.replaceAll('*', 'x') : iss.issuerUrl);
  if (typeof url === 'string') fail(`issuer URL ${url}`);
  if (!iss.clientId) fail('client-id is required (the audience tokens must carry, usually "sigstore")');
  if (iss.caCert !== undefined) {
    const blocks = iss.caCert.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) fail('ca-cert holds no PEM certificate');
    for (const b of blocks) {
      try {
        new X509Certificate(b);
      } catch (e) {
        fail(`ca-cert is not a valid certificate: ${(e as Error).message}`);
      }
    }
  }
  if (iss.issuerClaim !== undefined) {
    if (iss.type !== 'email') fail('only email issuers can use issuer claim mapping');
    parseJsonPath(iss.issuerClaim, (m) => fail(`issuer-claim ${m}`));
  }
  switch (iss.type) {
    case 'spiffe':
      if (meta) fail('SPIFFE meta issuers not supported');
      if (!iss.spiffeTrustDomain) fail('spiffe issuer must have spiffe-trust-domain set');
      if (spiffeTrustDomain(iss.spiffeTrustDomain) === undefined) fail('spiffe trust domain is invalid');
      break;
    case 'uri': {
      if (!iss.subjectDomain) fail('uri issuer must have subject-domain set');
      let d: URL;
      try {
        d = new URL(iss.subjectDomain);
      } catch {
        return fail('subject-domain for uri must contain scheme');
      }
      const i = new URL(meta ? iss.issuerUrl.replaceAll('*', 'x') : iss.issuerUrl);
      if (d.protocol !== i.protocol) fail(`subject (${d.protocol.slice(0, -1)}) and issuer (${i.protocol.slice(0, -1)}) URI schemes do not match`);
      const why = allowedDomain(d.hostname, i.hostname);
      if (why) fail(why);
      break;
    }
    case 'username': {
      if (!iss.subjectDomain) fail('username issuer must have subject-domain set');
      if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(iss.subjectDomain)) fail('subject-domain for username should not contain scheme');
      const why = allowedDomain(iss.subjectDomain, new URL(meta ? iss.issuerUrl.replaceAll('*', 'x') : iss.issuerUrl).hostname);
      if (why) fail(why);
      break;
    }
    case 'ci-provider':
      // Fulcio loads such an issuer and fails each request; so do we, with a warning at load.
      if (!iss.ciProvider || !ci.has(iss.ciProvider)) {
        warnings?.push(`${source}: ${where}: ci-provider ${JSON.stringify(iss.ciProvider ?? '')} has no entry in ci-issuer-metadata; its tokens will be refused`);
      }
      break;
    default:
      break;
  }
}

/** Fulcio's validateAllowedDomain: equal hostnames, or equal last two labels. */
function allowedDomain(subject: string, issuer: string): string | undefined {
  if (subject === issuer) return undefined;
  const s = subject.split('.');
  const i = issuer.split('.');
  if (s.length < 2) return `URI hostname too short: ${subject}`;
  if (i.length < 2) return `URI hostname too short: ${issuer}`;
  if (s.at(-1) === i.at(-1) && s.at(-2) === i.at(-2)) return undefined;
  return `hostname top-level and second-level domains do not match: ${subject}, ${issuer}`;
}

/**
 * go-spiffe TrustDomainFromString: "example.org" or "spiffe://example.org"; lower-case letters,
 * digits, '.', '-', '_'. Returns the bare trust domain, or undefined when invalid.
 */
export function spiffeTrustDomain(s: string): string | undefined {
  const td = s.startsWith('spiffe://') ? s.slice('spiffe://'.length).replace(/\/.*$/, '') : s;
  return /^[a-z0-9._-]+$/.test(td) ? td : undefined;
}

/** "$.a.b" or "$['a'].b" → ["a", "b"]; calls fail() on anything else. */
export function parseJsonPath(path: string, fail: (m: string) => never = (m) => {
  throw new CaConfigError(m);
}): string[] {
  if (!path.startsWith('$')) fail(`${JSON.stringify(path)} must start with $`);
  const out: string[] = [];
  const re = /\.([A-Za-z_][A-Za-z0-9_-]*)|\[(?:'([^']*)'|"([^"]*)")\]/y;
  let i = 1;
  while (i < path.length) {
    re.lastIndex = i;
    const m = re.exec(path);
    if (!m) return fail(`${JSON.stringify(path)} is not a supported JSONPath (use $.a.b or $['a'])`);
    out.push(m[1] ?? m[2] ?? m[3]!);
    i = re.lastIndex;
  }
  if (out.length === 0) fail(`${JSON.stringify(path)} names no claim`);
  return out;
}

function readCiMetadata(r: Reader, v: unknown, where: string): CiIssuerMetadata {
  const o = r.object(v, where);
  const json = r.format === 'json';
  const defaultsRaw = r.object(r.take(o, where, json ? 'DefaultTemplateValues' : 'default-template-values') ?? {}, `${where}.default-template-values`);
  const defaultTemplateValues: Record<string, string> = {};
  for (const [k, val] of Object.entries(defaultsRaw)) defaultTemplateValues[k] = r.string(val, `${where}.default-template-values.${k}`);
  const templatesWhere = `${where}.extension-templates`;
  const templatesRaw = r.object(r.take(o, where, json ? 'ExtensionTemplates' : 'extension-templates') ?? {}, templatesWhere);
  const extensionTemplates: Partial<Record<SigstoreExtensionField, string>> = {};
  const compiled = new Map<string, GoTemplate>();
  const compile = (s: string, at: string) => {
    if (!GoTemplate.isTemplate(s) || compiled.has(s)) return;
    try {
      compiled.set(s, GoTemplate.compile(s));
    } catch (e) {
      if (e instanceof TemplateError) throw new CaConfigError(`${r.source}: ${at}: ${e.message}`);
      throw e;
    }
  };
  for (const f of SIGSTORE_EXTENSION_FIELDS) {
    const s = r.string(r.take(templatesRaw, templatesWhere, json ? f.json : f.yaml), `${templatesWhere}.${f.yaml}`);
    if (s.trim() === '') continue;
    extensionTemplates[f.field] = s;
    compile(s, `${templatesWhere}.${f.yaml}`);
  }
  // Fulcio ignores templates for the issuer (always the token's iss) and the subject (always sub).
  r.take(templatesRaw, templatesWhere, json ? 'Issuer' : 'issuer');
  r.rest(templatesRaw, templatesWhere);
  const sanWhere = `${where}.subject-alternative-name-template`;
  const subjectAlternativeNameTemplate = r.string(r.take(o, where, json ? 'SubjectAlternativeNameTemplate' : 'subject-alternative-name-template'), sanWhere);
  if (subjectAlternativeNameTemplate.trim() === '') throw new CaConfigError(`${r.source}: ${sanWhere} must not be empty`);
  compile(subjectAlternativeNameTemplate, sanWhere);
  r.rest(o, where);
  return Object.freeze({
    defaultTemplateValues: Object.freeze(defaultTemplateValues),
    extensionTemplates: Object.freeze(extensionTemplates),
    subjectAlternativeNameTemplate,
    compiled,
  });
}

/** Reads one parsed document: JSON keys case-insensitively (Go encoding/json), YAML keys exactly. */
class Reader {
  readonly #taken = new WeakMap<object, Set<string>>();
  constructor(
    readonly format: 'json' | 'yaml',
    readonly source: string,
    private readonly warnings: string[],
  ) {}

  object(v: unknown, where: string): Record<string, unknown> {
    if (v === null || v === undefined) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new CaConfigError(`${this.source}: ${where || 'the document'} must be a mapping`);
    return v as Record<string, unknown>;
  }

  string(v: unknown, where: string): string {
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') throw new CaConfigError(`${this.source}: ${where} must be a string`);
    return v;
  }

  take(o: Record<string, unknown>, _where: string, name: string): unknown {
    let taken = this.#taken.get(o);
    if (!taken) this.#taken.set(o, (taken = new Set()));
    if (this.format === 'yaml') {
      taken.add(name);
      return o[name];
    }
    // Go prefers an exact match, then any case-insensitive one.
    if (Object.hasOwn(o, name)) {
      taken.add(name);
      return o[name];
    }
    const k = Object.keys(o).find((x) => x.toLowerCase() === name.toLowerCase());
    if (k === undefined) return undefined;
    taken.add(k);
    return o[k];
  }

  /** Records keys nobody took (Fulcio ignores them too). */
  rest(o: Record<string, unknown>, where: string): void {
    const taken = this.#taken.get(o) ?? new Set();
    for (const k of Object.keys(o)) if (!taken.has(k)) this.warnings.push(`${this.source}: ignored unknown key ${where ? `${where}.` : ''}${k}`);
  }
}

function freezeConfig(
  oidcIssuers: ReadonlyMap<string, OidcIssuer>,
  metaIssuers: readonly MetaIssuer[],
  ciIssuerMetadata: ReadonlyMap<string, CiIssuerMetadata>,
  warnings: readonly string[],
): CaConfig {
  return Object.freeze({ oidcIssuers, metaIssuers: Object.freeze([...metaIssuers]), ciIssuerMetadata, warnings: Object.freeze([...warnings]) });
}
