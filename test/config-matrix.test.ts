/**
 * The dev issuer's configuration matrix (issue 10, defect 4): every combination of HOST, public
 * URL, DATABASE_URL, operator key files, PROVENANT_DEV_OIDC and PROVENANT_PROFILE, against the
 * rules written out below by hand (each host and URL labelled loopback or not, not computed by the
 * code under test):
 *
 * - production-like ⇔ DATABASE_URL, or any key file, or HOST not loopback, or a public URL that is
 *   https or names a host that is not loopback;
 * - profile = PROVENANT_PROFILE, else production when production-like, else dev;
 * - the production profile without DATABASE_URL and every key file is refused, naming each missing;
 * - PROVENANT_DEV_OIDC=true is refused when production-like (naming why) or in production;
 * - otherwise the dev issuer is on exactly in the dev profile when nothing is production-like,
 *   unless PROVENANT_DEV_OIDC=false.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';
import { isLoopbackHost } from '../src/loopback.ts';

/** [HOST, loopback?] */
const HOSTS: [string | undefined, boolean][] = [
  [undefined, true], // the default, 127.0.0.1
  ['127.0.0.1', true],
  ['127.3.4.5', true],
  ['localhost', true],
  ['::1', true],
  ['[::1]', true],
  ['::ffff:127.0.0.1', true],
  ['0.0.0.0', false],
  ['::', false],
  ['10.1.2.3', false],
  ['127.evil.example', false],
  ['localhost.evil.example', false],
  ['sigstore.example.com', false],
];

/** [PROVENANT_PUBLIC_URL, production-like?] */
const PUBLIC_URLS: [string | undefined, boolean][] = [
  [undefined, false],
  ['http://127.0.0.1:3000', false],
  ['http://localhost:8080', false],
  ['http://[::1]:3000', false],
  ['http://[::ffff:127.0.0.1]:3000', false],
  ['https://localhost', true], // https: a TLS proxy in front
  ['https://sigstore.example.com', true],
  ['http://sigstore.example.com', true],
  ['http://127.evil.example:3000', true],
  ['http://10.0.0.1', true],
];

const DB = 'postgres://provenant@db.internal:5432/provenant';
const ALL_KEYS = {
  PROVENANT_LOG_KEY: '/keys/log.pem',
  PROVENANT_CT_KEY: '/keys/ct.pem',
  PROVENANT_CA_CHAIN: '/keys/ca-chain.pem',
  PROVENANT_CA_KEY: '/keys/ca.pem',
  PROVENANT_TSA_CHAIN: '/keys/tsa-chain.pem',
  PROVENANT_TSA_KEY: '/keys/tsa.pem',
};
const KEY_SETS: [string, Record<string, string>][] = [
  ['no key files', {}],
  ['the log key only', { PROVENANT_LOG_KEY: ALL_KEYS.PROVENANT_LOG_KEY }],
  ['the CT key only', { PROVENANT_CT_KEY: ALL_KEYS.PROVENANT_CT_KEY }],
  ['the CA chain without its key', { PROVENANT_CA_CHAIN: ALL_KEYS.PROVENANT_CA_CHAIN }],
  ['every key file', ALL_KEYS],
];

interface Expected {
  devOidc?: boolean;
  profile?: 'dev' | 'production';
  /** Each must appear in the refusal. */
  refusal?: RegExp[];
}

function expected(host: [string | undefined, boolean], url: [string | undefined, boolean], db: boolean, keys: Record<string, string>, devOidc: string | undefined, profileSetting: string | undefined): Expected {
  const keyNames = Object.keys(keys);
  const signals: RegExp[] = [];
  if (db) signals.push(/DATABASE_URL is set/);
  for (const k of keyNames) signals.push(new RegExp(`${k} is set`));
  if (!host[1]) signals.push(new RegExp(`HOST ${host[0]!.replace(/[.[\]]/g, '\\$&')} is not a loopback address`));
  if (url[1]) signals.push(/PROVENANT_PUBLIC_URL \S+ is (https|not a loopback address)/);
  const productionLike = signals.length > 0;
  const profile = (profileSetting ?? (productionLike ? 'production' : 'dev')) as 'dev' | 'production';
  const refusal: RegExp[] = [];
  if (devOidc === 'true' && (productionLike || profile === 'production')) {
    refusal.push(/PROVENANT_DEV_OIDC=true is refused/, ...(productionLike ? signals : [/PROVENANT_PROFILE is production/]));
  }
  if (profile === 'production') {
    const missing = ['DATABASE_URL', ...Object.keys(ALL_KEYS)].filter((k) => (k === 'DATABASE_URL' ? !db : !keyNames.includes(k)));
    if (missing.length > 0) refusal.push(new RegExp(`production profile.* requires ${missing.join(', ')} \\(`));
  } else if (keyNames.includes('PROVENANT_CA_CHAIN') && !keyNames.includes('PROVENANT_CA_KEY')) {
    refusal.push(/PROVENANT_CA_CHAIN and PROVENANT_CA_KEY go together/);
  }
  if (refusal.length > 0) return { refusal };
  return { profile, devOidc: profile === 'dev' && !productionLike && devOidc !== 'false' };
}

describe('dev issuer configuration matrix', () => {
  it('isLoopbackHost parses addresses: 127.0.0.0/8, ::1, ::ffff:127.x, "localhost" exactly; never a prefix', () => {
    for (const [h, loop] of HOSTS) if (h !== undefined) assert.equal(isLoopbackHost(h), loop, h);
    for (const h of ['127.0.0.1.nip.io', '127.1', '0x7f.0.0.1', 'localhost.', '::2', '::ffff:128.0.0.1', '[::1', '', 'fe80::1%lo0']) assert.equal(isLoopbackHost(h), false, h);
    for (const h of ['LOCALHOST', '127.255.255.255', '0:0:0:0:0:0:0:1', '::ffff:7f00:1', '[::ffff:7f00:1]', '::1%lo']) assert.equal(isLoopbackHost(h), true, h);
  });

  it('`npm start` with no environment is the quickstart: dev profile, dev issuer on', () => {
    const c = loadConfig({});
    assert.equal(c.profile, 'dev');
    assert.equal(c.devOidc, true);
    assert.deepEqual(c.productionSignals, []);
  });

  it('the review\'s setup (proxy on 127.0.0.1, DATABASE_URL, operator keys, https public URL): production, no dev issuer, explicit dev issuer refused', () => {
    const env = { HOST: '127.0.0.1', DATABASE_URL: DB, ...ALL_KEYS, PROVENANT_PUBLIC_URL: 'https://sigstore.example.com' };
    const c = loadConfig(env);
    assert.equal(c.profile, 'production');
    assert.equal(c.devOidc, false);
    assert.throws(
      () => loadConfig({ ...env, PROVENANT_DEV_OIDC: 'true' }),
      (e: unknown) => e instanceof ConfigError && /PROVENANT_DEV_OIDC=true is refused/.test(e.message) && /DATABASE_URL is set/.test(e.message) && /https/.test(e.message),
    );
  });

  it('a production profile with settings missing names every one of them in one message', () => {
    assert.throws(
      () => loadConfig({ PROVENANT_LOG_KEY: '/k.pem' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message.includes('(the default here, because PROVENANT_LOG_KEY is set)') &&
        e.message.includes('requires DATABASE_URL, PROVENANT_CT_KEY, PROVENANT_CA_CHAIN, PROVENANT_CA_KEY, PROVENANT_TSA_CHAIN, PROVENANT_TSA_KEY (') &&
        e.message.includes('PROVENANT_PROFILE=dev'),
    );
  });

  it('HOST=127.evil.example is not loopback: the dev issuer is refused, naming HOST', () => {
    assert.throws(() => loadConfig({ HOST: '127.evil.example', PROVENANT_DEV_OIDC: 'true', PROVENANT_PROFILE: 'dev' }), /HOST 127\.evil\.example is not a loopback address/);
    assert.equal(loadConfig({ HOST: '127.evil.example', PROVENANT_PROFILE: 'dev' }).devOidc, false);
  });

  let cases = 0;
  it('every combination of HOST × public URL × DATABASE_URL × key files × PROVENANT_DEV_OIDC × PROVENANT_PROFILE', () => {
    for (const host of HOSTS) {
      for (const url of PUBLIC_URLS) {
        for (const db of [false, true]) {
          for (const [keysName, keys] of KEY_SETS) {
            for (const devOidc of [undefined, 'true', 'false']) {
              for (const profile of [undefined, 'dev', 'production']) {
                const env: Record<string, string> = { ...keys };
                if (host[0] !== undefined) env.HOST = host[0];
                if (url[0] !== undefined) env.PROVENANT_PUBLIC_URL = url[0];
                if (db) env.DATABASE_URL = DB;
                if (devOidc !== undefined) env.PROVENANT_DEV_OIDC = devOidc;
                if (profile !== undefined) env.PROVENANT_PROFILE = profile;
                const what = `HOST=${host[0]} PUBLIC_URL=${url[0]} DATABASE_URL=${db} ${keysName} DEV_OIDC=${devOidc} PROFILE=${profile}`;
                const want = expected(host, url, db, keys, devOidc, profile);
                cases++;
                if (want.refusal) {
                  assert.throws(
                    () => loadConfig(env),
                    (e: unknown) => {
                      assert.ok(e instanceof ConfigError, `${what}: ${String(e)}`);
                      for (const re of want.refusal!) assert.match(e.message, re, what);
                      return true;
                    },
                    what,
                  );
                } else {
                  const c = loadConfig(env);
                  assert.equal(c.devOidc, want.devOidc, what);
                  assert.equal(c.profile, want.profile, what);
                  assert.equal(c.productionSignals.length > 0, !(host[1] && !url[1] && !db && Object.keys(keys).length === 0), what);
                }
              }
            }
          }
        }
      }
    }
    assert.equal(cases, HOSTS.length * PUBLIC_URLS.length * 2 * KEY_SETS.length * 3 * 3);
  });
});
