import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  Certificate,
  ExtendedKeyUsage,
  id_ce_authorityKeyIdentifier,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_codeSigning,
  KeyUsage,
  KeyUsageFlags,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
} from '@peculiar/asn1-x509';
import { type CryptoKey, UnsecuredJWT } from 'jose';
import { caMaterial, clientKey, countingFetch, GITHUB_CLAIMS, makeCa, post, type Server, startServer, type TestCa, TestIssuer, testConfig, v2Body } from './helpers.ts';

const run = promisify(execFile);
const ALICE = 'alice@example.com';
const pemToDer = (pem: string) => new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
const b64 = (u: Uint8Array | string) => Buffer.from(u).toString('base64');

/** A CSR made by openssl (an independent encoder), optionally with extra -addext options. */
async function opensslCsr(dir: string, privateKey: KeyObject, opts: { addext?: string[]; digest?: string } = {}): Promise<string> {
  const keyPath = join(dir, `k-${Math.random().toString(36).slice(2)}.pem`);
  await writeFile(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const out = `${keyPath}.csr`;
  const args = ['req', '-new', '-key', keyPath, '-subj', '/CN=ignored', '-out', out];
  if (opts.digest) args.push(`-${opts.digest}`);
  for (const e of opts.addext ?? []) args.push('-addext', e);
  await run('openssl', args);
  return readFile(out, 'utf8');
}

describe('POST /api/v2/signingCert and friends', () => {
  let email: TestIssuer;
  let github: TestIssuer;
  let t: TestCa;
  let server: Server;
  let tmp: string;
  const fetchLog = countingFetch();
  const key = clientKey();

  before(async () => {
    email = await TestIssuer.start();
    github = await TestIssuer.start({ path: '/gh' });
    t = await makeCa({ config: testConfig(email.url, github.url), fetch: fetchLog });
    server = await startServer(t.ca);
    tmp = await mkdtemp(join(tmpdir(), 'provenant-ca-'));
  });
  after(async () => {
    await server.close();
    await t.close();
    await email.close();
    await github.close();
    await rm(tmp, { recursive: true, force: true });
  });

  const aliceToken = (extra: Record<string, unknown> = {}) => email.mint({ sub: 'alice-id', email: ALICE, email_verified: true, ...extra });
  const signingCert = (body: unknown, headers: Record<string, string> = {}) => post(`${server.url}/api/v2/signingCert`, body, headers);
  const chainOf = (json: Record<string, unknown>) => (json.signedCertificateEmbeddedSct as { chain: { certificates: string[] } }).chain.certificates;

  it('issues Fulcio\'s profile: empty subject, one critical SAN, KU/EKU, SKID/AKID, 160-bit serial, 10 minutes, Sigstore OIDs, SCT list last', async () => {
    const before = Date.now();
    const r = await signingCert(v2Body(await aliceToken(), key, ALICE));
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type')!, /application\/json/);
    const chain = chainOf(r.json);
    assert.equal(chain.length, 3);
    const m = caMaterial();
    assert.deepEqual(pemToDer(chain[1]!), m.chain[0]!.der);
    assert.deepEqual(pemToDer(chain[2]!), m.chain[1]!.der);
    const cert = AsnConvert.parse(pemToDer(chain[0]!), Certificate);
    const tbs = cert.tbsCertificate;
    assert.equal(tbs.subject.length, 0, 'empty subject');
    const serial = new Uint8Array(tbs.serialNumber);
    assert.equal(serial.length, 20);
    assert.ok(serial[0]! > 0 && serial[0]! < 0x80, 'positive, minimal');
    const nb = tbs.validity.notBefore.getTime().getTime();
    assert.ok(nb >= Math.floor(before / 1000) * 1000 && nb <= Date.now());
    assert.equal(tbs.validity.notAfter.getTime().getTime() - nb, 10 * 60_000);
    assert.deepEqual(new Uint8Array(AsnConvert.serialize(tbs.subjectPublicKeyInfo)), new Uint8Array(key.publicKey.export({ type: 'spki', format: 'der' })));

    const exts = tbs.extensions!;
    const ids = [...exts].map((e) => e.extnID);
    assert.deepEqual(ids, [
      id_ce_keyUsage,
      id_ce_extKeyUsage,
      id_ce_subjectKeyIdentifier,
      id_ce_authorityKeyIdentifier,
      id_ce_subjectAltName,
      '1.3.6.1.4.1.57264.1.1',
      '1.3.6.1.4.1.57264.1.8',
      '1.3.6.1.4.1.57264.1.24',
      '1.3.6.1.4.1.11129.2.4.2',
    ]);
    const ext = (id: string) => exts.find((e) => e.extnID === id)!;
    assert.ok(ext(id_ce_keyUsage).critical);
    assert.equal(AsnConvert.parse(ext(id_ce_keyUsage).extnValue.buffer, KeyUsage).toNumber(), KeyUsageFlags.digitalSignature);
    assert.deepEqual([...AsnConvert.parse(ext(id_ce_extKeyUsage).extnValue.buffer, ExtendedKeyUsage)], [id_kp_codeSigning]);
    const spki = AsnConvert.parse(key.publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
    assert.deepEqual(
      new Uint8Array(AsnConvert.parse(ext(id_ce_subjectKeyIdentifier).extnValue.buffer, SubjectKeyIdentifier).buffer),
      new Uint8Array(createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest()),
    );
    const intSkid = m.chain[0]!.asn1.tbsCertificate.extensions!.find((e) => e.extnID === id_ce_subjectKeyIdentifier)!;
    assert.deepEqual(
      new Uint8Array(AsnConvert.parse(ext(id_ce_authorityKeyIdentifier).extnValue.buffer, AuthorityKeyIdentifier).keyIdentifier!.buffer),
      new Uint8Array(AsnConvert.parse(intSkid.extnValue.buffer, SubjectKeyIdentifier).buffer),
    );
    const san = ext(id_ce_subjectAltName);
    assert.ok(san.critical);
    const names = AsnConvert.parse(san.extnValue.buffer, SubjectAlternativeName);
    assert.equal(names.length, 1);
    assert.equal(names[0]!.rfc822Name, ALICE);
    assert.equal(Buffer.from(ext('1.3.6.1.4.1.57264.1.1').extnValue.buffer).toString(), email.url, '.1 is raw bytes');
    assert.deepEqual(Buffer.from(ext('1.3.6.1.4.1.57264.1.8').extnValue.buffer), Buffer.concat([Buffer.of(0x0c, email.url.length), Buffer.from(email.url)]), '.8 is a DER UTF8String');
    assert.deepEqual(Buffer.from(ext('1.3.6.1.4.1.57264.1.24').extnValue.buffer), Buffer.concat([Buffer.of(0x0c, 8), Buffer.from('alice-id')]));
    assert.ok(!ext('1.3.6.1.4.1.11129.2.4.2').critical);
  });

  it('accepts P-384, P-521, Ed25519 and RSA-2048 keys with their proofs, CSRs, Bearer tokens and proto field names', async () => {
    for (const type of ['P-384', 'P-521', 'ed25519', 'rsa2048'] as const) {
      const k = clientKey(type);
      const r = await signingCert(v2Body(await aliceToken(), k, ALICE));
      assert.equal(r.status, 200, `${type}: ${r.text}`);
    }
    const r1 = await signingCert({ publicKeyRequest: v2Body('', key, ALICE).publicKeyRequest }, { authorization: `Bearer ${await aliceToken()}` });
    assert.equal(r1.status, 200, r1.text);
    const r2 = await signingCert({
      credentials: { oidc_identity_token: await aliceToken() },
      public_key_request: { public_key: { algorithm: 'ECDSA', content: key.pem }, proof_of_possession: key.prove(ALICE).replace(/=+$/, '') },
    });
    assert.equal(r2.status, 200, r2.text);

    const csrKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const csr = await opensslCsr(tmp, csrKey.privateKey);
    const r3 = await signingCert({ credentials: { oidcIdentityToken: await aliceToken() }, certificateSigningRequest: b64(csr) });
    assert.equal(r3.status, 200, r3.text);
    const leaf = AsnConvert.parse(pemToDer(chainOf(r3.json)[0]!), Certificate);
    assert.deepEqual(new Uint8Array(AsnConvert.serialize(leaf.tbsCertificate.subjectPublicKeyInfo)), new Uint8Array(csrKey.publicKey.export({ type: 'spki', format: 'der' })));
    assert.equal(leaf.tbsCertificate.subject.length, 0, 'the CSR subject is ignored');
    // A CSR asking for what the certificate will say anyway is fine.
    const same = await opensslCsr(tmp, csrKey.privateKey, { addext: [`subjectAltName=email:${ALICE}`, 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=codeSigning'] });
    const r4 = await signingCert({ credentials: { oidcIdentityToken: await aliceToken() }, certificateSigningRequest: b64(same) });
    assert.equal(r4.status, 200, r4.text);
  });

  it('GitHub workflow tokens: URI SAN and the workflow extensions', async () => {
    const token = await github.mint({ ...GITHUB_CLAIMS });
    const r = await signingCert(v2Body(token, key, GITHUB_CLAIMS.sub));
    assert.equal(r.status, 200, r.text);
    const exts = AsnConvert.parse(pemToDer(chainOf(r.json)[0]!), Certificate).tbsCertificate.extensions!;
    const names = AsnConvert.parse(exts.find((e) => e.extnID === id_ce_subjectAltName)!.extnValue.buffer, SubjectAlternativeName);
    assert.equal(names[0]!.uniformResourceIdentifier, `https://github.com/${GITHUB_CLAIMS.job_workflow_ref}`);
    assert.deepEqual(
      [...exts].map((e) => e.extnID).filter((id) => id.startsWith('1.3.6.1.4.1.57264.1.')).map((id) => Number(id.split('.').at(-1))),
      [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 24],
    );
    // The proof must be over sub, not over an email.
    const bad = await signingCert(v2Body(token, key, 'someone@example.com'));
    assert.equal(bad.status, 400);
  });

  it('legacy v1, trustBundle, configuration, rootCert', async () => {
    const v1 = await post(
      `${server.url}/api/v1/signingCert`,
      { publicKey: { algorithm: 'ecdsa', content: b64(key.pem) }, signedEmailAddress: key.prove(ALICE) },
      { authorization: `Bearer ${await aliceToken()}` },
    );
    assert.equal(v1.status, 201, v1.text);
    assert.match(v1.headers.get('content-type')!, /application\/pem-certificate-chain/);
    assert.equal(v1.text.match(/-----BEGIN CERTIFICATE-----/g)!.length, 3);
    assert.ok(!v1.text.endsWith('\n'));

    const bundle = (await (await fetch(`${server.url}/api/v2/trustBundle`)).json()) as { chains: { certificates: string[] }[] };
    assert.equal(bundle.chains.length, 1);
    assert.deepEqual(bundle.chains[0]!.certificates.map(pemToDer), caMaterial().chain.map((c) => c.der));

    const conf = (await (await fetch(`${server.url}/api/v2/configuration`)).json()) as { issuers: Record<string, unknown>[] };
    assert.deepEqual(conf.issuers, [
      { issuerUrl: email.url, audience: 'sigstore', challengeClaim: 'email', spiffeTrustDomain: '', issuerType: 'email', subjectDomain: '', skipEmailVerification: false },
      { issuerUrl: github.url, audience: 'sigstore', challengeClaim: 'sub', spiffeTrustDomain: '', issuerType: 'github-workflow', subjectDomain: '', skipEmailVerification: false },
    ]);
    const root = await fetch(`${server.url}/api/v1/rootCert`);
    assert.equal((await root.text()).match(/BEGIN CERTIFICATE/g)!.length, 2);
  });

  it('discovery is fetched once per issuer; the JWKS again only for an unknown kid (key rotation)', async () => {
    const discoveries = fetchLog.urls.filter((u) => u.startsWith(email.url) && u.endsWith('/.well-known/openid-configuration')).length;
    assert.equal(discoveries, 1);
    const jwks0 = email.requests.jwks;
    await signingCert(v2Body(await aliceToken(), key, ALICE));
    assert.equal(email.requests.jwks, jwks0, 'cached');
    await email.rotate(true);
    const r = await signingCert(v2Body(await aliceToken(), key, ALICE));
    assert.equal(r.status, 200, r.text);
    assert.equal(email.requests.jwks, jwks0 + 1, 'refetched once for the new kid');
  });

  describe('refused requests: the right status, a {code, message} body, nothing logged', () => {
    const cases: [string, number, () => Promise<unknown>, RegExp?][] = [];
    const now = () => Math.floor(Date.now() / 1000);
    const withToken = (f: () => Promise<string>) => async () => v2Body(await f(), key, ALICE);
    cases.push(['expired token', 401, withToken(() => aliceToken({ iat: now() - 1200, exp: now() - 600 })), /expired/]);
    cases.push(['not-yet-valid token (nbf)', 401, withToken(() => aliceToken({ nbf: now() + 600, exp: now() + 1200 })), /not yet valid/]);
    cases.push(['token issued in the future (iat)', 401, withToken(() => aliceToken({ iat: now() + 600, exp: now() + 1200 })), /future/]);
    cases.push(['token without exp', 401, withToken(() => aliceToken({ exp: undefined })), /exp/]);
    cases.push(['wrong audience', 401, withToken(() => aliceToken({ aud: 'not-sigstore' })), /audience/]);
    cases.push(['audience list without the client id', 401, withToken(() => aliceToken({ aud: ['a', 'b'] })), /audience/]);
    cases.push(['unknown issuer', 401, withToken(() => aliceToken({ iss: 'https://unknown.example.com' })), /unsupported issuer/]);
    cases.push([
      'bad signature (another key, same kid)',
      401,
      withToken(async () => {
        const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        return email.mint({ sub: 'x', email: ALICE, email_verified: true }, { key: privateKey as unknown as CryptoKey });
      }),
      /signature/,
    ]);
    cases.push(['unknown kid', 401, withToken(() => email.mint({ sub: 'x', email: ALICE, email_verified: true }, { kid: 'nope' })), /no key/]);
    cases.push([
      'tampered payload',
      401,
      withToken(async () => {
        const [h, , s] = (await aliceToken()).split('.');
        return [h, Buffer.from(JSON.stringify({ iss: email.url, aud: 'sigstore', email: 'mallory@example.com', email_verified: true, exp: now() + 60 })).toString('base64url'), s].join('.');
      }),
      /signature/,
    ]);
    cases.push(['unsigned token (alg none)', 401, withToken(async () => new UnsecuredJWT({ iss: email.url, aud: 'sigstore', email: ALICE, email_verified: true, exp: now() + 60 }).encode())]);
    cases.push(['malformed token', 401, withToken(async () => 'not.a.jwt'), /malformed/]);
    cases.push(['garbage token', 401, withToken(async () => '!!!'), /malformed/]);
    cases.push(['no token', 401, async () => ({ publicKeyRequest: v2Body('', key, ALICE).publicKeyRequest }), /no identity token/]);
    cases.push(['email not verified', 401, withToken(() => aliceToken({ email_verified: false })), /email_verified/]);
    cases.push(['discovery issuer mismatch is not our case; github token missing claims', 401, async () => v2Body(await github.mint({ sub: 'x' }), key, 'x'), /missing/]);

    cases.push(['proof over another identity', 400, async () => v2Body(await aliceToken(), key, 'bob@example.com'), /signature supplied in the request could not be verified/]);
    cases.push([
      'garbage proof',
      400,
      async () => ({ ...v2Body(await aliceToken(), key, ALICE), publicKeyRequest: { publicKey: { content: key.pem }, proofOfPossession: b64('garbage') } }),
      /could not be verified/,
    ]);
    cases.push(['no proof', 400, async () => ({ ...v2Body(await aliceToken(), key, ALICE), publicKeyRequest: { publicKey: { content: key.pem } } }), /could not be verified/]);
    cases.push(['proof by another key', 400, async () => ({ ...v2Body(await aliceToken(), key, ALICE), publicKeyRequest: { publicKey: { content: key.pem }, proofOfPossession: clientKey().prove(ALICE) } })]);
    cases.push(['unparseable public key', 400, async () => ({ ...v2Body(await aliceToken(), key, ALICE), publicKeyRequest: { publicKey: { content: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' }, proofOfPossession: key.prove(ALICE) } }), /could not be parsed/]);
    cases.push(['no public key', 400, async () => ({ credentials: { oidcIdentityToken: await aliceToken() } }), /could not be parsed/]);
    cases.push(['RSA-1024 key', 400, async () => v2Body(await aliceToken(), clientKey('rsa1024'), ALICE), /insecure/]);
    cases.push(['secp256k1 key (unknown curve)', 400, async () => v2Body(await aliceToken(), clientKey('secp256k1'), ALICE)]);
    cases.push([
      'P-224 key',
      400,
      async () => {
        const k = generateKeyPairSync('ec', { namedCurve: 'secp224r1' });
        return { credentials: { oidcIdentityToken: await aliceToken() }, publicKeyRequest: { publicKey: { content: k.publicKey.export({ type: 'spki', format: 'pem' }) }, proofOfPossession: sign('sha256', Buffer.from(ALICE), k.privateKey).toString('base64') } };
      },
      /insecure/,
    ]);
    const csrBody = async (csr: string | Uint8Array) => ({ credentials: { oidcIdentityToken: await aliceToken() }, certificateSigningRequest: b64(csr) });
    cases.push([
      'CSR with a bad signature',
      400,
      async () => {
        const pem = await opensslCsr(tmp, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
        const der = pemToDer(pem);
        der[der.length - 5]! ^= 0x01;
        return csrBody(`-----BEGIN CERTIFICATE REQUEST-----\n${b64(der)}\n-----END CERTIFICATE REQUEST-----\n`);
      },
      /signature/,
    ]);
    cases.push(['CSR requesting a CA certificate', 400, async () => csrBody(await opensslCsr(tmp, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, { addext: ['basicConstraints=critical,CA:TRUE'] })), /CA certificate/]);
    cases.push(['CSR requesting an extra extension', 400, async () => csrBody(await opensslCsr(tmp, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, { addext: ['subjectKeyIdentifier=hash'] })), /extra requested extension/]);
    cases.push(['CSR requesting another SAN', 400, async () => csrBody(await opensslCsr(tmp, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, { addext: ['subjectAltName=email:mallory@example.com'] })), /subjectAltName/]);
    cases.push(['CSR with a weak RSA key', 400, async () => csrBody(await opensslCsr(tmp, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey)), /insecure/]);
    cases.push(['CSR signed with a hash the key does not use (P-256 + SHA-384)', 400, async () => csrBody(await opensslCsr(tmp, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, { digest: 'sha384' })), /not permitted/]);
    cases.push(['CSR that is not PEM', 400, async () => csrBody('hello'), /could not be parsed/]);
    cases.push(['CSR field not base64', 400, async () => ({ credentials: { oidcIdentityToken: await aliceToken() }, certificateSigningRequest: '***' }), /base64/]);
    cases.push(['both a public key and a CSR', 400, async () => ({ ...v2Body(await aliceToken(), key, ALICE), certificateSigningRequest: b64('x') }), /both/]);
    cases.push(['body is not JSON', 400, async () => '{oops']);
    cases.push(['body is a JSON array', 400, async () => [1, 2]]);
    cases.push(['unknown algorithm enum', 400, async () => ({ ...v2Body(await aliceToken(), key, ALICE), publicKeyRequest: { publicKey: { algorithm: 'DSA', content: key.pem }, proofOfPossession: key.prove(ALICE) } })]);

    for (const [name, status, body, re] of cases) {
      it(`${name} → ${status}`, async () => {
        const size = t.ctTree.size;
        const r = await signingCert(await body());
        assert.equal(r.status, status, r.text);
        assert.equal(r.json?.code, status);
        assert.equal(typeof r.json.message, 'string');
        assert.ok((r.json.message as string).length > 0);
        if (re) assert.match(r.json.message as string, re);
        await new Promise((res) => setTimeout(res, 5));
        assert.equal(t.ctTree.size, size, 'nothing was logged');
      });
    }
  });
});

describe('routes registered before the CA is loaded', () => {
  it('answer 503 with Retry-After until the getter returns the CA', async () => {
    const Fastify = (await import('fastify')).default;
    const { installErrorHandler } = await import('../../src/api/errors.ts');
    const { registerCaRoutes } = await import('../../src/api/routes/ca.ts');
    const { registerCtRoutes } = await import('../../src/api/routes/ct.ts');
    const app = Fastify();
    installErrorHandler(app);
    registerCaRoutes(app, () => undefined);
    registerCtRoutes(app, () => undefined);
    for (const url of ['/api/v2/trustBundle', '/api/v2/configuration', '/ct/v1/get-sth']) {
      const r = await app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 503, url);
      assert.equal(r.headers['retry-after'], '1');
      assert.equal(r.json().code, 503);
    }
    await app.close();
  });
});
