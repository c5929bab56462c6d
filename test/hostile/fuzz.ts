/**
 * fast-check mutation fuzzing (issue 10, "Tests"): valid requests, mutated (byte flips,
 * truncation, field deletion and duplication, type swaps, base64 of mutated bytes, huge values),
 * sent to the live instance. Every answer must be below 500, every non-2xx a {code, message}
 * body, and a tree may grow only by the requests it accepted (Rekor log: one entry per 201; CT
 * log: at most one per 2xx of add-chain, one per certificate issued).
 *
 * Runs are reproducible: the seed is fixed (HOSTILE_FUZZ_SEED overrides it) and fast-check prints
 * the seed, path and counterexample of a failure; HOSTILE_FUZZ_RUNS sets the runs per target.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { errorBodyProblems, freshHashedrekord, type HostileRequest } from '../helpers/hostile.ts';
import type { Ctx } from './cases.ts';
import * as P from './payloads.ts';

const SEED = Number(process.env.HOSTILE_FUZZ_SEED ?? 0x1510);
const RUNS = Number(process.env.HOSTILE_FUZZ_RUNS ?? 100);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface FuzzTarget {
  name: string;
  /** A fresh valid request (bodies as objects; DER as bytes). */
  seed: (c: Ctx) => Promise<Seed> | Seed;
  /** Which tree an accepted answer may grow, and by how much at most. */
  grows?: { tree: 'rekor' | 'ct'; perAccepted: 'exactly' | 'at most' };
  numRuns?: number;
}

type Seed =
  | { kind: 'json'; path: string; body: Json; headers?: Record<string, string> }
  | { kind: 'der'; path: string; body: Uint8Array; contentType: string }
  | { kind: 'query'; path: string };

// --- mutations ----------------------------------------------------------------------------------------

type BytesMutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; len: number }
  | { op: 'repeat'; at: number; len: number; times: number }
  | { op: 'set'; at: number; byte: number };

const bytesMutation: fc.Arbitrary<BytesMutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('repeat' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }), times: fc.integer({ min: 2, max: 2000 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.constantFrom(0x00, 0x30, 0x80, 0x81, 0x84, 0xff, 0x22, 0x5c, 0x7b, 0x5b) }),
);

function mutateBytes(input: Uint8Array, m: BytesMutation): Buffer {
  const b = Buffer.from(input);
  if (b.length === 0) return m.op === 'insert' ? Buffer.from(m.bytes) : b;
  const at = m.at % b.length;
  switch (m.op) {
    case 'flip':
      b[at] = b[at]! ^ (1 << m.bit);
      return b;
    case 'truncate':
      return b.subarray(0, at);
    case 'insert':
      return Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
    case 'delete':
      return Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
    case 'repeat': {
      const piece = b.subarray(at, at + m.len);
      return Buffer.concat([b.subarray(0, at), ...Array(m.times).fill(piece), b.subarray(at)]);
    }
    case 'set':
      b[at] = m.byte;
      return b;
  }
}

/** Replacement values: other JSON types, boundary numbers, and huge values within the body limits. */
const swapValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 1e308, -1e308, 9007199254740993, 18446744073709551616, '', '0x10', [], {}, [[]], { '': '' }),
  fc.constantFrom<Json>('A'.repeat(60_000), 'é'.repeat(20_000), ' '.repeat(60_000), '\u0000'.repeat(1000), '-----BEGIN PUBLIC KEY-----\n'.repeat(500)),
  fc.integer({ min: 1, max: 5000 }).map((n) => Array<Json>(n).fill(0)),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
);

type JsonMutation =
  | { op: 'delete'; at: number }
  | { op: 'swap'; at: number; value: Json }
  | { op: 'string'; at: number; m: BytesMutation }
  | { op: 'base64'; at: number; m: BytesMutation }
  | { op: 'add'; at: number; key: string; value: Json }
  | { op: 'wrap'; at: number; depth: number }
  | { op: 'text'; m: BytesMutation }
  | { op: 'duplicateKey'; at: number };

const jsonMutation: fc.Arbitrary<JsonMutation> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('swap' as const), at: fc.nat(), value: swapValue }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('string' as const), at: fc.nat(), m: bytesMutation }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('base64' as const), at: fc.nat(), m: bytesMutation }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('add' as const), at: fc.nat(), key: fc.constantFrom('x', '__proto__', 'constructor', 'kind', 'spec', 'sig', 'publicKey', 'chain', ''), value: swapValue }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('wrap' as const), at: fc.nat(), depth: fc.integer({ min: 1, max: 20_000 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('text' as const), m: bytesMutation }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicateKey' as const), at: fc.nat() }) },
);

type Path = (string | number)[];

/** Every path to a value inside `v` (the root included), strings inside JSON-in-strings not followed. */
function paths(v: Json, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

function getAt(v: Json, p: Path): Json {
  return p.reduce<Json>((o, k) => (o as Record<string | number, Json>)[k]!, v);
}

/** `v` with the value at `p` replaced by `f(old)` (undefined deletes it). */
function setAt(v: Json, p: Path, f: (old: Json) => Json | undefined): Json | undefined {
  if (p.length === 0) return f(v);
  const [k, ...rest] = p;
  if (Array.isArray(v)) {
    const copy = [...v];
    const inner = setAt(copy[k as number]!, rest, f);
    if (inner === undefined) copy.splice(k as number, 1);
    else copy[k as number] = inner;
    return copy;
  }
  const o = { ...(v as Record<string, Json>) };
  const inner = setAt(o[k as string]!, rest, f);
  if (inner === undefined) delete o[k as string];
  else o[k as string] = inner;
  return o;
}

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;
const WRAP_MARK = '\u0000wrap\u0000';

/** Applies `ms` to `body`; returns the request text (some mutations only exist as text). */
function mutateJson(body: Json, ms: JsonMutation[]): Buffer {
  let v: Json = body;
  let text: Buffer | undefined;
  for (const m of ms) {
    if (text !== undefined) {
      // Once the body is text, only text mutations apply.
      if (m.op === 'text') text = mutateBytes(text, m.m);
      continue;
    }
    const ps = paths(v);
    const p = 'at' in m ? ps[m.at % ps.length]! : [];
    switch (m.op) {
      case 'delete':
        v = setAt(v, p, () => undefined) ?? null;
        break;
      case 'swap':
        v = setAt(v, p, () => m.value) ?? null;
        break;
      case 'string':
        v = setAt(v, p, (old) => (typeof old === 'string' ? mutateBytes(Buffer.from(old, 'utf8'), m.m).toString('utf8') : old)) ?? null;
        break;
      case 'base64':
        // A base64 field: decode, mutate the bytes, re-encode (what a decoder past the base64 sees).
        v = setAt(v, p, (old) => (typeof old === 'string' && B64.test(old) ? mutateBytes(Buffer.from(old, 'base64'), m.m).toString('base64') : old)) ?? null;
        break;
      case 'add':
        v = setAt(v, p, (old) => (old !== null && typeof old === 'object' && !Array.isArray(old) ? { ...old, [m.key]: m.value } : Array.isArray(old) ? [...old, m.value] : old)) ?? null;
        break;
      case 'wrap': {
        // Nesting is built as text: a deep value cannot go through JSON.stringify here.
        const target = JSON.stringify(getAt(v, p));
        const outer = JSON.stringify(setAt(v, p, () => WRAP_MARK));
        text = Buffer.from(outer.replace(JSON.stringify(WRAP_MARK), () => '['.repeat(m.depth) + target + ']'.repeat(m.depth)), 'utf8');
        break;
      }
      case 'text':
        text = mutateBytes(Buffer.from(JSON.stringify(v), 'utf8'), m.m);
        break;
      case 'duplicateKey': {
        // {"k": a, …} → {"k": a, "k": a, …} for one key (JSON parsers keep the last).
        const s = JSON.stringify(v);
        const keys = [...s.matchAll(/"([^"\\]{1,40})":/g)];
        if (keys.length === 0) break;
        const k = keys[m.at % keys.length]!;
        const valueStart = k.index! + k[0].length;
        const val = JSON.stringify(getAt(v, pathOfKey(v, k[1]!) ?? []));
        text = Buffer.from(`${s.slice(0, valueStart)}${val},${k[0]}${s.slice(valueStart)}`, 'utf8');
        break;
      }
    }
  }
  return text ?? Buffer.from(JSON.stringify(v) ?? 'null', 'utf8');
}

function pathOfKey(v: Json, key: string): Path | undefined {
  return paths(v).find((p) => p[p.length - 1] === key);
}

// --- targets ------------------------------------------------------------------------------------------

const b64 = (b: Uint8Array | string) => Buffer.from(b).toString('base64');

export function fuzzTargets(): FuzzTarget[] {
  const json = (path: string, body: Json, headers?: Record<string, string>): Seed => ({ kind: 'json', path, body, ...(headers ? { headers } : {}) });
  return [
    { name: 'POST /api/v1/log/entries hashedrekord', seed: () => json('/api/v1/log/entries', freshHashedrekord() as Json), grows: { tree: 'rekor', perAccepted: 'exactly' } },
    { name: 'POST /api/v1/log/entries dsse', seed: () => json('/api/v1/log/entries', P.validDsse() as Json), grows: { tree: 'rekor', perAccepted: 'exactly' } },
    { name: 'POST /api/v1/log/entries/retrieve by UUID and logIndex', seed: (c) => json('/api/v1/log/entries/retrieve', { entryUUIDs: [c.uuid, c.uuid.slice(16)], logIndexes: [0, 1] }) },
    { name: 'POST /api/v1/log/entries/retrieve by entry', seed: () => json('/api/v1/log/entries/retrieve', { entries: [freshHashedrekord() as Json, P.validDsse() as Json] }) },
    { name: 'POST /api/v1/index/retrieve by hash and email', seed: () => json('/api/v1/index/retrieve', { hash: `sha256:${'ab'.repeat(32)}`, email: 'someone@example.com', operator: 'or' }) },
    { name: 'POST /api/v1/index/retrieve by public key', seed: (c) => json('/api/v1/index/retrieve', { publicKey: { format: 'x509', content: b64(c.key.pem) } }) },
    {
      name: 'POST /api/v2/signingCert',
      seed: async (c) => {
        const email = `fuzz-${Math.random().toString(36).slice(2)}@example.com`;
        return json('/api/v2/signingCert', { credentials: { oidcIdentityToken: await c.h.token(email) }, publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: c.key.pem }, proofOfPossession: c.key.prove(email) } });
      },
      grows: { tree: 'ct', perAccepted: 'exactly' },
    },
    {
      name: 'POST /api/v1/signingCert',
      seed: async (c) => {
        const email = `fuzz-${Math.random().toString(36).slice(2)}@example.com`;
        return json('/api/v1/signingCert', { publicKey: { algorithm: 'ecdsa', content: b64(c.key.pem) }, signedEmailAddress: c.key.prove(email) }, { authorization: `Bearer ${await c.h.token(email)}` });
      },
      grows: { tree: 'ct', perAccepted: 'exactly' },
    },
    { name: 'POST /api/v1/timestamp JSON', seed: () => json('/api/v1/timestamp', { ...P.timestampJson(), nonce: 1234567890123, certificates: true }) },
    { name: 'POST /api/v1/timestamp DER', seed: () => ({ kind: 'der', path: '/api/v1/timestamp', body: P.timestampReqDer(), contentType: 'application/timestamp-query' }) },
    { name: 'POST /ct/v1/add-chain', seed: (c) => json('/ct/v1/add-chain', { chain: [c.leafB64, ...c.caChainB64] }), grows: { tree: 'ct', perAccepted: 'at most' } },
    { name: 'POST /ct/v1/add-pre-chain', seed: (c) => json('/ct/v1/add-pre-chain', { chain: [c.leafB64, ...c.caChainB64] }), grows: { tree: 'ct', perAccepted: 'at most' } },
    // Finds the 500 on nested claims (JSON.stringify overflows) within its first runs.
    { name: 'POST /dev/oidc/token', seed: () => json('/dev/oidc/token', { sub: 'alice', email: 'alice@example.com', email_verified: true, groups: ['a', 'b'] }) },
    { name: 'GET query strings (log, proof, entries, CT)', seed: () => ({ kind: 'query', path: '/api/v1/log/proof?firstSize=1&lastSize=2&treeID=1' }) },
    { name: 'GET query strings (CT)', seed: () => ({ kind: 'query', path: '/ct/v1/get-entries?start=0&end=1' }) },
  ];
}

// --- the property ---------------------------------------------------------------------------------------

function requestOf(seed: Seed, ms: JsonMutation[], bm: BytesMutation[]): HostileRequest {
  switch (seed.kind) {
    case 'json':
      return { path: seed.path, body: mutateJson(seed.body, ms), ...(seed.headers ? { headers: seed.headers } : {}) };
    case 'der':
      return { path: seed.path, body: bm.reduce<Uint8Array>((b, m) => mutateBytes(b, m), seed.body), contentType: seed.contentType };
    case 'query': {
      // Mutate the query string's bytes; keep it a valid URL by percent-encoding what must be.
      const [path, query] = seed.path.split('?') as [string, string];
      const q = bm.reduce<Uint8Array>((b, m) => mutateBytes(b, m), Buffer.from(query, 'latin1'));
      const enc = [...q].map((c) => (c >= 0x21 && c <= 0x7e && c !== 0x23 && c !== 0x25 ? String.fromCharCode(c) : `%${c.toString(16).padStart(2, '0')}`)).join('');
      return { path: `${path}?${enc}`.slice(0, 8192) };
    }
  }
}

export async function runFuzz(c: Ctx, t: FuzzTarget): Promise<void> {
  const h = c.h;
  const trees = () => ({ rekor: h.live.instance.log.checkpoint, ct: h.live.instance.ctLog.checkpoint });
  const rowsBefore = (await h.snapshot()).rows;
  const startSizes = { rekor: h.live.instance.log.size, ct: h.live.instance.ctLog.size };
  let accepted = 0;
  let maxMs = 0;
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(fc.array(jsonMutation, { minLength: 1, maxLength: 3 }), fc.array(bytesMutation, { minLength: 1, maxLength: 3 }), async (ms, bm) => {
      const seed = await t.seed(c);
      const req = requestOf(seed, ms, bm);
      const before = trees();
      const a = await h.send(req);
      const after = trees();
      maxMs = Math.max(maxMs, a.ms);
      statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      const where = `${req.path.slice(0, 80)} ${Buffer.isBuffer(req.body) ? (req.body as Buffer).subarray(0, 300).toString('latin1') : ''}`;
      assert.ok(a.status >= 200 && a.status < 500, `status ${a.status}${a.error ? ` (${a.error})` : ''} for ${where}: ${a.text.slice(0, 300)}`);
      const ok = a.status < 300;
      if (!ok && !(a.status === 404 && a.text === '' && req.method === undefined && req.body === undefined)) {
        const problems = errorBodyProblems(a);
        assert.deepEqual(problems, [], `${a.status} for ${where}`);
      }
      if (ok) accepted++;
      for (const tree of ['rekor', 'ct'] as const) {
        const grew = after[tree].size - before[tree].size;
        // Another tree's writers are idle during a run: growth here is ours.
        const allowed = ok && t.grows?.tree === tree ? 1n : 0n;
        if (t.grows?.perAccepted === 'exactly' && allowed === 1n) assert.equal(grew, 1n, `${tree} tree after an accepted ${where}`);
        else assert.ok(grew <= allowed, `${tree} tree grew by ${grew} after ${a.status} ${where}`);
        if (grew === 0n) assert.deepEqual(after[tree].root, before[tree].root, `${tree} root changed without growth`);
      }
    }),
    { seed: SEED, numRuns: t.numRuns ?? RUNS, endOnFailure: true },
  );
  // Storage agrees with the trees: rows for exactly the entries the trees gained.
  const rowsAfter = (await h.snapshot()).rows;
  const gained = h.live.instance.log.size - startSizes.rekor + (h.live.instance.ctLog.size - startSizes.ct);
  assert.equal(BigInt(rowsAfter.entries!) - BigInt(rowsBefore.entries!), gained, 'entry rows vs tree growth');
  console.log(`# fuzz ${t.name}: ${t.numRuns ?? RUNS} runs, ${accepted} accepted, statuses ${JSON.stringify(Object.fromEntries(statuses))}, slowest ${Math.round(maxMs)} ms`);
}
