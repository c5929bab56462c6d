/**
 * Test fixtures for the CA: a local OIDC issuer (jose key, discovery + JWKS served by fastify on
 * 127.0.0.1), a CA over a CT tree in a test database, and a live server with the CA and CT routes.
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { installErrorHandler } from '../../src/api/errors.ts';
import { registerCaRoutes } from '../../src/api/routes/ca.ts';
import { registerCtRoutes } from '../../src/api/routes/ct.ts';
import type { CertificateAuthority } from '../../src/ca/ca.ts';
import { type CaConfig, parseFulcioConfig } from '../../src/ca/config.ts';
import { createCertificateAuthority } from '../../src/ca/create.ts';
import type { FetchLike } from '../../src/ca/oidc.ts';
import { generateLogKeyPem, type Signer, signerFromPem } from '../../src/crypto/signer.ts';
import { logStoreFor } from '../../src/db/log-store.ts';
import { TransparencyLog } from '../../src/log/log.ts';
import type { Clock } from '../../src/log/types.ts';
import { type CaCurve, type CaMaterial, generateCaChain } from '../../src/x509/ca-material.ts';
import { type TestDb, testDatabase } from '../helpers/db.ts';
import { testOptions } from '../helpers/log.ts';

export class ManualClock implements Clock {
  constructor(private ms: number = Date.now()) {}
  now(): Date {
    return new Date(this.ms);
  }
  set(ms: number): void {
    this.ms = ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A local OpenID provider: ES256 keys, discovery, JWKS; counts requests; can rotate keys. */
export class TestIssuer {
  requests = { discovery: 0, jwks: 0 };
  private keys: { kid: string; privateKey: CryptoKey; jwk: JWK }[] = [];
  private constructor(
    private readonly app: FastifyInstance,
    readonly url: string,
  ) {}

  static async start(opts: { path?: string; discoveryIssuer?: (url: string) => string } = {}): Promise<TestIssuer> {
    const app = Fastify();
    let self!: TestIssuer;
    const path = opts.path ?? '';
    app.get(`${path}/.well-known/openid-configuration`, async () => {
      self.requests.discovery++;
      return {
        issuer: opts.discoveryIssuer ? opts.discoveryIssuer(self.url) : self.url,
        jwks_uri: `${self.url}/jwks`,
        id_token_signing_alg_values_supported: ['ES256', 'RS256'],
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
      };
    });
    app.get(`${path}/jwks`, async () => {
      self.requests.jwks++;
      return { keys: self.keys.map((k) => k.jwk) };
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    self = new TestIssuer(app, `${base}${path}`);
    await self.rotate();
    return self;
  }

  /** Adds a new signing key (the newest signs); `replace` drops the old ones from the JWKS. */
  async rotate(replace = false): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = `k${this.keys.length + 1}-${Math.random().toString(36).slice(2, 8)}`;
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    if (replace) this.keys = [];
    this.keys.push({ kid, privateKey, jwk });
  }

  /** Signs a token; defaults: iss = this issuer, aud "sigstore", iat now, exp now + 5 min. */
  async mint(claims: JWTPayload, o: { now?: Date; kid?: string; key?: CryptoKey } = {}): Promise<string> {
    const k = this.keys.at(-1)!;
    const now = Math.floor((o.now ?? new Date()).getTime() / 1000);
    return new SignJWT({ iss: this.url, aud: 'sigstore', iat: now, exp: now + 300, ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: o.kid ?? k.kid, typ: 'JWT' })
      .sign(o.key ?? k.privateKey);
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

export const GITHUB_CLAIMS = {
  sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
  job_workflow_ref: 'octo-org/octo-repo/.github/workflows/release.yml@refs/heads/main',
  job_workflow_sha: 'b9e2c7b6d0c3f1a2e4d5c6b7a8f9e0d1c2b3a4f5',
  sha: '0123456789abcdef0123456789abcdef01234567',
  event_name: 'push',
  repository: 'octo-org/octo-repo',
  workflow: 'Release',
  ref: 'refs/heads/main',
  runner_environment: 'github-hosted',
  repository_id: '123456',
  repository_owner: 'octo-org',
  repository_owner_id: '654321',
  repository_visibility: 'public',
  workflow_ref: 'octo-org/octo-repo/.github/workflows/release.yml@refs/heads/main',
  workflow_sha: '0123456789abcdef0123456789abcdef01234567',
  run_id: '42',
  run_attempt: '1',
};

/** A Fulcio YAML config listing `email` (exact email issuer) and `github` (github-workflow type). */
export function testConfig(email: string, github: string, extra = ''): CaConfig {
  return parseFulcioConfig(`
oidc-issuers:
  ${email}:
    issuer-url: ${email}
    client-id: sigstore
    type: email
  ${github}:
    issuer-url: ${github}
    client-id: sigstore
    type: github-workflow
${extra}`);
}

let sharedMaterial: Partial<Record<CaCurve, CaMaterial>> = {};
export function caMaterial(curve: CaCurve = 'P-256'): CaMaterial {
  return (sharedMaterial[curve] ??= generateCaChain({ now: new Date(Date.now() - 3600_000), curve }));
}

let sharedCtSigner: Signer | undefined;
export function ctSigner(): Signer {
  return (sharedCtSigner ??= signerFromPem(generateLogKeyPem('ecdsa-p256-sha256')));
}

export interface TestCa {
  ca: CertificateAuthority;
  db: TestDb;
  ctTree: TransparencyLog;
  close(): Promise<void>;
}

export async function makeCa(o: { config: CaConfig; clock?: Clock; curve?: CaCurve; signer?: Signer; fetch?: FetchLike; material?: CaMaterial }): Promise<TestCa> {
  const db = await testDatabase();
  const clock = o.clock ?? { now: () => new Date() };
  const ctTree = await TransparencyLog.open({
    store: logStoreFor(db.database),
    purpose: 'ct',
    name: '127.0.0.1/ct',
    signer: o.signer ?? ctSigner(),
    clock,
    options: testOptions({ maxBatchAgeMs: 1 }),
    signSets: false,
  });
  const ca = await createCertificateAuthority({
    dataDir: '/nonexistent',
    material: o.material ?? caMaterial(o.curve),
    caConfig: o.config,
    ctLog: ctTree,
    clock,
    ...(o.fetch ? { fetch: o.fetch } : {}),
    jwksRefetchCooldownMs: 0,
  });
  return {
    ca,
    db,
    ctTree,
    async close() {
      await ctTree.close();
      await db.cleanup();
    },
  };
}

export interface Server {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startServer(ca: CertificateAuthority): Promise<Server> {
  const app = Fastify();
  installErrorHandler(app);
  registerCaRoutes(app, ca);
  if (ca.ctLog) registerCtRoutes(app, ca.ctLog);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, app, close: () => app.close() };
}

/** An ephemeral key with its PEM and a proof-of-possession signer. */
export function clientKey(type: 'P-256' | 'P-384' | 'P-521' | 'ed25519' | 'rsa2048' | 'rsa1024' | 'secp256k1' = 'P-256') {
  let keys: { privateKey: KeyObject; publicKey: KeyObject };
  if (type === 'ed25519') keys = generateKeyPairSync('ed25519');
  else if (type.startsWith('rsa')) keys = generateKeyPairSync('rsa', { modulusLength: Number(type.slice(3)) });
  else keys = generateKeyPairSync('ec', { namedCurve: type });
  const hash = type === 'P-384' ? 'sha384' : type === 'P-521' ? 'sha512' : type === 'ed25519' ? null : 'sha256';
  return {
    ...keys,
    pem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    prove: (challenge: string) => sign(hash, Buffer.from(challenge), keys.privateKey).toString('base64'),
  };
}

export function v2Body(token: string, key: ReturnType<typeof clientKey>, challenge: string) {
  return {
    credentials: { oidcIdentityToken: token },
    publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: key.pem }, proofOfPossession: key.prove(challenge) },
  };
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json: json as Record<string, unknown>, headers: res.headers };
}

export const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

/** Records every fetch the OIDC verifier makes. */
export function countingFetch(): FetchLike & { urls: string[] } {
  const urls: string[] = [];
  const f = ((url: string, init: Parameters<FetchLike>[1]) => {
    urls.push(url);
    return fetch(url, init);
  }) as FetchLike & { urls: string[] };
  f.urls = urls;
  return f;
}
