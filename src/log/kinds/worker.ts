/**
 * Worker thread body: decodes and verifies proposed entries off the event loop (see verifier-pool.ts).
 * Announces {ready} once loaded, then answers each {id, json (raw request bytes), policy} with
 * {id, entry} or {id, error: {code, message}}, one job at a time.
 */
import { parentPort } from 'node:worker_threads';
import { ProvenantError } from '../../errors.ts';
import type { AlgorithmPolicy } from '../../crypto/verify.ts';
import type { CanonicalEntry } from './common.ts';
import { decodeProposedEntryJson } from './proposed-entry.ts';

export interface VerifyRequest {
  id: number;
  json: Uint8Array;
  policy: AlgorithmPolicy;
}

export type VerifyReply = { ready: true } | { id: number; entry: CanonicalEntry } | { id: number; error: { code: string; message: string } };

const port = parentPort!;
const reply = (m: VerifyReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

port.on('message', (m: VerifyRequest) => {
  try {
    const entry = decodeProposedEntryJson(m.json, { policy: m.policy });
    reply({ id: m.id, entry }, [entry.body.buffer as ArrayBuffer].filter((b) => b.byteLength === entry.body.byteLength));
  } catch (e) {
    // Anything but a ProvenantError is a bug in decoding: answered as 'internal' (500, logged there).
    const error = e instanceof ProvenantError ? { code: e.code, message: e.message } : { code: 'internal', message: (e as Error)?.message ?? String(e) };
    reply({ id: m.id, error });
  }
});
reply({ ready: true });
