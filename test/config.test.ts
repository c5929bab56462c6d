import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, logNameFromPublicUrl } from '../src/config.ts';
import { KeyError, signerFromPem } from '../src/crypto/signer.ts';

describe('config', () => {
  it('defaults, frozen, public URL without a trailing slash', () => {
    const c = loadConfig({}, '/srv');
    assert.equal(c.port, 3000);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.dataDir, '/srv/data');
    assert.equal(c.publicUrl, 'http://127.0.0.1:3000');
    assert.ok(Object.isFrozen(c));
    assert.equal(loadConfig({ PROVENANT_PUBLIC_URL: 'https://log.example.com/', PROVENANT_PROFILE: 'dev' }).publicUrl, 'https://log.example.com');
    assert.equal(logNameFromPublicUrl('https://log.example.com:8443/x'), 'log.example.com:8443');
  });

  for (const [env, re] of [
    [{ PORT: 'abc' }, /PORT must be an integer/],
    [{ PORT: '70000' }, /PORT must be between/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must start with postgres/],
    [{ DATABASE_URL: 'not a url' }, /DATABASE_URL is not a valid URL/],
    [{ PROVENANT_PUBLIC_URL: 'ftp://x' }, /http/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ PROVENANT_PROFILE: 'production' }, /requires DATABASE_URL/],
    [{ PROVENANT_TSA_CHAIN: '/x.pem' }, /production profile \(the default here, because PROVENANT_TSA_CHAIN is set\) requires DATABASE_URL, .*PROVENANT_TSA_KEY/],
    [{ PROVENANT_TSA_CHAIN: '/x.pem', PROVENANT_PROFILE: 'dev' }, /PROVENANT_TSA_CHAIN and PROVENANT_TSA_KEY go together/],
    [{ PROVENANT_DEV_OIDC: 'yes' }, /PROVENANT_DEV_OIDC must be true or false/],
    [{ PROVENANT_REQUEST_TIMEOUT_MS: '5s' }, /PROVENANT_REQUEST_TIMEOUT_MS must be an integer, got "5s"/],
    [{ PROVENANT_REQUEST_TIMEOUT_MS: '0' }, /PROVENANT_REQUEST_TIMEOUT_MS must be between 100 and 3600000, got 0/],
    [{ PROVENANT_HEADERS_TIMEOUT_MS: '-1' }, /PROVENANT_HEADERS_TIMEOUT_MS must be an integer/],
    [{ PROVENANT_KEEPALIVE_TIMEOUT_MS: '99' }, /PROVENANT_KEEPALIVE_TIMEOUT_MS must be between 100/],
    [{ PROVENANT_CONNECTION_TIMEOUT_MS: '1e3' }, /PROVENANT_CONNECTION_TIMEOUT_MS must be an integer/],
    [{ PROVENANT_MAX_CONNECTIONS: '0' }, /PROVENANT_MAX_CONNECTIONS must be between 1 and 1000000/],
    [{ PROVENANT_HEADERS_TIMEOUT_MS: '20000', PROVENANT_REQUEST_TIMEOUT_MS: '10000' }, /PROVENANT_HEADERS_TIMEOUT_MS \(20000\) must not exceed PROVENANT_REQUEST_TIMEOUT_MS \(10000\)/],
    [{ PROVENANT_ALLOWED_ALGORITHMS: 'PKIX_ECDSA_P256_SHA_256,nope' }, /unknown signing algorithm "nope"/],
    [{ PROVENANT_CONFIG: '/nonexistent.yaml' }, /cannot read/],
  ] as const) {
    it(`refuses ${JSON.stringify(env)} with a clear message`, () => {
      assert.throws(() => loadConfig(env as Record<string, string>), (e: unknown) => e instanceof ConfigError && re.test(e.message));
    });
  }

  it('connection limits: safe defaults, each overridable (environment or PROVENANT_CONFIG)', () => {
    assert.deepEqual(loadConfig({}).connectionLimits, {
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 72_000,
      connectionTimeoutMs: 30_000,
      maxConnections: 1024,
    });
    const c = loadConfig({
      PROVENANT_REQUEST_TIMEOUT_MS: '1000',
      PROVENANT_HEADERS_TIMEOUT_MS: '500',
      PROVENANT_KEEPALIVE_TIMEOUT_MS: '2000',
      PROVENANT_CONNECTION_TIMEOUT_MS: '3000',
      PROVENANT_MAX_CONNECTIONS: '7',
    });
    assert.deepEqual(c.connectionLimits, { requestTimeoutMs: 1000, headersTimeoutMs: 500, keepAliveTimeoutMs: 2000, connectionTimeoutMs: 3000, maxConnections: 7 });
    assert.ok(Object.isFrozen(c.connectionLimits));
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'c.yaml'), 'PROVENANT_MAX_CONNECTIONS: 64\n');
    assert.equal(loadConfig({ PROVENANT_CONFIG: join(dir, 'c.yaml') }).connectionLimits.maxConnections, 64);
  });

  it('reads PROVENANT_CONFIG (YAML), environment wins, unknown keys refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'c.yaml'), 'PORT: 4000\nHOST: 0.0.0.0\n');
    const c = loadConfig({ PROVENANT_CONFIG: join(dir, 'c.yaml'), HOST: '127.0.0.2' });
    assert.equal(c.port, 4000);
    assert.equal(c.host, '127.0.0.2');
    writeFileSync(join(dir, 'bad.json'), '{"PORTT": 1}');
    assert.throws(() => loadConfig({ PROVENANT_CONFIG: join(dir, 'bad.json') }), /unknown setting PORTT/);
  });

  it('log keys: P-256 and Ed25519 accepted, P-384 and RSA refused with a reason', () => {
    const pem = (k: ReturnType<typeof generateKeyPairSync>['privateKey']) => k.export({ format: 'pem', type: 'pkcs8' }).toString();
    assert.equal(signerFromPem(pem(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey)).algorithm, 'ecdsa-p256-sha256');
    assert.equal(signerFromPem(pem(generateKeyPairSync('ed25519').privateKey)).algorithm, 'ed25519');
    assert.throws(() => signerFromPem(pem(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey)), (e: unknown) => e instanceof KeyError && /SHA-256/.test(e.message));
    assert.throws(() => signerFromPem(pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey)), KeyError);
    assert.throws(() => signerFromPem('garbage'), /not a PEM private key/);
  });
});
