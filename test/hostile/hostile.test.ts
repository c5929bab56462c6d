/**
 * The hostile-input layer (issue 10, "Tests"), on PGlite or real Postgres per DATABASE_URL: every
 * endpoint's hostile cases (cases.ts) through expectHostile, then fast-check mutation fuzzing of
 * valid requests (fuzz.ts). One instance for the whole file: starting one costs seconds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clientKey } from '../ca/helpers.ts';
import { expectHostile, type HostileServer, startHostileServer } from '../helpers/hostile.ts';
import { allCases, type Ctx, requestOf } from './cases.ts';
import { fuzzTargets, runFuzz } from './fuzz.ts';

const pemToB64 = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');

let ctx: Ctx;
let h: HostileServer;

before(async () => {
  h = await startHostileServer();
  const first = await h.send({ path: '/api/v1/log/entries', body: h.freshEntry() });
  assert.equal(first.status, 201, first.text);
  const uuid = Object.keys(first.json as object)[0]!;
  // A certificate from this CA (logged to CT as a precertificate), then logged itself by add-chain.
  const key = clientKey('P-256');
  const email = 'hostile-setup@example.com';
  const issued = await h.send({
    path: '/api/v2/signingCert',
    body: { credentials: { oidcIdentityToken: await h.token(email) }, publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: key.pem }, proofOfPossession: key.prove(email) } },
  });
  assert.equal(issued.status, 200, issued.text);
  const [leaf, ...chain] = (issued.json as { signedCertificateEmbeddedSct: { chain: { certificates: string[] } } }).signedCertificateEmbeddedSct.chain.certificates.map(pemToB64);
  const added = await h.send({ path: '/ct/v1/add-chain', body: { chain: [leaf, ...chain] } });
  assert.equal(added.status, 200, added.text);
  ctx = { h, uuid, caChainB64: chain, leafB64: leaf!, key };
});

after(() => h?.stop());

for (const { group, cases } of allCases()) {
  describe(group, () => {
    for (const c of cases) {
      it(c.name, async () => {
        await expectHostile(h, await requestOf(c, ctx), c.expect);
      });
    }
  });
}

describe('fast-check mutation fuzzing of valid requests', () => {
  for (const t of fuzzTargets()) {
    it(t.name, () => runFuzz(ctx, t));
  }
});
