/**
 * TSA throughput: timestamps per second over HTTP (autocannon in this process, the server in a
 * child process so the two do not share an event loop) against the in-process ceilings measured in
 * the same run — a bare ECDSA signature, and a whole token (TSTInfo + CMS + signature) without HTTP.
 *
 *   npx tsx bench/tsa.ts [--duration 5] [--connections 32]
 */
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { MessageImprint, TimeStampReq } from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { installErrorHandler } from '../src/api/errors.ts';
import { registerTsaRoutes } from '../src/api/routes/tsa.ts';
import { createTimestampAuthority, SIGSTORE_TSA_POLICY, type TimestampRequest } from '../src/tsa/index.ts';
import { generateTsaChain, HASH_OIDS } from '../src/x509/index.ts';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '5' }, connections: { type: 'string', default: '32' }, serve: { type: 'boolean', default: false } },
});
const duration = Number(values.duration);
const connections = Number(values.connections);

function perSecond(seconds: number, fn: () => void): number {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const start = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
  }
  return n / ((performance.now() - start) / 1000);
}

async function perSecondAsync(seconds: number, fn: () => Promise<unknown>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const start = performance.now();
  while (performance.now() < end) {
    await fn();
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

const material = generateTsaChain({ now: new Date() });
const tsa = createTimestampAuthority({
  chain: material.chain,
  privateKey: material.privateKey,
  clock: { now: () => new Date() },
  policies: { default: SIGSTORE_TSA_POLICY, accepted: [] },
  accuracySeconds: 1,
});
const digest = createHash('sha256').update('benchmark artifact').digest();

if (values.serve) {
  // Child mode: serve until stdin closes.
  const app = Fastify({ logger: false });
  installErrorHandler(app);
  registerTsaRoutes(app, tsa);
  console.log(await app.listen({ host: '127.0.0.1', port: 0 }));
  process.stdin.resume();
  await once(process.stdin, 'end');
  await app.close();
  process.exit(0);
}

// 1. Ceiling: one ECDSA P-256 signature over a signed-attributes-sized message (what each token costs at least).
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const msg = new Uint8Array(200);
const rawSign = perSecond(1, () => sign('sha256', msg, { key: privateKey, dsaEncoding: 'der' }));

// 2. A whole token in-process, no HTTP.
const request: TimestampRequest = { hashAlgorithm: 'sha256', hashParameters: 'null', hashedMessage: digest, nonce: 1234567890123n, certReq: false, policy: undefined };
const issueRate = await perSecondAsync(1, () => tsa.issue(request));

// 3. HTTP, both wire forms, against a server in a child process.
const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
const [firstLine] = (await once(child.stdout, 'data')) as [Buffer];
const url = firstLine.toString().trim();

const jsonBody = JSON.stringify({ artifactHash: digest.toString('base64'), hashAlgorithm: 'sha256' }); // what sigstore-js sends
const derBody = Buffer.from(
  AsnConvert.serialize(
    new TimeStampReq({
      messageImprint: new MessageImprint({ hashAlgorithm: new AlgorithmIdentifier({ algorithm: HASH_OIDS.sha256, parameters: null }), hashedMessage: new OctetString(digest) }),
      nonce: new Uint8Array([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]).buffer,
      certReq: true,
    }),
  ),
);

async function load(contentType: string, body: Buffer | string): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/api/v1/timestamp`,
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
    connections,
    duration,
  });
}

const json = await load('application/json', jsonBody);
const der = await load('application/timestamp-query', derBody);
child.stdin.end();
await once(child, 'exit');

const row = (name: string, rate: number, note = '') => `| ${name.padEnd(44)} | ${Math.round(rate).toString().padStart(7)} | ${note}`;
const http = (r: autocannon.Result) =>
  `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}, ${(r.requests.average / rawSign * 100).toFixed(0)}% of raw sign`;
console.log(`TSA benchmark: Node ${process.version}, ${connections} connections, ${duration} s per HTTP run, leaf ${tsa.signingAlgorithm.description}`);
console.log(`| ${'measure'.padEnd(44)} | ${'per s'.padStart(7)} | notes`);
console.log(`|${'-'.repeat(46)}|${'-'.repeat(9)}|------`);
console.log(row('raw ECDSA P-256 sign (node:crypto)', rawSign, 'ceiling'));
console.log(row('token issue in-process (tsa.issue)', issueRate, `${((issueRate / rawSign) * 100).toFixed(0)}% of raw sign`));
console.log(row('HTTP POST application/json (sigstore-js form)', json.requests.average, http(json)));
console.log(row('HTTP POST application/timestamp-query + certReq', der.requests.average, http(der)));
