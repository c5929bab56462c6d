/**
 * The hostile cases, endpoint by endpoint (issue 10, "Tests"). Each case is a request and what a
 * hardened server answers; hostile.test.ts runs each through expectHostile. Attack sizes are named
 * in payloads.ts with what each cost before the fixes of issue 10.
 */
import { randomBytes } from 'node:crypto';
import { freshHashedrekord, type HostileExpectation, type HostileRequest, type HostileServer } from '../helpers/hostile.ts';
import { clientKey } from '../ca/helpers.ts';
import * as P from './payloads.ts';

export interface Ctx {
  h: HostileServer;
  /** UUID and index of an entry in the log. */
  uuid: string;
  /** The CA's chain [intermediate, root] and a final certificate it issued, base64 DER. */
  caChainB64: string[];
  leafB64: string;
  key: ReturnType<typeof clientKey>;
}

export interface HostileCase {
  name: string;
  req: HostileRequest | ((c: Ctx) => HostileRequest | Promise<HostileRequest>);
  expect: HostileExpectation;
}

export const requestOf = (c: HostileCase, ctx: Ctx): HostileRequest | Promise<HostileRequest> => (typeof c.req === 'function' ? c.req(ctx) : c.req);


const b64 = (b: Uint8Array | string) => Buffer.from(b).toString('base64');
const KiB = 1024;
const MiB = 1024 * KiB;
/** fastify's default body limit (src/api/server.ts), used by the routes that set none. */
const DEFAULT_LIMIT = MiB;

// --- every JSON route -------------------------------------------------------------------------------

interface JsonRoute {
  path: string;
  /** Body limit: 413 beyond. */
  limit: number;
  /** Statuses for well-formed JSON of the wrong shape (Rekor's 422 schema errors, Fulcio's 400/401…). */
  reject: readonly number[];
  /** Top-level fields of a request, for nesting and huge values. */
  fields: readonly string[];
  valid: (c: Ctx) => Record<string, unknown> | Promise<Record<string, unknown>>;
  headers?: (c: Ctx) => Promise<Record<string, string>>;
  /** Statuses for a body beyond a smaller limit the route checks itself (TSA JSON: 1 KiB → 400). */
  innerLimit?: number;
  /** Fields of `valid` whose value, replaced by another JSON type, makes the request invalid. */
  swap: readonly string[];
  /** JSON bodies the route legitimately accepts among the generic ones (200). */
  okBodies?: readonly string[];
}

const bearer = async (c: Ctx) => ({ authorization: `Bearer ${await c.h.token()}` });

export const JSON_ROUTES: readonly JsonRoute[] = [
  {
    path: '/api/v1/log/entries',
    limit: 4 * MiB,
    reject: [400, 422],
    fields: ['kind', 'spec'],
    swap: ['kind', 'spec'],
    valid: (c) => c.h.freshEntry(),
  },
  {
    path: '/api/v1/log/entries/retrieve',
    limit: DEFAULT_LIMIT,
    reject: [400, 422],
    fields: ['entryUUIDs', 'logIndexes', 'entries'],
    swap: ['logIndexes', 'entryUUIDs'],
    valid: (c) => ({ logIndexes: [0], entryUUIDs: [c.uuid] }),
    // Rekor's handler answers an empty SearchLogQuery with an empty list.
    okBodies: ['{}'],
  },
  {
    path: '/api/v1/index/retrieve',
    limit: DEFAULT_LIMIT,
    reject: [400, 422],
    fields: ['email', 'hash', 'publicKey', 'operator'],
    swap: ['hash'],
    valid: () => ({ hash: `sha256:${'ab'.repeat(32)}` }),
  },
  {
    path: '/api/v2/signingCert',
    limit: 128 * KiB,
    reject: [400, 401],
    fields: ['credentials', 'publicKeyRequest', 'certificateSigningRequest'],
    swap: ['credentials', 'publicKeyRequest'],
    valid: async (c) => {
      const email = `v2-${randomBytes(4).toString('hex')}@example.com`;
      return { credentials: { oidcIdentityToken: await c.h.token(email) }, publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: c.key.pem }, proofOfPossession: c.key.prove(email) } };
    },
  },
  {
    path: '/api/v1/signingCert',
    limit: 128 * KiB,
    reject: [400, 401],
    fields: ['publicKey', 'certificateSigningRequest'],
    swap: ['publicKey'],
    // The token's email is not the one signed: valid in shape, refused at the proof (never issued).
    valid: (c) => ({ publicKey: { algorithm: 'ecdsa', content: b64(c.key.pem) }, signedEmailAddress: c.key.prove('someone-else@example.com') }),
    headers: bearer,
  },
  {
    path: '/ct/v1/add-chain',
    limit: 256 * KiB,
    reject: [400],
    fields: ['chain'],
    swap: ['chain'],
    valid: (c) => ({ chain: [c.leafB64, ...c.caChainB64] }),
  },
  {
    path: '/ct/v1/add-pre-chain',
    limit: 256 * KiB,
    reject: [400],
    fields: ['chain'],
    swap: ['chain'],
    valid: (c) => ({ chain: [c.leafB64, ...c.caChainB64] }),
  },
  {
    path: '/dev/oidc/token',
    limit: 16 * KiB,
    reject: [400],
    fields: ['sub', 'email'],
    swap: ['sub'],
    valid: () => ({ sub: 'alice', email: 'alice@example.com', email_verified: true }),
  },
  {
    path: '/api/v1/timestamp',
    limit: 16 * KiB,
    innerLimit: 1 * KiB,
    reject: [400],
    fields: ['artifactHash', 'nonce'],
    swap: ['artifactHash', 'hashAlgorithm'],
    valid: () => P.timestampJson(),
  },
];

const utf8 = (s: string) => Buffer.from(s, 'utf8');

function jsonRouteCases(r: JsonRoute): HostileCase[] {
  const reject = r.reject;
  const orDepth = [...new Set([400, ...reject])];
  const headers = async (c: Ctx) => (r.headers ? await r.headers(c) : {});
  const post = (body: unknown, contentType?: string | null) => async (c: Ctx): Promise<HostileRequest> => ({
    path: r.path,
    body: typeof body === 'function' ? await (body as (c: Ctx) => unknown)(c) : body,
    ...(contentType !== undefined ? { contentType } : {}),
    headers: await headers(c),
  });
  const validText = async (c: Ctx) => JSON.stringify(await r.valid(c));
  // Sizes that fit the route's limit (bodies above the TSA's 1 KiB JSON limit are refused as such).
  const room = (r.innerLimit ?? r.limit) - 512;
  const big = r.limit - 4 * KiB;
  const ok = (body: string) => (r.okBodies?.includes(body) ? [200, ...reject] : reject);
  const cases: HostileCase[] = [
    { name: 'malformed JSON', req: post('{"a":'), expect: { status: 400 } },
    { name: 'valid request truncated', req: post(async (c: Ctx) => (await validText(c)).slice(0, -1)), expect: { status: 400 } },
    { name: 'garbage after a valid request', req: post(async (c: Ctx) => `${await validText(c)}x`), expect: { status: 400 } },
    { name: 'invalid UTF-8', req: post(Uint8Array.of(0x7b, 0x22, 0xff, 0xfe, 0xc0, 0x80, 0x22, 0x3a, 0x31, 0x7d)), expect: { status: orDepth } },
    // fastify's text/plain parser hands the routes a string, which they refuse as the wrong shape.
    { name: 'content type text/plain', req: post(validText, 'text/plain'), expect: { status: [415, ...reject] } },
    { name: 'no content type', req: post(async (c: Ctx) => utf8(await validText(c)), null), expect: { status: 415 } },
    { name: 'empty body', req: post(''), expect: { status: 400 } },
    { name: 'over the body limit', req: post(`{"${r.fields[0]}":"${'a'.repeat(r.limit)}"}`), expect: { status: 413, message: new RegExp(String(r.limit)) } },
    { name: `deep array (${P.depthFor(r.limit)} levels)`, req: post(P.deepArray(P.depthFor(r.limit))), expect: { status: orDepth } },
    { name: `deep object (${P.objectDepthFor(r.limit)} levels)`, req: post(P.deepObject(P.objectDepthFor(r.limit))), expect: { status: orDepth } },
    { name: 'deep array, unterminated', req: post('['.repeat(r.limit - 64)), expect: { status: 400 } },
    { name: '__proto__ key', req: post('{"__proto__":{"polluted":true}}'), expect: { status: orDepth } },
    // At most 256 KiB: parsing 1 MiB of JSON costs ≈ 0.1 s of event loop by itself on a loaded machine.
    { name: 'many keys', req: post(`{${Array.from({ length: Math.floor(Math.min(room, 256 * KiB) / 12) }, (_, i) => `"k${i}":0`).join(',')}}`), expect: { status: reject } },
    { name: 'same key many times', req: post(`{${Array.from({ length: Math.floor(Math.min(room, 256 * KiB) / (r.fields[0]!.length + 6)) }, () => `"${r.fields[0]}":0`).join(',')}}`), expect: { status: reject } },
    // Some POST paths also match a GET route (GET /api/v1/log/entries/:entryUUID, …logIndex).
    { name: 'GET instead of POST', req: async (c) => ({ method: 'GET', path: r.path, headers: await headers(c) }), expect: { status: [400, 404] } },
  ];
  for (const v of ['null', '1e999', '"text"', '[]', '{}']) {
    cases.push({ name: `JSON ${v}`, req: post(v), expect: { status: ok(v) } });
  }
  for (const f of r.swap) {
    for (const [what, v] of [['a number', 1e308], ['an array', [[]]], ['an object', {}]] as const) {
      cases.push({ name: `${f} is ${what}`, req: post(async (c: Ctx) => ({ ...(await r.valid(c)), [f]: v })), expect: { status: reject } });
    }
  }
  for (const f of r.fields) {
    cases.push(
      { name: `deep array in ${f}`, req: post(`{"${f}":${P.deepArray(P.depthFor(r.limit) - 64)}}`), expect: { status: orDepth } },
      { name: `huge string in ${f}`, req: post(JSON.stringify({ [f]: 'A'.repeat(r.innerLimit ? r.limit - KiB : big) })), expect: { status: reject } },
      { name: `huge array in ${f}`, req: post(`{"${f}":[${'0,'.repeat(Math.floor(big / 2) - 8)}0]}`), expect: { status: reject } },
    );
  }
  return cases.map((c) => ({ ...c, name: `${r.path}: ${c.name}` }));
}

// --- every GET route: query strings and path parameters ---------------------------------------------

const GET_ROUTES: readonly [string, number][] = [
  ['/healthz', 200],
  ['/ping', 200],
  ['/api/v1/log', 200],
  ['/api/v1/log/publicKey', 200],
  ['/api/v1/log/proof?lastSize=1', 200],
  ['/api/v1/log/entries?logIndex=0', 200],
  ['/api/v2/trustBundle', 200],
  ['/api/v2/configuration', 200],
  ['/api/v1/rootCert', 200],
  ['/api/v1/timestamp/certchain', 200],
  ['/ct/v1/get-sth', 200],
  ['/ct/v1/get-roots', 200],
  ['/ct/v1/get-entries?start=0&end=0', 200],
  ['/ct/v1/get-sth-consistency?first=0&second=1', 200],
  ['/trust/trusted_root.json', 200],
  ['/trust/signing_config.json', 200],
  ['/dev/oidc/.well-known/openid-configuration', 200],
  ['/dev/oidc/jwks', 200],
];

function getRouteCases(): HostileCase[] {
  const out: HostileCase[] = [];
  for (const [path, status] of GET_ROUTES) {
    const sep = path.includes('?') ? '&' : '?';
    out.push(
      { name: `${path}: 12 KiB of query string`, req: { path: `${path}${sep}junk=${'%41'.repeat(4 * KiB)}` }, expect: { status } },
      { name: `${path}: 1000 repeated unknown parameters`, req: { path: `${path}${sep}${'x=1&'.repeat(1000)}` }, expect: { status } },
    );
  }
  out.push({ name: '/api/v1/log: headers beyond 16 KiB', req: { path: `/api/v1/log?x=${'a'.repeat(20 * KiB)}` }, expect: { status: 431 } });
  return out;
}

/** Query-parameter values that are not non-negative decimal int64s, for every numeric parameter. */
function numericParamCases(): HostileCase[] {
  const zeroHash = encodeURIComponent(b64(new Uint8Array(32)));
  const params: [string, string, (v: string) => string][] = [
    ['GET /api/v1/log/entries', 'logIndex', (v) => `/api/v1/log/entries?logIndex=${v}`],
    ['GET /api/v1/log/proof', 'lastSize', (v) => `/api/v1/log/proof?lastSize=${v}`],
    ['GET /api/v1/log/proof', 'firstSize', (v) => `/api/v1/log/proof?lastSize=1&firstSize=${v}`],
    ['GET /api/v1/log/proof', 'treeID', (v) => `/api/v1/log/proof?lastSize=1&treeID=${v}`],
    ['GET /api/v1/log/publicKey', 'treeID', (v) => `/api/v1/log/publicKey?treeID=${v}`],
    ['GET /ct/v1/get-sth-consistency', 'first', (v) => `/ct/v1/get-sth-consistency?second=1&first=${v}`],
    ['GET /ct/v1/get-sth-consistency', 'second', (v) => `/ct/v1/get-sth-consistency?first=0&second=${v}`],
    ['GET /ct/v1/get-entries', 'start', (v) => `/ct/v1/get-entries?end=1&start=${v}`],
    ['GET /ct/v1/get-entries', 'end', (v) => `/ct/v1/get-entries?start=0&end=${v}`],
    ['GET /ct/v1/get-proof-by-hash', 'tree_size', (v) => `/ct/v1/get-proof-by-hash?hash=${zeroHash}&tree_size=${v}`],
  ];
  const out: HostileCase[] = [];
  for (const [route, key, url] of params) {
    for (const v of P.BAD_NUMBERS_QUERY) {
      out.push({ name: `${route} ${key}=${v.length > 20 ? `${v.slice(0, 8)}…(${v.length})` : JSON.stringify(v)}`, req: { path: url(encodeURIComponent(v)) }, expect: { status: 400 } });
    }
    out.push({ name: `${route} ${key} given twice`, req: { path: `${url('1')}&${key}=1` }, expect: { status: 400 } });
  }
  out.push(
    { name: 'logIndex beyond the tree (int64 max): 404 with an empty body, as Rekor', req: { path: '/api/v1/log/entries?logIndex=9223372036854775807' }, expect: { status: 404, emptyBody: true } },
    { name: 'logIndex missing', req: { path: '/api/v1/log/entries' }, expect: { status: 400 } },
    { name: 'lastSize beyond the tree', req: { path: '/api/v1/log/proof?lastSize=9223372036854775807' }, expect: { status: 400 } },
    { name: 'firstSize > lastSize', req: { path: '/api/v1/log/proof?firstSize=2&lastSize=1' }, expect: { status: 400 } },
    { name: 'get-sth-consistency first > second', req: { path: '/ct/v1/get-sth-consistency?first=2&second=1' }, expect: { status: 400 } },
    { name: 'get-entries the whole int64 range', req: { path: '/ct/v1/get-entries?start=0&end=9223372036854775807' }, expect: { status: 200 } },
    { name: 'get-entries start > end', req: { path: '/ct/v1/get-entries?start=5&end=1' }, expect: { status: 400 } },
  );
  for (const [what, hash] of [
    ['short', 'abc'],
    ['hex', 'ab'.repeat(32)],
    ['4 KiB', 'A'.repeat(4 * KiB)],
    ['URL-safe alphabet', '_'.repeat(43) + '='],
    ['missing padding', 'A'.repeat(43)],
    ['given twice', `${b64(new Uint8Array(32))}&hash=${b64(new Uint8Array(32))}`],
  ] as const) {
    out.push({ name: `get-proof-by-hash hash ${what}`, req: { path: `/ct/v1/get-proof-by-hash?tree_size=1&hash=${what === 'given twice' ? hash.replace(/\+/g, '%2B') : encodeURIComponent(hash)}` }, expect: { status: 400 } });
  }
  out.push({ name: 'get-proof-by-hash unknown hash: 404', req: { path: `/ct/v1/get-proof-by-hash?tree_size=1&hash=${encodeURIComponent(b64(randomBytes(32)))}` }, expect: { status: 404 } });
  return out;
}

function pathParamCases(): HostileCase[] {
  const at = (p: string) => ({ path: `/api/v1/log/entries/${p}` });
  return [
    { name: 'entryUUID 63 hex', req: at('a'.repeat(63)), expect: { status: 400 } },
    { name: 'entryUUID 65 hex', req: at('a'.repeat(65)), expect: { status: 400 } },
    { name: 'entryUUID 64 non-hex', req: at('g'.repeat(64)), expect: { status: 400 } },
    { name: 'entryUUID with NUL', req: at('%00'.repeat(10)), expect: { status: 400 } },
    { name: 'entryUUID unicode', req: at(encodeURIComponent('é'.repeat(40))), expect: { status: 400 } },
    { name: 'entryUUID unknown (64 hex): 404 with an empty body, as Rekor', req: at('ab'.repeat(32)), expect: { status: 404, emptyBody: true } },
    { name: 'entryUUID of another tree (80 hex): 404', req: at('ff'.repeat(40)), expect: { status: 404, emptyBody: true } },
    { name: 'entryUUID 100 hex (fastify maxParamLength)', req: at('a'.repeat(100)), expect: { status: 400 } },
    { name: 'entryUUID 101 hex', req: at('a'.repeat(101)), expect: { status: [400, 404, 414] } },
    { name: 'entryUUID 8 KiB', req: at('a'.repeat(8 * KiB)), expect: { status: [400, 404, 414] } },
    { name: 'entryUUID bad percent-encoding', req: at('%zz'), expect: { status: 400 } },
    { name: 'unknown route', req: { path: `/api/v1/${'x/'.repeat(1000)}` }, expect: { status: 404 } },
    { name: 'unknown method on a known route', req: { method: 'DELETE', path: '/api/v1/log' }, expect: { status: 404 } },
  ].map((c) => ({ ...c, name: `GET /api/v1/log/entries/:entryUUID — ${c.name}` }));
}

// --- route-specific bodies --------------------------------------------------------------------------

const hr = (c: Ctx) => c.h.freshEntry() as { spec: { signature: { content: string; publicKey: { content: string } }; data: { hash: { algorithm: string; value: string } } } };

function entryCases(): HostileCase[] {
  const post = (body: (c: Ctx) => unknown) => (c: Ctx) => ({ path: '/api/v1/log/entries', body: body(c) });
  const withKey = (pem: string | Uint8Array) => post(() => P.hashedrekordWithKey(pem));
  const mod = (f: (e: ReturnType<typeof hr>) => void) =>
    post((c) => {
      const e = hr(c);
      f(e);
      return e;
    });
  const cases: HostileCase[] = [
    { name: 'signature not base64', req: mod((e) => (e.spec.signature.content = '!!!')), expect: { status: 400 } },
    { name: 'signature of 2.5 MiB', req: mod((e) => (e.spec.signature.content = b64(randomBytes(2.5 * MiB)))), expect: { status: 400 } },
    { name: 'key not base64', req: mod((e) => (e.spec.signature.publicKey.content = '%%%')), expect: { status: 400 } },
    { name: 'key is base64 of garbage', req: withKey(randomBytes(300)), expect: { status: 400 } },
    { name: 'hash value not hex', req: mod((e) => (e.spec.data.hash.value = 'zz'.repeat(32))), expect: { status: [400, 422] } },
    { name: 'hash value 1 MiB', req: mod((e) => (e.spec.data.hash.value = 'ab'.repeat(MiB / 2))), expect: { status: [400, 422] } },
    { name: 'hash algorithm unknown', req: mod((e) => (e.spec.data.hash.algorithm = 'md5')), expect: { status: [400, 422] } },
    { name: 'kind unknown, 100 KiB', req: post(() => ({ ...freshHashedrekord(), kind: 'x'.repeat(100 * KiB) })), expect: { status: 422 } },
    { name: 'apiVersion 64 KiB', req: post(() => ({ ...freshHashedrekord(), apiVersion: '0.0.1-' + 'a'.repeat(64 * KiB) })), expect: { status: [400, 422] } },
    { name: 'signature wrong (valid shape)', req: mod((e) => (e.spec.signature.content = b64(randomBytes(70)))), expect: { status: 400 } },
    { name: 'key: many BEGIN lines', req: withKey(P.pemManyBegins(20_000)), expect: { status: 400 } },
    { name: 'key: more PEM blocks than a chain may have', req: withKey(P.pemManyBlocks(10_000)), expect: { status: 400 } },
    { name: 'key: whitespace run not reaching the end', req: withKey(P.pemWhitespace(P.PEM_WHITESPACE_RUN_WORKER)), expect: { status: 400 } },
    { name: 'key: N copies of a self-signed intermediate', req: withKey(P.chainSearchPem(P.CHAIN_COPIES_WORKER)), expect: { status: 400 } },
    { name: 'dsse: verifiers × junk signatures', req: post(() => P.dsseBudgetEntry(P.DSSE_VERIFIERS_WORKER, P.DSSE_JUNK_WORKER)), expect: { status: 400 } },
    { name: 'intoto 0.0.2: n signatures each with the key', req: post(() => P.intotoBudgetEntry(P.INTOTO_ITEMS_WORKER)), expect: { status: 400 } },
    { name: 'dsse: envelope is deep JSON', req: post(() => ({ apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope: P.deepArray(100_000), verifiers: [b64('x')] } } })), expect: { status: 400 } },
    { name: 'dsse: envelope of 2.7 MiB', req: post(() => ({ apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope: JSON.stringify({ payload: b64(randomBytes(2 * MiB)), payloadType: 'x', signatures: [{ sig: 'AA==' }] }), verifiers: [b64(testKeyPem())] } } })), expect: { status: 400 } },
  ];
  for (const [what, der] of P.derGarbage(spkiDer())) cases.push({ name: `key: PUBLIC KEY block of DER ${what}`, req: withKey(P.pemOf('PUBLIC KEY', der)), expect: { status: 400 } });
  for (const [what, der] of P.derGarbage(spkiDer()).slice(1, 8)) cases.push({ name: `key: CERTIFICATE block of DER ${what}`, req: withKey(P.pemOf('CERTIFICATE', der)), expect: { status: 400 } });
  return cases.map((c) => ({ ...c, name: `POST /api/v1/log/entries: ${c.name}` }));
}

const testKeyPem = () => clientKeyOnce().pem;
const spkiDer = () => new Uint8Array(clientKeyOnce().publicKey.export({ type: 'spki', format: 'der' }));
let onceKey: ReturnType<typeof clientKey> | undefined;
const clientKeyOnce = () => (onceKey ??= clientKey('P-256'));

function retrieveCases(): HostileCase[] {
  const post = (body: unknown) => (c: Ctx) => ({ path: '/api/v1/log/entries/retrieve', body: typeof body === 'function' ? (body as (c: Ctx) => unknown)(c) : body });
  const cases: HostileCase[] = [];
  // 1e2 and -0 are integers to JSON.parse (Go's decoder refuses 1e2; harmless either way).
  for (const v of P.BAD_NUMBERS_JSON) cases.push({ name: `logIndexes [${v}]`, req: post(`{"logIndexes":[${v}]}`), expect: { status: v === '1e2' || v === '-0' ? [200, 422] : 422 } });
  cases.push(
    { name: 'logIndexes 11 items', req: post({ logIndexes: Array(11).fill(0) }), expect: { status: 422 } },
    { name: '4 + 4 + 3 items', req: post((c: Ctx) => ({ logIndexes: [0, 0, 0, 0], entryUUIDs: Array(4).fill(c.uuid), entries: Array(3).fill(hr(c)) })), expect: { status: 422 } },
    { name: 'entryUUIDs non-hex', req: post({ entryUUIDs: ['z'.repeat(64)] }), expect: { status: 422 } },
    { name: 'entryUUIDs 1 MiB string', req: post({ entryUUIDs: ['a'.repeat(MiB - 64)] }), expect: { status: [413, 422] } },
    { name: 'entryUUIDs 900 KiB string', req: post({ entryUUIDs: ['a'.repeat(900 * KiB)] }), expect: { status: 422 } },
    { name: 'unknown field', req: post({ logIndexes: [0], x: 1 }), expect: { status: 422 } },
    { name: 'entries: 10 invalid entries of 90 KiB', req: post({ entries: Array(10).fill(P.hashedrekordWithKey(randomBytes(64 * KiB))) }), expect: { status: 400 } },
    { name: 'entries: deep spec', req: post(`{"entries":[{"kind":"hashedrekord","apiVersion":"0.0.1","spec":${P.deepArray(100_000)}}]}`), expect: { status: [400, 422] } },
    { name: 'entries: deep spec.signature', req: post(`{"entries":[{"kind":"hashedrekord","apiVersion":"0.0.1","spec":{"signature":${P.deepObject(50_000)}}}]}`), expect: { status: [400, 422] } },
    { name: 'entries: key is a whitespace run not reaching the end', req: post({ entries: [P.hashedrekordWithKey(P.pemWhitespace())] }), expect: { status: 400 } },
    { name: 'entries: key is N copies of a self-signed intermediate', req: post({ entries: [P.hashedrekordWithKey(P.chainSearchPem())] }), expect: { status: 400 } },
    { name: 'entries: dsse verifiers × junk signatures', req: post({ entries: [P.dsseBudgetEntry()] }), expect: { status: 400 } },
    { name: 'entries: intoto 0.0.2 n signatures each with the key', req: post({ entries: [P.intotoBudgetEntry()] }), expect: { status: 400 } },
    { name: 'entries: 10 cheap invalid dsse entries', req: post({ entries: Array.from({ length: 10 }, () => P.dsseBudgetEntry(2, 2)) }), expect: { status: 400 } },
  );
  return cases.map((c) => ({ ...c, name: `POST /api/v1/log/entries/retrieve: ${c.name}` }));
}

function indexCases(): HostileCase[] {
  const post = (body: unknown) => ({ path: '/api/v1/index/retrieve', body });
  const pk = (content: string) => post({ publicKey: { format: 'x509', content } });
  const pem = (text: string | Uint8Array) => pk(b64(text));
  const cases: HostileCase[] = [
    { name: 'hash 1 MiB of hex', req: post({ hash: 'a'.repeat(MiB - 64) }), expect: { status: [413, 422] } },
    { name: 'hash sha256: prefix with 128 hex', req: post({ hash: `sha256:${'a'.repeat(128)}` }), expect: { status: 422 } },
    { name: 'hash with newline', req: post({ hash: `${'a'.repeat(64)}\n` }), expect: { status: 422 } },
    { name: 'email 513 characters', req: post({ email: `${'a'.repeat(501)}@example.com` }), expect: { status: 422 } },
    { name: 'email 900 KiB', req: post({ email: `${'a'.repeat(900 * KiB)}@x` }), expect: { status: 422 } },
    { name: 'email of @ and spaces', req: post({ email: '@ '.repeat(100 * KiB) }), expect: { status: 422 } },
    { name: 'subject 900 KiB', req: post({ subject: 'a'.repeat(900 * KiB) }), expect: { status: 422 } },
    { name: 'operator unknown', req: post({ hash: 'ab'.repeat(32), operator: 'xor' }), expect: { status: 422 } },
    { name: 'operator alone', req: post({ operator: 'and' }), expect: { status: 400 } },
    { name: 'publicKey format pgp', req: post({ publicKey: { format: 'pgp', content: 'AA==' } }), expect: { status: 400 } },
    { name: 'publicKey format is an object', req: post({ publicKey: { format: {}, content: 'AA==' } }), expect: { status: 422 } },
    { name: 'publicKey url', req: post({ publicKey: { format: 'x509', url: 'http://169.254.169.254/' } }), expect: { status: 400 } },
    { name: 'publicKey content not base64', req: pk('%%%'), expect: { status: 400 } },
    { name: 'publicKey content 900 KiB of base64 garbage', req: pk(b64(randomBytes(600 * KiB))), expect: { status: 400 } },
    { name: 'publicKey: many BEGIN lines', req: pem(P.pemManyBegins(20_000)), expect: { status: 400 } },
    { name: 'publicKey: many empty blocks', req: pem(P.pemManyBlocks(10_000)), expect: { status: 400 } },
    { name: 'publicKey: whitespace run not reaching the end', req: pem(P.pemWhitespace()), expect: { status: 400 } },
    { name: 'publicKey: whitespace run before a missing END', req: pem(P.pemWhitespaceTail(testKeyPem())), expect: { status: 400 } },
    { name: 'publicKey: 10 copies of a certificate block', req: pem(P.chainSearchPem(8)), expect: { status: [200, 400] } },
  ];
  for (const [what, der] of P.derGarbage(spkiDer())) cases.push({ name: `publicKey: DER ${what}`, req: pem(P.pemOf('PUBLIC KEY', der)), expect: { status: 400 } });
  return cases.map((c) => ({ ...c, name: `POST /api/v1/index/retrieve: ${c.name}` }));
}

function caCases(): HostileCase[] {
  const v2 = (f: (token: string, c: Ctx) => unknown) => async (c: Ctx) => ({ path: '/api/v2/signingCert', body: f(await c.h.token(), c) });
  const v2key = (content: string) => v2((t) => ({ credentials: { oidcIdentityToken: t }, publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content }, proofOfPossession: b64('x') } }));
  const v2csr = (csr: string) => v2((t) => ({ credentials: { oidcIdentityToken: t }, certificateSigningRequest: csr }));
  const v1 = (body: unknown, auth?: string) => async (c: Ctx) => ({ path: '/api/v1/signingCert', body, headers: { authorization: auth ?? `Bearer ${await c.h.token()}` } });
  const jwt = (header: string, payload: string) => `${Buffer.from(header).toString('base64url')}.${Buffer.from(payload).toString('base64url')}.${b64(randomBytes(64)).replace(/=/g, '')}`;
  const tokenCase = (token: string) => async (c: Ctx) => ({ path: '/api/v2/signingCert', body: { credentials: { oidcIdentityToken: token }, publicKeyRequest: { publicKey: { content: c.key.pem }, proofOfPossession: b64('x') } } });
  const cases: HostileCase[] = [
    { name: 'v2: token garbage', req: tokenCase('a.b.c'), expect: { status: 401 } },
    { name: 'v2: token 100 KiB', req: tokenCase('a'.repeat(100 * KiB)), expect: { status: 401 } },
    { name: 'v2: token alg none', req: tokenCase(jwt('{"alg":"none"}', '{"iss":"x","sub":"x"}')), expect: { status: 401 } },
    { name: 'v2: token header is deep JSON', req: tokenCase(jwt(P.deepArray(30_000), '{}')), expect: { status: 401 } },
    { name: 'v2: token payload is deep JSON', req: tokenCase(jwt('{"alg":"ES256","kid":"x"}', P.deepObject(15_000))), expect: { status: 401 } },
    { name: 'v2: token issuer is a URL of 60 KiB', req: tokenCase(jwt('{"alg":"ES256","kid":"x"}', JSON.stringify({ iss: `https://${'a'.repeat(60 * KiB)}`, sub: 'x' }))), expect: { status: 401 } },
    { name: 'v2: token issuer points inside (SSRF)', req: tokenCase(jwt('{"alg":"ES256","kid":"x"}', JSON.stringify({ iss: 'http://169.254.169.254/latest', sub: 'x' }))), expect: { status: 401 } },
    { name: 'v2: Authorization header of 12 KiB', req: async (c) => ({ path: '/api/v2/signingCert', body: { publicKeyRequest: { publicKey: { content: c.key.pem }, proofOfPossession: 'AA==' } }, headers: { authorization: `Bearer ${'a'.repeat(12 * KiB)}` } }), expect: { status: 401 } },
    { name: 'v2: key and CSR both', req: v2((t, c) => ({ credentials: { oidcIdentityToken: t }, publicKeyRequest: { publicKey: { content: c.key.pem } }, certificateSigningRequest: 'AA==' })), expect: { status: 400 } },
    { name: 'v2: key field set twice (camel and snake)', req: v2((t, c) => ({ credentials: { oidcIdentityToken: t }, publicKeyRequest: { publicKey: { content: c.key.pem } }, public_key_request: {} })), expect: { status: 400 } },
    { name: 'v2: proof not base64', req: v2((t, c) => ({ credentials: { oidcIdentityToken: t }, publicKeyRequest: { publicKey: { content: c.key.pem }, proofOfPossession: '***' } })), expect: { status: 400 } },
    { name: 'v2: proof of 90 KiB', req: v2((t, c) => ({ credentials: { oidcIdentityToken: t }, publicKeyRequest: { publicKey: { content: c.key.pem }, proofOfPossession: b64(randomBytes(64 * KiB)) } })), expect: { status: 400 } },
    { name: 'v2: proof by another key', req: v2((t, c) => ({ credentials: { oidcIdentityToken: t }, publicKeyRequest: { publicKey: { content: c.key.pem }, proofOfPossession: clientKeyOnce().prove('x') } })), expect: { status: 400 } },
    { name: 'v2: algorithm 2^64', req: v2((t, c) => ({ credentials: { oidcIdentityToken: t }, publicKeyRequest: { publicKey: { algorithm: 18446744073709551616, content: c.key.pem }, proofOfPossession: 'AA==' } })), expect: { status: 400 } },
    { name: 'v2: key: many BEGIN lines', req: v2key(P.pemManyBegins(3000)), expect: { status: 400 } },
    { name: 'v2: key: whitespace run not reaching the end', req: v2key(P.pemWhitespace()), expect: { status: 400 } },
    { name: 'v2: CSR not base64', req: v2csr('%%%'), expect: { status: 400 } },
    { name: 'v2: CSR: many BEGIN lines', req: v2csr(b64(P.pemManyBegins(2000))), expect: { status: 400 } },
    { name: 'v2: CSR: whitespace run not reaching the end', req: v2csr(b64(`-----BEGIN CERTIFICATE REQUEST-----\n${' '.repeat(P.PEM_WHITESPACE_RUN)}x\n-----END CERTIFICATE REQUEST-----\n`)), expect: { status: 400 } },
    { name: 'v1: no Authorization', req: v1({ publicKey: { content: 'AA==' }, signedEmailAddress: 'AA==' }, ''), expect: { status: 401 } },
    { name: 'v1: Authorization not Bearer', req: v1({ publicKey: { content: 'AA==' }, signedEmailAddress: 'AA==' }, 'Basic YTpi'), expect: { status: 401 } },
    { name: 'v1: publicKey content not base64', req: v1({ publicKey: { content: '%%%' }, signedEmailAddress: 'AA==' }), expect: { status: 400 } },
    { name: 'v1: signedEmailAddress 90 KiB', req: v1({ publicKey: { content: b64(testKeyPem()) }, signedEmailAddress: b64(randomBytes(64 * KiB)) }), expect: { status: 400 } },
  ];
  for (const [what, der] of P.derGarbage(spkiDer())) {
    cases.push({ name: `v2: key: DER ${what}`, req: v2key(P.pemOf('PUBLIC KEY', der)), expect: { status: 400 } });
    cases.push({ name: `v2: CSR: DER ${what}`, req: v2csr(b64(der)), expect: { status: 400 } });
  }
  cases.push({ name: 'v2: CSR: DER nested 5000 deep', req: v2csr(b64(P.derNested(5000))), expect: { status: 400 } });
  return cases.map((c) => ({ ...c, name: `POST /api/v*/signingCert ${c.name}` }));
}

function ctCases(): HostileCase[] {
  const cases: HostileCase[] = [];
  for (const path of ['/ct/v1/add-chain', '/ct/v1/add-pre-chain']) {
    const post = (chain: (c: Ctx) => unknown) => (c: Ctx) => ({ path, body: { chain: chain(c) } });
    cases.push(
      { name: `${path}: chain of 11 certificates`, req: post((c) => Array(11).fill(c.leafB64)), expect: { status: 400 } },
      { name: `${path}: chain of 200 KiB of base64 garbage`, req: post(() => [b64(randomBytes(150 * KiB))]), expect: { status: 400 } },
      { name: `${path}: chain item not base64`, req: post(() => ['*'.repeat(100)]), expect: { status: 400 } },
      { name: `${path}: chain item URL-safe base64`, req: post(() => ['-_-_']), expect: { status: 400 } },
      { name: `${path}: chain item number`, req: post(() => [1]), expect: { status: 400 } },
      { name: `${path}: chain of 50k empty strings`, req: post(() => Array(50_000).fill('')), expect: { status: 400 } },
      { name: `${path}: leaf followed by a foreign root`, req: post((c) => [c.leafB64, b64(P.derNested(1))]), expect: { status: 400 } },
      { name: `${path}: the CA's root as leaf`, req: post((c) => [c.caChainB64[1]]), expect: { status: 400 } },
      { name: `${path}: DER nested 40000 deep`, req: post(() => [b64(P.derNested(40_000))]), expect: { status: 400 } },
      { name: `${path}: DER indefinite nesting 40000 deep`, req: post(() => [b64(P.derIndefinite(40_000))]), expect: { status: 400 } },
    );
    const leaf = (c: Ctx) => new Uint8Array(Buffer.from(c.leafB64, 'base64'));
    P.DER_GARBAGE.forEach((what, i) => {
      cases.push({ name: `${path}: leaf is DER ${what}`, req: post((c) => [b64(P.derGarbage(leaf(c))[i]![1]), ...c.caChainB64]), expect: { status: 400 } });
    });
  }
  return cases;
}

function tsaCases(): HostileCase[] {
  const der = (body: Uint8Array, contentType = 'application/timestamp-query') => ({ path: '/api/v1/timestamp', body, contentType });
  const json = (body: unknown) => ({ path: '/api/v1/timestamp', body });
  const cases: HostileCase[] = [];
  for (const [what, bytes] of P.derGarbage(P.timestampReqDer())) cases.push({ name: `DER ${what}`, req: der(bytes), expect: { status: 400 } });
  cases.push(
    { name: 'DER nested 4000 deep', req: der(P.derNested(4000)), expect: { status: 400 } },
    { name: 'DER indefinite nesting 4000 deep', req: der(P.derIndefinite(4000)), expect: { status: 400 } },
    { name: 'DER 16 KiB of zeros', req: der(new Uint8Array(16 * KiB - 1)), expect: { status: 400 } },
    { name: 'DER over the body limit', req: der(new Uint8Array(16 * KiB + 1)), expect: { status: 413, message: /16384/ } },
    { name: 'DER sent as application/json', req: der(P.timestampReqDer(), 'application/json'), expect: { status: 400 } },
    { name: 'JSON sent as application/timestamp-query', req: der(utf8(JSON.stringify(P.timestampJson())), 'application/timestamp-query'), expect: { status: 400 } },
    { name: 'DER with an unknown content type', req: der(P.timestampReqDer(), 'application/octet-stream'), expect: { status: 415 } },
    { name: 'DER with a content type of 8 KiB', req: der(P.timestampReqDer(), `application/timestamp-query; x=${'a'.repeat(8 * KiB)}`), expect: { status: 200 } },
    { name: 'JSON of 1 KiB + 1', req: json(`{"artifactHash":"${'A'.repeat(KiB)}"}`), expect: { status: 400 } },
    { name: 'JSON artifactHash not base64', req: json({ ...P.timestampJson(), artifactHash: '***' }), expect: { status: 400 } },
    { name: 'JSON artifactHash of the wrong length', req: json({ ...P.timestampJson(), artifactHash: b64(randomBytes(31)) }), expect: { status: 400 } },
    { name: 'JSON hashAlgorithm sha1', req: json({ ...P.timestampJson(), hashAlgorithm: 'sha1' }), expect: { status: 400 } },
  );
  // A nonce is any JSON integer (sigstore's *big.Int): negative and huge ones are valid requests.
  const validNonce = new Set(['-1', '-0', '18446744073709551616', '9223372036854775808', 'null']);
  for (const v of P.BAD_NUMBERS_JSON) {
    cases.push({ name: `JSON nonce ${v}`, req: json(`{"artifactHash":"${P.timestampJson().artifactHash}","hashAlgorithm":"sha256","nonce":${v}}`), expect: { status: validNonce.has(v) ? 200 : 400 } });
  }
  cases.push(
    { name: 'JSON nonce of 900 digits (bounded by the 1 KiB JSON limit)', req: json(`{"artifactHash":"${P.timestampJson().artifactHash}","hashAlgorithm":"sha256","nonce":${'9'.repeat(900)}}`), expect: { status: 200 } },
    { name: 'JSON tsaPolicyOID of 1000 arcs', req: json(`{"artifactHash":"${P.timestampJson().artifactHash}","hashAlgorithm":"sha256","tsaPolicyOID":"1${'.1'.repeat(400)}"}`), expect: { status: 400 } },
    { name: 'JSON duplicate field', req: json(`{"artifactHash":"${P.timestampJson().artifactHash}","hashAlgorithm":"sha256","hashAlgorithm":"sha256"}`), expect: { status: 400 } },
  );
  return cases.map((c) => ({ ...c, name: `POST /api/v1/timestamp: ${c.name}` }));
}

function devOidcCases(): HostileCase[] {
  const post = (body: unknown) => ({ path: '/dev/oidc/token', body });
  return [
    { name: 'claims of 9 KiB', req: post({ sub: 'x', pad: 'a'.repeat(9 * KiB) }), expect: { status: 400 } },
    { name: 'sub empty', req: post({ sub: '' }), expect: { status: 400 } },
    { name: 'deep array beside sub', req: post(`{"sub":"x","a":${P.deepArray(7000)}}`), expect: { status: 400 } },
    { name: 'deep object beside sub', req: post(`{"sub":"x","a":${P.deepObject(2500, '')}}`), expect: { status: 400 } },
  ].map((c) => ({ ...c, name: `POST /dev/oidc/token: ${c.name}` }));
}

/**
 * The worst cases within the body limits. Each ran for minutes or more before issue 10's fixes
 * (PEM whitespace: defect 3; chain copies: defect 2; dsse verifiers × signatures: defect 1).
 */
function worstCases(): HostileCase[] {
  return [
    {
      name: 'POST /api/v1/index/retrieve: PEM whitespace run of 1 MiB − 4 KiB',
      req: () => ({ path: '/api/v1/index/retrieve', body: { publicKey: { format: 'x509', content: b64(P.pemWhitespace(Math.floor(((MiB - 4 * KiB) * 3) / 4))) } } }),
      expect: { status: 400 },
    },
    {
      name: 'POST /api/v1/log/entries/retrieve: 8 copies of a self-signed intermediate (10 certificates)',
      req: () => ({ path: '/api/v1/log/entries/retrieve', body: { entries: [P.hashedrekordWithKey(P.chainSearchPem(8))] } }),
      expect: { status: 400 },
    },
    {
      name: 'POST /api/v1/log/entries/retrieve: dsse with 1000 verifiers × 20000 junk signatures',
      req: () => ({ path: '/api/v1/log/entries/retrieve', body: { entries: [P.dsseBudgetEntry(1000, 20_000)] } }),
      expect: { status: 400 },
    },
    {
      name: 'POST /api/v1/log/entries: dsse with 1000 verifiers × 20000 junk signatures',
      req: () => ({ path: '/api/v1/log/entries', body: P.dsseBudgetEntry(1000, 20_000) }),
      expect: { status: 400 },
    },
  ];
}

/** Every hostile case, grouped by endpoint. */
export function allCases(): { group: string; cases: HostileCase[] }[] {
  return [
    ...JSON_ROUTES.map((r) => ({ group: `POST ${r.path}: generic JSON`, cases: jsonRouteCases(r) })),
    { group: 'GET routes: query strings', cases: getRouteCases() },
    { group: 'numeric query parameters', cases: numericParamCases() },
    { group: 'path parameters', cases: pathParamCases() },
    { group: 'POST /api/v1/log/entries', cases: entryCases() },
    { group: 'POST /api/v1/log/entries/retrieve', cases: retrieveCases() },
    { group: 'POST /api/v1/index/retrieve', cases: indexCases() },
    { group: 'signingCert', cases: caCases() },
    { group: 'CT add-chain', cases: ctCases() },
    { group: 'timestamp', cases: tsaCases() },
    { group: 'dev OIDC', cases: devOidcCases() },
    { group: 'worst cases within the body limits', cases: worstCases() },
  ];
}
