/**
 * Hostile DSSE entries as the security review built them (issue 10, defect 1): one verifier repeated
 * V times and S junk signatures before one valid signature. The junk are two-byte IEEE P1363
 * signatures (r = hi, s = lo), which pass the (0 < r, s < n) range check and so cost a full
 * verification each under a verifier that tries them all.
 */
import crypto from 'node:crypto';
import { encodePem } from '../../src/encoding/pem.ts';
import { pae } from '../../src/log/kinds/dsse-envelope.ts';
import { b64, signMessage, type TestKey } from './helpers.ts';

export const IN_TOTO = 'application/vnd.in-toto+json';
export const STATEMENT = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', predicateType: 'x', subject: [{ name: 'a', digest: { sha256: 'ab'.repeat(32) } }] }));

/** `n` fresh P-256 keys (testKey caches one per spec; budgets need distinct keys). */
export function freshKeys(n: number): TestKey[] {
  return Array.from({ length: n }, () => {
    const pair = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spkiDer = pair.publicKey.export({ type: 'spki', format: 'der' });
    return { spec: 'P-256' as const, ...pair, spkiDer, pem: encodePem('PUBLIC KEY', spkiDer) };
  });
}

/** The i-th junk signature: two bytes, both non-zero (distinct for i < 255²). */
export function junkSignature(i: number, distinct: boolean): Buffer {
  return distinct ? Buffer.from([1 + Math.floor(i / 255), 1 + (i % 255)]) : Buffer.from([1, 1]);
}

export function dsseEntry(envelope: object, verifierPems: readonly string[]): Record<string, unknown> {
  return { apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope: JSON.stringify(envelope), verifiers: verifierPems.map((p) => b64(p)) } } };
}

/** dsse 0.0.1: `junk` junk signatures, then one valid one by `key`; `key` offered `verifiers` times. */
export function hostileDsse(key: TestKey, verifiers: number, junk: number, distinct = false): Record<string, unknown> {
  const sigs = Array.from({ length: junk }, (_, i) => ({ sig: b64(junkSignature(i, distinct)) }));
  sigs.push({ sig: b64(signMessage(key, pae(IN_TOTO, STATEMENT))) });
  return dsseEntry({ payload: b64(STATEMENT), payloadType: IN_TOTO, signatures: sigs }, Array(verifiers).fill(key.pem));
}

/** intoto 0.0.2 items: {sig, publicKey} with the DSSE double encoding. */
export function intotoV002Entry(items: ReadonlyArray<{ sig: Uint8Array; pem: string }>): Record<string, unknown> {
  return {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: { payloadType: IN_TOTO, payload: b64(STATEMENT.toString('base64')), signatures: items.map((x) => ({ sig: b64(b64(x.sig)), publicKey: b64(x.pem) })) },
        hash: { algorithm: 'sha256', value: 'ab'.repeat(32) },
      },
    },
  };
}

/** intoto 0.0.2: `junk` junk signatures each carrying `key`, then one valid one (S keys × S signatures before). */
export function hostileIntotoV002(key: TestKey, junk: number, distinct = false): Record<string, unknown> {
  const items = Array.from({ length: junk }, (_, i) => ({ sig: junkSignature(i, distinct), pem: key.pem }));
  items.push({ sig: signMessage(key, pae(IN_TOTO, STATEMENT)), pem: key.pem });
  return intotoV002Entry(items);
}

export const jsonBytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));
