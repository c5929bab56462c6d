/**
 * Worker thread body: decodes and verifies proposed entries off the event loop. Receives
 * {id, json (raw request bytes), policy}; answers {id, entry} or {id, error: {code, message}}.
 */
import { parentPort } from 'node:worker_threads';
import { ProvenantError } from '../../errors.ts';
import type { AlgorithmPolicy } from '../../crypto/verify.ts';
import { decodeProposedEntryJson } from './proposed-entry.ts';

export interface VerifyRequest {
  id: number;
  json: Uint8Array;
  policy: AlgorithmPolicy;
}

parentPort!.on('message', (m: VerifyRequest) => {
  try {
    const entry = decodeProposedEntryJson(m.json, { policy: m.policy });
    parentPort!.postMessage({ id: m.id, entry }, [entry.body.buffer as ArrayBuffer].filter((b) => b.byteLength === entry.body.byteLength));
  } catch (e) {
    const error = e instanceof ProvenantError ? { code: e.code, message: e.message } : { code: 'internal', message: (e as Error)?.message ?? String(e) };
    parentPort!.postMessage({ id: m.id, error });
  }
});
