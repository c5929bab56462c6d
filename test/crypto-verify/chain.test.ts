import { test } from 'node:test';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import assert from 'node:assert/strict';
import { ProvenantError } from '../../src/errors.ts';
import { parseClientVerifier } from '../../src/crypto/public-key.ts';
import { MAX_CHAIN_SIGNATURE_CHECKS, verifyCertificateChain } from '../../src/x509/chain.ts';
import { buildCert, certPem } from '../kinds/helpers.ts';

/** A new key each call (test/kinds testKey returns one key per curve). */
const freshKey = (namedCurve: 'P-256' | 'P-521'): { privateKey: KeyObject; publicKey: KeyObject } => generateKeyPairSync('ec', { namedCurve });

/** Issue 10's bound for a hostile request. */
const HOSTILE_INPUT_BUDGET_MS = 1000;

/** leaf ← N self-signed CA:TRUE "inter" certificates (one DER repeated, or N distinct serials) + an unrelated root. */
function hostileChain(curve: 'P-256' | 'P-521', n: number, copies: 'identical' | 'distinct') {
  const inter = freshKey(curve);
  const leafKey = freshKey('P-256');
  const stranger = freshKey('P-256');
  const leaf = buildCert({ subjectKey: leafKey.publicKey, issuerKey: inter.privateKey, subject: 'leaf', issuer: 'inter' });
  const selfSigned = () => buildCert({ subjectKey: inter.publicKey, issuerKey: inter.privateKey, subject: 'inter', issuer: 'inter', ca: {} });
  const one = selfSigned();
  const middle = Array.from({ length: n }, () => (copies === 'identical' ? one : selfSigned()));
  const root = buildCert({ subjectKey: stranger.publicKey, issuerKey: stranger.privateKey, subject: 'root', issuer: 'root', ca: {} });
  return parseClientVerifier([leaf, ...middle, root].map(certPem).join('')).certificates;
}

function timedRefusal(certs: Parameters<typeof verifyCertificateChain>[0]): { ms: number; error: unknown } {
  const t0 = performance.now();
  try {
    verifyCertificateChain(certs);
  } catch (e) {
    return { ms: performance.now() - t0, error: e };
  }
  return assert.fail('the chain was accepted');
}

// Ascending cost, so the old exhaustive search fails on the first case (3.5 s) before the P-521 ones
// (27.7 s for N = 7, minutes for N = 8).
test('chain (defect 2): N = 7 identical self-signed intermediates on P-256 are refused within 1 s', () => {
  const { ms, error } = timedRefusal(hostileChain('P-256', 7, 'identical'));
  assert.ok(ms < HOSTILE_INPUT_BUDGET_MS, `${ms.toFixed(0)} ms`);
  assert.ok(error instanceof ProvenantError && error.code === 'invalid_entry' && /unknown authority/.test(error.message), String(error));
});

test('chain (defect 2): N = 8 identical self-signed intermediates on P-521 are deduplicated and refused within 1 s', () => {
  const { ms, error } = timedRefusal(hostileChain('P-521', 8, 'identical'));
  assert.ok(ms < HOSTILE_INPUT_BUDGET_MS, `${ms.toFixed(0)} ms`);
  assert.ok(error instanceof ProvenantError && error.code === 'invalid_entry' && /unknown authority/.test(error.message), String(error));
});

test('chain (defect 2): N = 8 distinct same-name intermediates on P-521 hit the signature-check budget within 1 s', () => {
  const { ms, error } = timedRefusal(hostileChain('P-521', 8, 'distinct'));
  assert.ok(ms < HOSTILE_INPUT_BUDGET_MS, `${ms.toFixed(0)} ms`);
  assert.ok(error instanceof ProvenantError && error.code === 'invalid_argument', String(error));
  assert.match(error.message, new RegExp(`more than ${MAX_CHAIN_SIGNATURE_CHECKS} signature checks`));
});

test('chain: duplicates of the intermediate, leaf or root do not change a valid chain', () => {
  const root = freshKey('P-256');
  const inter = freshKey('P-256');
  const leaf = freshKey('P-256');
  const rootDer = buildCert({ subjectKey: root.publicKey, issuerKey: root.privateKey, subject: 'root', issuer: 'root', ca: {} });
  const interDer = buildCert({ subjectKey: inter.publicKey, issuerKey: root.privateKey, subject: 'inter', issuer: 'root', ca: { pathLen: 0 } });
  const leafDer = buildCert({ subjectKey: leaf.publicKey, issuerKey: inter.privateKey, subject: 'leaf', issuer: 'inter' });
  const chain = (...ders: Buffer[]) => parseClientVerifier(ders.map(certPem).join('')).certificates;
  verifyCertificateChain(chain(leafDer, interDer, interDer, interDer, rootDer));
  verifyCertificateChain(chain(leafDer, rootDer, interDer, leafDer, rootDer));
  // pathLen 0 on the intermediate still counts intermediates by distinct certificate.
  const inter2 = freshKey('P-256');
  const inter2Der = buildCert({ subjectKey: inter2.publicKey, issuerKey: inter.privateKey, subject: 'inter2', issuer: 'inter', ca: {} });
  const leaf2Der = buildCert({ subjectKey: leaf.publicKey, issuerKey: inter2.privateKey, subject: 'leaf', issuer: 'inter2' });
  assert.throws(() => verifyCertificateChain(chain(leaf2Der, inter2Der, interDer, inter2Der, rootDer)), /unknown authority/);
});

test('chain: a valid path behind junk same-name candidates is found within the budget', () => {
  const root = freshKey('P-256');
  const inter = freshKey('P-256');
  const leaf = freshKey('P-256');
  const rootDer = buildCert({ subjectKey: root.publicKey, issuerKey: root.privateKey, subject: 'root', issuer: 'root', ca: {} });
  const interDer = buildCert({ subjectKey: inter.publicKey, issuerKey: root.privateKey, subject: 'inter', issuer: 'root', ca: {} });
  const leafDer = buildCert({ subjectKey: leaf.publicKey, issuerKey: inter.privateKey, subject: 'leaf', issuer: 'inter' });
  // Seven certificates named "inter" under unrelated keys: each is one failed (cached) check.
  const junk = Array.from({ length: 7 }, () => {
    const k = freshKey('P-256');
    return buildCert({ subjectKey: k.publicKey, issuerKey: k.privateKey, subject: 'inter', issuer: 'inter', ca: {} });
  });
  verifyCertificateChain(parseClientVerifier([leafDer, ...junk, interDer, rootDer].map(certPem).join('')).certificates);
});
