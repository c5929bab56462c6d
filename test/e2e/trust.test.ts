import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { registerCurrent } from '../../src/db/trust-material.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { startLive, type LiveInstance } from '../helpers/instance.ts';

const BIN = fileURLToPath(new URL('../../bin/provenant.mjs', import.meta.url));

describe('trust material and the dev identity provider', () => {
  let live: LiveInstance;
  // The dev issuer exists only in the quickstart setup (embedded database), on both passes.
  let dev: LiveInstance;
  before(async () => {
    live = await startLive();
    dev = await startLive({}, {}, { embedded: true });
  });
  after(async () => {
    await live.stop();
    await dev.stop();
  });
  const json = async (p: string, base = live.url) => (await (await fetch(`${base}${p}`)).json()) as any;

  it('signing_config.json: v0.2, full TSA URL, ANY selectors, log URL carries the checkpoint name', async () => {
    const sc = await json('/trust/signing_config.json');
    assert.equal(sc.mediaType, 'application/vnd.dev.sigstore.signingconfig.v0.2+json');
    assert.equal(sc.tsaUrls[0].url, `${live.url}/api/v1/timestamp`);
    assert.equal(sc.rekorTlogConfig.selector, 'ANY');
    assert.equal(sc.tsaConfig.selector, 'ANY');
    assert.equal(sc.caUrls[0].url, live.url);
    assert.deepEqual(
      sc.oidcUrls.map((u: { url: string }) => u.url),
      live.config.devOidc ? [`${live.url}/dev/oidc`] : [],
    );
    assert.equal((await json('/trust/signing_config.json', dev.url)).oidcUrls[0].url, `${dev.url}/dev/oidc`);
    const name = live.instance.log.checkpoint.note.split('\n')[0]!.split(' - ')[0]!;
    assert.equal(new URL(sc.rekorTlogUrls[0].url).host, name);
    for (const s of [...sc.caUrls, ...sc.rekorTlogUrls, ...sc.tsaUrls]) assert.equal(s.majorApiVersion, 1);
  });

  it('validFor.start is never later than the first entry signed; a retired key keeps its entry with an end', async () => {
    const r = await live.instance.log.append({ body: Buffer.from('{"first":1}') });
    const root = await json('/trust/trusted_root.json');
    assert.ok(new Date(root.tlogs[0].publicKey.validFor.start).getTime() <= Number(r.integratedTime) * 1000 + 999);
    assert.equal(root.tlogs[0].publicKey.validFor.end, undefined);
    // Rotate: another key becomes current; the old one stays, with an end.
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'der', type: 'spki' });
    await registerCurrent(live.instance.database.db, 'tlog', other, new Date());
    const rotated = await json('/trust/trusted_root.json');
    assert.equal(rotated.tlogs.length, 2);
    assert.ok(rotated.tlogs[0].publicKey.validFor.end);
    assert.equal(rotated.tlogs[1].publicKey.validFor.end, undefined);
    // And back.
    await registerCurrent(live.instance.database.db, 'tlog', live.instance.log.signer.publicKeyDer, new Date());
    const back = await json('/trust/trusted_root.json');
    assert.equal(back.tlogs.filter((t: any) => !t.publicKey.validFor.end).length, 1);
  });

  it('`provenant trust-root --url` prints the same documents', async () => {
    // Asynchronously: the server answering it runs in this process.
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'trust-root', '--url', live.url], { encoding: 'utf8' });
    const out = JSON.parse(stdout);
    assert.deepEqual(out.trustedRoot, await json('/trust/trusted_root.json'));
    assert.deepEqual(out.signingConfig, await json('/trust/signing_config.json'));
  });

  it('dev OIDC: discovery, JWKS and a 10-minute token for the given claims (iss/aud/exp ignored)', async () => {
    const disc = await json('/dev/oidc/.well-known/openid-configuration', dev.url);
    assert.equal(disc.issuer, `${dev.url}/dev/oidc`);
    const r = await fetch(`${dev.url}/dev/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub: 'alice', email: 'alice@example.com', email_verified: true, iss: 'https://evil', aud: 'other', exp: 1 }),
    });
    assert.equal(r.status, 200);
    const { id_token } = (await r.json()) as { id_token: string };
    const { payload } = await jwtVerify(id_token, createRemoteJWKSet(new URL(disc.jwks_uri)), { issuer: disc.issuer, audience: 'sigstore' });
    assert.equal(payload.email, 'alice@example.com');
    assert.equal(payload.exp! - payload.iat!, 600);
    assert.equal(decodeJwt(id_token).aud, 'sigstore');
  });

  for (const [what, body, type] of [
    ['not JSON', '{', 'application/json'],
    ['an array', '[]', 'application/json'],
    ['no sub', '{"email":"a@b"}', 'application/json'],
    ['a huge claim set', JSON.stringify({ sub: 'a', x: 'y'.repeat(20000) }), 'application/json'],
  ] as const) {
    it(`dev OIDC token endpoint refuses ${what} with {code, message}`, async () => {
      const r = await fetch(`${dev.url}/dev/oidc/token`, { method: 'POST', headers: { 'content-type': type }, body });
      assert.ok(r.status === 400 || r.status === 413, String(r.status));
      const j = (await r.json()) as any;
      assert.equal(j.code, r.status);
      assert.ok(j.message);
    });
  }

  it('the dev issuer is refused beyond loopback and in production (the whole matrix: test/config-matrix.test.ts)', () => {
    assert.throws(() => loadConfig({ HOST: '0.0.0.0', PROVENANT_DEV_OIDC: 'true' }), ConfigError);
    assert.equal(loadConfig({ HOST: '0.0.0.0', PROVENANT_PROFILE: 'dev' }).devOidc, false);
    assert.equal(loadConfig({}).devOidc, true);
    assert.throws(() => loadConfig({ PROVENANT_PROFILE: 'production', DATABASE_URL: 'postgres://x@y/z', PROVENANT_LOG_KEY: '/k' }), /PROVENANT_TSA_CHAIN/);
    assert.throws(() => loadConfig({ PROVENANT_PROFILE: 'production', DATABASE_URL: 'postgres://x@y/z', PROVENANT_LOG_KEY: '/k', PROVENANT_TSA_CHAIN: '/c', PROVENANT_TSA_KEY: '/k', PROVENANT_CA_CHAIN: '/c', PROVENANT_CA_KEY: '/k', PROVENANT_CT_KEY: '/k', PROVENANT_DEV_OIDC: 'true' }), /PROVENANT_DEV_OIDC=true is refused/);
    const prod = loadConfig({ PROVENANT_PROFILE: 'production', DATABASE_URL: 'postgres://x@y/z', PROVENANT_LOG_KEY: '/k', PROVENANT_TSA_CHAIN: '/c', PROVENANT_TSA_KEY: '/k', PROVENANT_CA_CHAIN: '/c', PROVENANT_CA_KEY: '/k', PROVENANT_CT_KEY: '/k' });
    assert.equal(prod.devOidc, false);
  });
});
