import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseFulcioConfig } from '../../src/ca/config.ts';
import { OidcVerifier } from '../../src/ca/oidc.ts';
import { ProvenantError } from '../../src/errors.ts';
import { countingFetch, ManualClock, TestIssuer } from './helpers.ts';

const config = (...urls: string[]) =>
  parseFulcioConfig(`oidc-issuers:\n${urls.map((u) => `  ${u}:\n    client-id: sigstore\n    type: email\n`).join('')}`);
const rejects = (p: Promise<unknown>, code: string, re: RegExp) =>
  assert.rejects(p, (e: unknown) => e instanceof ProvenantError && e.code === code && re.test(e.message));

describe('OIDC token verification', () => {
  let good: TestIssuer;
  let lying: TestIssuer;
  before(async () => {
    good = await TestIssuer.start();
    lying = await TestIssuer.start({ discoveryIssuer: () => 'https://someone-else.example.com' });
  });
  after(async () => {
    await good.close();
    await lying.close();
  });

  it('checks exp/nbf/iat against the injected clock with a small skew', async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1, 12));
    const v = new OidcVerifier({ config: config(good.url), clock, clockSkewSeconds: 30 });
    const token = await good.mint({ sub: 's', email: 'a@example.com', email_verified: true }, { now: clock.now() }); // exp = now + 300
    assert.equal((await v.verify(token)).claims.sub, 's');
    clock.advance(320_000); // 20 s past exp: within the skew
    await v.verify(token);
    clock.advance(20_000); // 40 s past exp
    await rejects(v.verify(token), 'unauthenticated', /expired/);
    clock.set(Date.UTC(2030, 0, 1, 12) - 20_000); // iat 20 s in the future: within the skew
    await v.verify(token);
    clock.advance(-20_000);
    await rejects(v.verify(token), 'unauthenticated', /future/);
  });

  it('discovery must name the token\'s issuer exactly; unreachable issuers are 503; results are cached', async () => {
    const f = countingFetch();
    const v = new OidcVerifier({ config: config(good.url, lying.url, 'http://127.0.0.1:9'), clock: { now: () => new Date() }, fetch: f });
    await rejects(v.verify(await lying.mint({ sub: 's' })), 'unauthenticated', /issuer did not match/);
    await rejects(v.verify(await lying.mint({ sub: 's' })), 'unauthenticated', /issuer did not match/);
    assert.equal(f.urls.filter((u) => u.startsWith(lying.url)).length, 2, 'failures are not cached');
    const unreachable = await good.mint({ iss: 'http://127.0.0.1:9', sub: 's' });
    await rejects(v.verify(unreachable), 'unavailable', /cannot reach the OIDC issuer/);
    for (let i = 0; i < 3; i++) await v.verify(await good.mint({ sub: `s${i}` }));
    assert.equal(f.urls.filter((u) => u.startsWith(good.url)).length, 2, 'one discovery, one JWKS');
  });

  it('only algorithms the issuer advertises (RS256 when it advertises none); never none or HMAC', async () => {
    const v = new OidcVerifier({ config: config(good.url), clock: { now: () => new Date() } });
    const { SignJWT } = await import('jose');
    const hmac = await new SignJWT({ iss: good.url, aud: 'sigstore', sub: 's', exp: Math.floor(Date.now() / 1000) + 60 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('secret-secret-secret-secret-secret!'));
    await rejects(v.verify(hmac), 'unauthenticated', /algorithm/);
  });

  it('tokens too large or with a non-string sub are refused', async () => {
    const v = new OidcVerifier({ config: config(good.url), clock: { now: () => new Date() } });
    await rejects(v.verify('a'.repeat(70_000)), 'unauthenticated', /too large/);
    await rejects(v.verify(await good.mint({ sub: 5 as unknown as string })), 'unauthenticated', /sub/);
  });
});
