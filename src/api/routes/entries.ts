/** Rekor v1 entry reads: LogEntry = { "<entryUUID>": LogEntryAnon }, each with a fresh inclusion proof. */
import type { FastifyInstance } from 'fastify';
import { ProvenantError } from '../../errors.ts';
import type { TransparencyLog } from '../../log/log.ts';
import type { StoredEntry } from '../../log/store.ts';
import { entryUUID } from '../../log/types.ts';
import { requireLog, type Services } from '../server.ts';
import { jsonInt, parseSizeParam } from './log.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** Builds a Rekor LogEntry from the stored bytes (never re-serialised) and a proof to the current checkpoint. */
export async function toLogEntry(log: TransparencyLog, e: StoredEntry): Promise<Record<string, unknown>> {
  const cp = log.checkpoint;
  const hashes = await log.inclusionProof(e.leafIndex, cp.size);
  const anon = {
    body: b64(e.body),
    integratedTime: jsonInt(e.integratedTime),
    logID: log.signer.logId,
    logIndex: jsonInt(e.leafIndex),
    verification: {
      inclusionProof: {
        checkpoint: cp.note,
        hashes: hashes.map(hex),
        logIndex: jsonInt(e.leafIndex),
        rootHash: hex(cp.root),
        treeSize: jsonInt(cp.size),
      },
      ...(e.setSig ? { signedEntryTimestamp: b64(e.setSig) } : {}),
    },
  };
  return { [entryUUID(log.treeId, e.leafHash)]: anon };
}

export function registerEntryReadRoutes(app: FastifyInstance, s: Services): void {
  app.get('/api/v1/log/entries', async (req, reply) => {
    const log = requireLog(s);
    const logIndex = parseSizeParam('logIndex', (req.query as Record<string, unknown>).logIndex);
    if (logIndex === undefined) throw new ProvenantError('invalid_argument', 'logIndex is required');
    const size = log.checkpoint.size;
    const [e] = logIndex < size ? await log.store.entriesByIndex(log.treeId, [logIndex]) : [];
    // Rekor answers 404 with an empty body on the GET-entry endpoints.
    if (!e) return reply.code(404).send();
    return reply.send(await toLogEntry(log, e));
  });
}
