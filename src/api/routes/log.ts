/** Rekor v1 log read API: GET /api/v1/log, /api/v1/log/proof, /api/v1/log/publicKey. */
import type { FastifyInstance } from 'fastify';
import { ProvenantError } from '../../errors.ts';
import { requireLog, type Services } from '../server.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** JSON numbers for sizes and indices (they stay far below 2^53). */
export function jsonInt(n: bigint): number {
  if (n > MAX_SAFE || n < -MAX_SAFE) throw new ProvenantError('internal', 'integer beyond 2^53');
  return Number(n);
}

/** Parses a non-negative decimal query parameter; absent → undefined. Untrusted input. */
export function parseSizeParam(name: string, v: unknown, min = 0n): bigint | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^[0-9]{1,19}$/.test(v)) {
    throw new ProvenantError('invalid_argument', `${name} must be a non-negative integer, got ${JSON.stringify(v).slice(0, 40)}`);
  }
  const n = BigInt(v);
  if (n > 0x7fff_ffff_ffff_ffffn) throw new ProvenantError('invalid_argument', `${name} is out of range`);
  if (n < min) throw new ProvenantError('invalid_argument', `${name} must be at least ${min}, got ${n}`);
  return n;
}

function checkTreeId(s: Services, v: unknown): void {
  if (v === undefined) return;
  const log = requireLog(s);
  if (typeof v !== 'string' || !/^[0-9]{1,19}$/.test(v)) throw new ProvenantError('invalid_argument', 'treeID must be a decimal tree id');
  if (BigInt(v) !== log.treeId) throw new ProvenantError('invalid_argument', `unknown treeID ${v}`);
}

export function registerLogRoutes(app: FastifyInstance, s: Services): void {
  app.get('/api/v1/log', async (req, reply) => {
    const log = requireLog(s);
    const cp = log.checkpoint;
    reply.header('Cache-Control', 'no-cache');
    return reply.send({
      rootHash: hex(cp.root),
      signedTreeHead: cp.note,
      treeID: log.treeId.toString(),
      treeSize: jsonInt(cp.size),
    });
  });

  app.get('/api/v1/log/proof', async (req, reply) => {
    const log = requireLog(s);
    const q = req.query as Record<string, unknown>;
    checkTreeId(s, q.treeID);
    const lastSize = parseSizeParam('lastSize', q.lastSize, 1n);
    if (lastSize === undefined) throw new ProvenantError('invalid_argument', 'lastSize is required');
    const firstSize = parseSizeParam('firstSize', q.firstSize, 1n) ?? 1n;
    if (firstSize > lastSize) throw new ProvenantError('invalid_argument', `firstSize(${firstSize}) must be less than lastSize(${lastSize})`);
    // Pin one committed state for the whole answer.
    const cp = log.checkpoint;
    if (lastSize > cp.size) {
      throw new ProvenantError('invalid_argument', `the tree size requested(${lastSize}) was greater than what is currently observable(${cp.size})`);
    }
    const hashes = await log.consistencyProof(firstSize, lastSize);
    // Rekor answers with its latest root; we answer with the root at lastSize, which is the same
    // value whenever lastSize is the current size and is the one a verifier needs otherwise.
    const rootHash = lastSize === cp.size ? cp.root : await log.rootAt(lastSize);
    reply.header('Cache-Control', 'no-cache');
    return reply.send({ rootHash: hex(rootHash), hashes: hashes.map(hex) });
  });

  app.get('/api/v1/log/publicKey', async (req, reply) => {
    const log = requireLog(s);
    checkTreeId(s, (req.query as Record<string, unknown>).treeID);
    return reply.type('application/x-pem-file').send(log.signer.publicKeyPem);
  });
}
