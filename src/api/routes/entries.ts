/**
 * Rekor v1 entries API: create (POST /api/v1/log/entries), reads by index and UUID, batch
 * retrieve, and the search index. LogEntry = { "<entryUUID>": LogEntryAnon }; the body is the
 * stored canonical bytes (never re-serialised) and every entry carries an inclusion proof and SET.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { parseClientVerifier } from '../../crypto/public-key.ts';
import { decodeBase64Go } from '../../encoding/base64.ts';
import { ProvenantError } from '../../errors.ts';
import type { AlgorithmPolicy } from '../../log/kinds/index.ts';
import { VerifierPool } from '../../log/kinds/verifier-pool.ts';
import type { TransparencyLog } from '../../log/log.ts';
import type { StoredEntry } from '../../log/store.ts';
import { entryUUID, type SignedCheckpoint } from '../../log/types.ts';
import { requireLog, type Services } from '../server.ts';
import { jsonInt, parseSizeParam } from './log.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** Rekor's limit on SearchLogQuery: each array and all of them together hold at most 10 items. */
export const MAX_RETRIEVE = 10;
/** Most UUIDs one index search returns (Rekor has no paging; neither do we, so the cap is documented). */
export const MAX_SEARCH_RESULTS = 1000;

/** Builds a Rekor LogEntry from the stored bytes and a proof to `cp` (default: the current checkpoint). */
export async function toLogEntry(
  log: TransparencyLog,
  e: StoredEntry,
  cp: SignedCheckpoint = log.checkpoint,
  proof?: Promise<Uint8Array[]>,
): Promise<Record<string, unknown>> {
  const hashes = await (proof ?? log.inclusionProof(e.leafIndex, cp.size));
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

const UUID_RE = /^([0-9a-fA-F]{64}|[0-9a-fA-F]{80})$/;

/** The leaf hash named by a 64- or 80-hex UUID, or undefined when it names another tree. */
function leafHashOf(log: TransparencyLog, uuid: unknown, where: string): Uint8Array | undefined {
  if (typeof uuid !== 'string' || !UUID_RE.test(uuid)) {
    throw new ProvenantError('schema_violation', `${where} must match ${UUID_RE.source}`);
  }
  if (uuid.length === 80 && BigInt(`0x${uuid.slice(0, 16)}`) !== log.treeId) return undefined;
  return Buffer.from(uuid.slice(-64), 'hex');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface EntryRouteOptions {
  policy: AlgorithmPolicy;
  /**
   * Verifier threads decoding the proposed entries of POST /api/v1/log/entries and
   * /api/v1/log/entries/retrieve. 0: decode on the event loop (tests only).
   */
  verifyWorkers: number;
  /** Per-entry verification deadline, ms (default DEFAULT_JOB_DEADLINE_MS); beyond → 503. */
  verifyDeadlineMs?: number;
  /** Entries that may wait for a verifier thread (default DEFAULT_MAX_QUEUED_JOBS); beyond → 503. */
  verifyMaxQueued?: number;
  /** Body limit of POST /api/v1/log/entries (413 beyond). */
  maxEntryBodyBytes: number;
}

export function registerEntryRoutes(app: FastifyInstance, s: Services, opts: EntryRouteOptions): void {
  const pool = new VerifierPool({
    size: opts.verifyWorkers,
    policy: opts.policy,
    jobDeadlineMs: opts.verifyDeadlineMs,
    maxQueuedJobs: opts.verifyMaxQueued,
    onWorkerFault: (what, detail) => app.log.warn({ what, detail }, 'entry verifier worker replaced'),
  });
  app.addHook('onClose', () => pool.close());
  // Encapsulated: this route takes the raw JSON bytes; parsing and verification happen on a verifier thread.
  void app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: opts.maxEntryBodyBytes }, (_req, body, done) => done(null, body));
    scope.post('/api/v1/log/entries', { bodyLimit: opts.maxEntryBodyBytes }, async (req, reply) => {
    const log = requireLog(s);
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new ProvenantError('invalid_argument', 'request body is empty');
    // Verifies the signature and builds the canonical body exactly as Rekor does (untrusted input).
    const entry = await pool.decode(req.body);
    const r = await log.append({ body: entry.body, kind: entry.kind, indexKeys: entry.indexKeys });
    const uuid = entryUUID(log.treeId, r.leafHash);
    const location = `/api/v1/log/entries/${uuid}`;
    if (r.duplicate) {
      throw new ProvenantError('already_exists', `an equivalent entry already exists in the transparency log with UUID ${uuid}`, { location });
    }
    const stored: StoredEntry = { leafIndex: r.leafIndex, leafHash: r.leafHash, body: entry.body, kind: entry.kind, integratedTime: r.integratedTime, setSig: r.setSig, extraData: null };
    const body = await toLogEntry(log, stored, r.checkpoint);
    return reply.code(201).header('ETag', uuid).header('Location', location).send(body);
    });
  });

  app.get('/api/v1/log/entries', async (req, reply) => {
    const log = requireLog(s);
    const logIndex = parseSizeParam('logIndex', (req.query as Record<string, unknown>).logIndex);
    if (logIndex === undefined) throw new ProvenantError('invalid_argument', 'logIndex is required');
    const cp = log.checkpoint;
    if (logIndex >= cp.size) return reply.code(404).send(); // Rekor: 404 with an empty body
    // The entry row and the proof's tiles are read concurrently: the index is known up front.
    const [hashes, [e]] = await Promise.all([log.inclusionProof(logIndex, cp.size), log.store.entriesByIndex(log.treeId, [logIndex])]);
    if (!e) return reply.code(404).send();
    return reply.send(await toLogEntry(log, e, cp, Promise.resolve(hashes)));
  });

  app.get('/api/v1/log/entries/:entryUUID', async (req, reply) => {
    const log = requireLog(s);
    const uuid = (req.params as Record<string, string>).entryUUID;
    if (typeof uuid !== 'string' || !UUID_RE.test(uuid)) throw new ProvenantError('invalid_argument', `entryUUID must be 64 or 80 hex characters`);
    const hash = leafHashOf(log, uuid, 'entryUUID');
    const [e] = hash ? await log.store.entriesByLeafHash(log.treeId, [hash]) : [];
    if (!e || e.leafIndex >= log.checkpoint.size) return reply.code(404).send();
    return reply.send(await toLogEntry(log, e));
  });

  app.post('/api/v1/log/entries/retrieve', async (req, reply) => {
    const log = requireLog(s);
    const q = req.body;
    if (!isObject(q)) throw new ProvenantError('schema_violation', 'body must be a SearchLogQuery object');
    for (const k of Object.keys(q)) {
      if (!['entryUUIDs', 'logIndexes', 'entries'].includes(k)) throw new ProvenantError('schema_violation', `unknown field ${JSON.stringify(k)} in SearchLogQuery`);
    }
    const lists = ['entryUUIDs', 'logIndexes', 'entries'] as const;
    let total = 0;
    for (const k of lists) {
      const v = q[k];
      if (v === undefined) continue;
      if (!Array.isArray(v)) throw new ProvenantError('schema_violation', `${k} in body must be of type array`);
      if (v.length < 1 || v.length > MAX_RETRIEVE) throw new ProvenantError('schema_violation', `${k} in body should have between 1 and ${MAX_RETRIEVE} items`);
      total += v.length;
    }
    if (total > MAX_RETRIEVE) throw new ProvenantError('schema_violation', `maximum of ${MAX_RETRIEVE} total queries can be submitted at once`);
    const hashes: Uint8Array[] = [];
    for (const u of (q.entryUUIDs as unknown[] | undefined) ?? []) {
      const h = leafHashOf(log, u, 'entryUUIDs');
      if (h) hashes.push(h);
    }
    // Proposed entries are canonicalised — and so re-verified, as Rekor's SearchLogQuery does — and
    // looked up by leaf hash. Attacker-supplied: decoded on the verifier threads like a create, never
    // here; the first failure in request order answers, as a sequential decode would.
    const decoded = await Promise.allSettled(((q.entries as unknown[] | undefined) ?? []).map((pe, i) => pool.decode(entryJson(pe, i))));
    for (const d of decoded) {
      if (d.status === 'rejected') throw d.reason;
      hashes.push(createHash('sha256').update(Buffer.from([0])).update(d.value.body).digest());
    }
    const indexes: bigint[] = [];
    for (const i of (q.logIndexes as unknown[] | undefined) ?? []) {
      if (typeof i !== 'number' || !Number.isSafeInteger(i) || i < 0) throw new ProvenantError('schema_violation', 'logIndexes must hold integers ≥ 0');
      indexes.push(BigInt(i));
    }
    const size = log.checkpoint.size;
    const byHash = await log.store.entriesByLeafHash(log.treeId, hashes);
    const found = new Map(byHash.map((e) => [hex(e.leafHash), e]));
    const out: StoredEntry[] = [];
    for (const h of hashes) {
      const e = found.get(hex(h));
      if (e && e.leafIndex < size) out.push(e); // not-found items are skipped, as Rekor does
    }
    const byIndex = new Map((await log.store.entriesByIndex(log.treeId, indexes.filter((i) => i < size))).map((e) => [e.leafIndex, e]));
    for (const i of indexes) {
      const e = byIndex.get(i as StoredEntry['leafIndex']);
      if (e) out.push(e);
    }
    return reply.send(await Promise.all(out.map((e) => toLogEntry(log, e))));
  });

  app.post('/api/v1/index/retrieve', async (req, reply) => {
    const log = requireLog(s);
    const { groups, operator } = searchKeys(req.body);
    const indices = await log.store.searchIndex(log.treeId, groups, operator, MAX_SEARCH_RESULTS);
    const size = log.checkpoint.size;
    const entries = await log.store.entriesByIndex(log.treeId, indices.filter((i) => i < size));
    entries.sort((a, b) => (a.leafIndex < b.leafIndex ? -1 : 1));
    return reply.send(entries.map((e) => entryUUID(log.treeId, e.leafHash)));
  });
}

/** One `entries` item back to JSON bytes for a verifier thread (the body was parsed by fastify). */
function entryJson(pe: unknown, i: number): Uint8Array {
  try {
    return Buffer.from(JSON.stringify(pe) ?? 'null', 'utf8');
  } catch (e) {
    // Only a nesting too deep for JSON.stringify's recursion gets here.
    if (e instanceof RangeError) throw new ProvenantError('invalid_argument', `entries[${i}] is nested too deeply`);
    throw e;
  }
}

const HASH_RE = /^(?:(sha512:)?[0-9a-fA-F]{128}|(sha384:)?[0-9a-fA-F]{96}|(sha256:)?[0-9a-fA-F]{64}|(sha1:)?[0-9a-fA-F]{40})$/;
const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;

/**
 * SearchIndex → index keys. Each criterion is a group of alternative keys (a public key matches
 * both the hashedrekord key "<hex>" and the dsse/intoto key "sha256:<hex>", Rekor's quirk); `and`
 * needs one key of every group, `or` any key of any group.
 */
export function searchKeys(body: unknown): { groups: string[][]; operator: 'and' | 'or' } {
  if (!isObject(body)) throw new ProvenantError('schema_violation', 'body must be a SearchIndex object');
  for (const k of Object.keys(body)) {
    if (!['email', 'subject', 'publicKey', 'hash', 'operator'].includes(k)) throw new ProvenantError('schema_violation', `unknown field ${JSON.stringify(k)} in SearchIndex`);
  }
  const groups: string[][] = [];
  if (body.operator !== undefined && body.operator !== 'and' && body.operator !== 'or') {
    throw new ProvenantError('schema_violation', 'operator in body should be one of [and or]');
  }
  if (body.email !== undefined) {
    if (typeof body.email !== 'string' || !EMAIL_RE.test(body.email) || body.email.length > 512) throw new ProvenantError('schema_violation', 'email in body must be of type email');
    groups.push([body.email.toLowerCase()]);
  }
  if (body.subject !== undefined) {
    if (typeof body.subject !== 'string' || body.subject.length < 1 || body.subject.length > 512) throw new ProvenantError('schema_violation', 'subject in body should be 1 to 512 characters');
    groups.push([body.subject.toLowerCase()]);
  }
  if (body.hash !== undefined) {
    if (typeof body.hash !== 'string' || !HASH_RE.test(body.hash)) throw new ProvenantError('schema_violation', `hash in body should match '${HASH_RE.source}'`);
    const h = body.hash.toLowerCase();
    const prefixed = h.includes(':') ? h : `${({ 128: 'sha512', 96: 'sha384', 64: 'sha256', 40: 'sha1' } as Record<number, string>)[h.length]}:${h}`;
    groups.push([prefixed]);
  }
  if (body.publicKey !== undefined) {
    const pk = body.publicKey;
    if (!isObject(pk)) throw new ProvenantError('schema_violation', 'publicKey in body must be an object');
    if (pk.format !== 'x509') {
      if (['pgp', 'minisign', 'ssh', 'tuf'].includes(pk.format as string)) throw new ProvenantError('invalid_argument', `publicKey format ${pk.format} is not supported by this server; use x509 (PEM public key or certificate)`);
      throw new ProvenantError('schema_violation', 'publicKey.format in body should be one of [pgp x509 minisign ssh tuf]');
    }
    if (pk.url !== undefined) throw new ProvenantError('invalid_argument', 'publicKey.url is not supported: send the key in content');
    if (typeof pk.content !== 'string' || pk.content.length === 0) throw new ProvenantError('schema_violation', 'publicKey.content in body is required');
    let pem: Uint8Array;
    try {
      pem = decodeBase64Go(pk.content, 'std');
    } catch {
      throw new ProvenantError('invalid_argument', 'publicKey.content is not valid base64');
    }
    let canonical: Uint8Array;
    try {
      canonical = parseClientVerifier(pem).canonicalPemBytes;
    } catch (e) {
      throw new ProvenantError('invalid_argument', `publicKey.content is not a PEM public key or certificate: ${(e as Error).message}`);
    }
    const keyHash = createHash('sha256').update(canonical).digest('hex');
    groups.push([keyHash, `sha256:${keyHash}`]);
  }
  if (groups.length === 0) throw new ProvenantError('invalid_argument', 'at least one of email, subject, publicKey or hash is required');
  return { groups, operator: body.operator === 'and' ? 'and' : 'or' };
}
