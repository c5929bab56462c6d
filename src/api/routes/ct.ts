import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CertificateTransparencyLog } from '../../ct/log.ts';
import { toAddChainResponse } from '../../ct/sct.ts';
import { ProvenantError } from '../../errors.ts';

/**
 * The CA's certificate-transparency log, RFC 6962 §4 under /ct/v1/ (the trusted root's ctlogs[]
 * baseUrl is <public URL>/ct):
 *
 * - POST add-chain, add-pre-chain   {chain: [base64 DER, …]} → {sct_version, id, timestamp, extensions, signature}
 *   Only certificates issued by this CA are accepted (400 otherwise).
 * - GET get-sth                     {tree_size, timestamp, sha256_root_hash, tree_head_signature}
 * - GET get-sth-consistency?first=&second=      {consistency: [base64]}
 * - GET get-proof-by-hash?hash=&tree_size=      {leaf_index, audit_path: [base64]}
 * - GET get-entries?start=&end=                 {entries: [{leaf_input, extra_data}]} (at most 256)
 * - GET get-roots                               {certificates: [base64 DER]}
 *
 * Malformed parameters are 400 {code, message}; an unknown leaf hash is 404.
 */

export const CT_BODY_LIMIT = 256 * 1024;
const MAX_INT64 = (1n << 63n) - 1n;

const b64 = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');
const bad = (m: string) => new ProvenantError('invalid_argument', m);

/** `log` may be a getter (see registerCaRoutes); until it returns a log every route answers 503. */
export function registerCtRoutes(app: FastifyInstance, log: CertificateTransparencyLog | (() => CertificateTransparencyLog | undefined)): void {
  const get = (): CertificateTransparencyLog => {
    const l = typeof log === 'function' ? log() : log;
    if (!l) throw new ProvenantError('unavailable', 'the certificate-transparency log is starting', { retryAfterSeconds: 1 });
    return l;
  };
  app.post('/ct/v1/add-chain', { bodyLimit: CT_BODY_LIMIT }, async (request, reply) =>
    reply.code(200).type('application/json').send(toAddChainResponse(await get().addChain(chainOf(request.body)))),
  );

  app.post('/ct/v1/add-pre-chain', { bodyLimit: CT_BODY_LIMIT }, async (request, reply) =>
    reply.code(200).type('application/json').send(toAddChainResponse(await get().addPreChain(chainOf(request.body)))),
  );

  app.get('/ct/v1/get-sth', async (_request, reply) => {
    const sth = get().getSth();
    return reply.code(200).type('application/json').send({
      tree_size: Number(sth.treeSize),
      timestamp: Number(sth.timestamp),
      sha256_root_hash: b64(sth.rootHash),
      tree_head_signature: b64(sth.signature),
    });
  });

  app.get('/ct/v1/get-sth-consistency', async (request, reply) => {
    const q = query(request);
    const proof = await get().consistencyProof(int(q, 'first'), int(q, 'second'));
    return reply.code(200).type('application/json').send({ consistency: proof.map(b64) });
  });

  app.get('/ct/v1/get-proof-by-hash', async (request, reply) => {
    const q = query(request);
    const hash = param(q, 'hash');
    // Query strings turn '+' into ' '; ctfe accepts the damaged form too.
    const normalized = hash.replace(/ /g, '+');
    if (!/^[A-Za-z0-9+/]{43}=$/.test(normalized)) throw bad('hash must be a base64 SHA-256 leaf hash');
    const { leafIndex, auditPath } = await get().proofByHash(new Uint8Array(Buffer.from(normalized, 'base64')), int(q, 'tree_size'));
    return reply.code(200).type('application/json').send({ leaf_index: Number(leafIndex), audit_path: auditPath.map(b64) });
  });

  app.get('/ct/v1/get-entries', async (request, reply) => {
    const q = query(request);
    const entries = await get().getEntries(int(q, 'start'), int(q, 'end'));
    return reply
      .code(200)
      .type('application/json')
      .send({ entries: entries.map((e) => ({ leaf_input: b64(e.leafInput), extra_data: b64(e.extraData) })) });
  });

  app.get('/ct/v1/get-roots', async (_request, reply) => reply.code(200).type('application/json').send({ certificates: get().roots().map(b64) }));
}

function query(request: FastifyRequest): Record<string, unknown> {
  return (request.query ?? {}) as Record<string, unknown>;
}

function param(q: Record<string, unknown>, name: string): string {
  const v = q[name];
  if (v === undefined) throw bad(`missing parameter ${name}`);
  if (typeof v !== 'string') throw bad(`parameter ${name} is given more than once`);
  return v;
}

function int(q: Record<string, unknown>, name: string): bigint {
  const v = param(q, name);
  if (!/^\d{1,19}$/.test(v)) throw bad(`parameter ${name} must be a non-negative decimal integer, got ${JSON.stringify(v)}`);
  const n = BigInt(v);
  if (n > MAX_INT64) throw bad(`parameter ${name} is out of range`);
  return n;
}

function chainOf(body: unknown): Uint8Array[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad('body must be a JSON object {"chain": [...]}');
  const chain = (body as { chain?: unknown }).chain;
  if (!Array.isArray(chain) || chain.length === 0) throw bad('chain must be a non-empty array of base64 DER certificates');
  return chain.map((c, i) => {
    if (typeof c !== 'string' || c.length === 0 || c.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(c)) throw bad(`chain[${i}] is not standard base64`);
    return new Uint8Array(Buffer.from(c, 'base64'));
  });
}
